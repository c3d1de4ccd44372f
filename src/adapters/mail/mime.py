"""One MIME builder for every adapter that sends a whole message (SMTP, Maildir, SES raw)."""

from __future__ import annotations

import datetime as dt
import email.message
import email.policy
import email.utils
from email.headerregistry import Address

from ports.shared.mail import EmailAddress, EmailMessage


def message_id(message: EmailMessage) -> str:
    """The message's own Message-ID, or a fresh one in the sender's domain."""
    return message.message_id or email.utils.make_msgid(domain=message.sender.domain)


def build_mime(
    message: EmailMessage,
    *,
    include_bcc: bool = False,
    date: dt.datetime | None = None,
    msg_id: str | None = None,
) -> email.message.EmailMessage:
    """``multipart/mixed`` [``multipart/alternative`` [text/plain, text/html], attachments...],
    collapsed to the simplest structure that holds what the message has.

    Bcc is left out of the headers (it is an envelope matter) unless ``include_bcc``: the
    Maildir keeps it so a developer can see who was blind-copied.
    """
    mime = email.message.EmailMessage(policy=email.policy.SMTP)
    mime["From"] = _address(message.sender)
    mime["To"] = [_address(a) for a in message.to]
    if message.cc:
        mime["Cc"] = [_address(a) for a in message.cc]
    if include_bcc and message.bcc:
        mime["Bcc"] = [_address(a) for a in message.bcc]
    if message.reply_to is not None:
        mime["Reply-To"] = _address(message.reply_to)
    mime["Subject"] = message.subject
    mime["Date"] = email.utils.format_datetime(date or dt.datetime.now(dt.UTC))
    mime["Message-ID"] = msg_id or message_id(message)
    for name, value in message.headers.items():
        mime[name] = value
    mime.set_content(message.text, subtype="plain", cte=_cte(message.text))
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html", cte=_cte(message.html))
    for attachment in message.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        mime.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return mime


def envelope_recipients(message: EmailMessage) -> list[str]:
    return [a.address for a in message.recipients]


def _address(address: EmailAddress) -> Address:
    return Address(display_name=address.name, addr_spec=address.address)


def _cte(body: str) -> str:
    # ASCII stays readable (7bit / quoted-printable); other scripts are shorter in base64.
    if body.isascii():
        return "quoted-printable" if any(len(line) > 78 for line in body.splitlines()) else "7bit"
    return "base64"
