"""Transactional email: the plain data the core hands to a ``Mailer``, and the port itself.

Four adapters implement ``Mailer`` (``adapters.mail``): SMTP, SendGrid v3, AWS SES v2 and a
Maildir under the data dir for embedded mode. They share this contract:

* ``send`` delivers one message to the provider and returns the provider's id for it
  (SendGrid's ``X-Message-Id``, SES's ``MessageId``, the ``Message-ID`` for SMTP, the file's
  key in the Maildir).
* ``message.message_id`` (``<local@domain>``) is sent as the ``Message-ID`` header when set;
  callers derive it deterministically from the request, so a retried send is recognisably the
  same email. Adapters whose provider de-duplicates (the Maildir does, by Message-ID) use it
  or ``idempotency_key`` for that.
* Errors are typed, never a library exception: ``MailRejected`` when the provider refuses this
  message (a bad recipient, invalid content: retrying cannot help), ``MailUnavailable`` when it
  cannot be reached, times out, refuses our credentials or fails on its side (retry later).
* ``check()`` raises ``MailUnavailable`` when the provider is not usable; adapters also carry
  ``name``/``kind`` so they can serve as a readiness ``HealthCheck``.

The dataclasses validate themselves (``InvalidInput`` with code ``mail.invalid_message``): no
CR/LF in anything that becomes a header, bounded attachment sizes, unique recipients.
"""

from __future__ import annotations

import dataclasses
import email.policy
import email.utils
import re
import types
from collections.abc import Mapping
from typing import Any, Protocol

from core.shared.errors import InvalidInput, MailRejected, MailUnavailable

__all__ = [
    "MAX_ATTACHMENTS_BYTES",
    "MAX_ATTACHMENT_BYTES",
    "MAX_RECIPIENTS",
    "RESERVED_HEADERS",
    "Attachment",
    "AttachmentSource",
    "EmailAddress",
    "EmailMessage",
    "MailRejected",
    "MailUnavailable",
    "Mailer",
]

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
"""Largest single attachment."""
MAX_ATTACHMENTS_BYTES = 15 * 1024 * 1024
"""Largest sum of attachments in one message (base64 in SendGrid's 30 MB request stays under it)."""
MAX_RECIPIENTS = 50
"""To + Cc + Bcc of one message (the SES limit; SMTP servers commonly allow 50-100)."""
MAX_SUBJECT_CHARS = 998
MAX_NAME_CHARS = 200

RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "sender",
        "return-path",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "received",
        "dkim-signature",
        "x-sg-id",
        "x-sg-eid",
    }
)
"""Headers the adapters set themselves; ``EmailMessage.headers`` may not contain them."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_NAME = re.compile(r"^[!-9;-~]{1,76}$")  # printable ASCII but ':' (RFC 5322 ftext)
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_MESSAGE_ID = re.compile(r"^<[!-;=?-~]+@[A-Za-z0-9.-]+>$")
_ADDRESS = re.compile(r"^[!#-'*+\-/-9=?A-Z^-~.]+@[A-Za-z0-9.-]+$")


def _invalid(message: str, **details: Any) -> InvalidInput:
    return InvalidInput("mail.invalid_message", message, details)


@dataclasses.dataclass(frozen=True)
class EmailAddress:
    """A mailbox: ``address`` is ASCII (IDN domains already in punycode); ``name`` is any text."""

    address: str
    name: str = ""

    def __post_init__(self) -> None:
        if len(self.address) > 254 or not _ADDRESS.match(self.address):
            raise _invalid("not a valid email address", address=self.address)
        if _CONTROL.search(self.name) or len(self.name) > MAX_NAME_CHARS:
            raise _invalid("a display name must be one line of at most 200 characters", address=self.address)

    @classmethod
    def parse(cls, raw: str) -> EmailAddress:
        """``"Name <a@example.com>"`` or ``"a@example.com"`` (e.g. the ``mail_from`` setting)."""
        if _CONTROL.search(raw):
            raise _invalid("an address must be one line")
        header = email.policy.default.header_factory("from", raw)
        if header.defects or len(header.addresses) != 1:
            raise _invalid("not a valid email address", address=raw)
        (parsed,) = header.addresses
        return cls(parsed.addr_spec, parsed.display_name)

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    def __str__(self) -> str:
        return email.utils.formataddr((self.name, self.address)) if self.name else self.address


@dataclasses.dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes = dataclasses.field(repr=False)

    def __post_init__(self) -> None:
        if not self.filename or len(self.filename) > 255 or _CONTROL.search(self.filename):
            raise _invalid("an attachment needs a one-line file name of at most 255 characters")
        if "/" in self.filename or "\\" in self.filename:
            raise _invalid("an attachment's file name may not contain a path", filename=self.filename)
        if not _CONTENT_TYPE.match(self.content_type):
            raise _invalid("an attachment's content type must be type/subtype", content_type=self.content_type)
        if len(self.content) > MAX_ATTACHMENT_BYTES:
            raise _invalid(
                "the attachment is too large",
                filename=self.filename,
                size=len(self.content),
                limit=MAX_ATTACHMENT_BYTES,
            )

    @property
    def size(self) -> int:
        return len(self.content)


@dataclasses.dataclass(frozen=True)
class EmailMessage:
    """One rendered email. ``text`` is required (every client can show it); ``html`` is optional."""

    sender: EmailAddress
    to: tuple[EmailAddress, ...]
    subject: str
    text: str
    html: str | None = None
    cc: tuple[EmailAddress, ...] = ()
    bcc: tuple[EmailAddress, ...] = ()
    reply_to: EmailAddress | None = None
    attachments: tuple[Attachment, ...] = ()
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Extra headers (``List-Unsubscribe``, ``X-...``); never one of ``RESERVED_HEADERS``."""
    message_id: str | None = None
    """``<unique@domain>``; deterministic per request so retries are the same email. None: the
    adapter makes one."""
    idempotency_key: str | None = None
    """Stable per request; passed to providers that de-duplicate or tag by it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "to", tuple(self.to))
        object.__setattr__(self, "cc", tuple(self.cc))
        object.__setattr__(self, "bcc", tuple(self.bcc))
        object.__setattr__(self, "attachments", tuple(self.attachments))
        object.__setattr__(self, "headers", types.MappingProxyType(dict(self.headers)))
        if not self.to:
            raise _invalid("a message needs at least one To recipient")
        recipients = self.recipients
        if len(recipients) > MAX_RECIPIENTS:
            raise _invalid("too many recipients", count=len(recipients), limit=MAX_RECIPIENTS)
        seen: set[str] = set()
        for recipient in recipients:
            folded = recipient.address.casefold()
            if folded in seen:
                raise _invalid("a recipient appears twice in To/Cc/Bcc", address=recipient.address)
            seen.add(folded)
        if not self.subject.strip() or _CONTROL.search(self.subject) or len(self.subject) > MAX_SUBJECT_CHARS:
            raise _invalid("the subject must be one non-empty line of at most 998 characters")
        if not self.text.strip():
            raise _invalid("a message needs a text body")
        total = sum(a.size for a in self.attachments)
        if total > MAX_ATTACHMENTS_BYTES:
            raise _invalid("the attachments are too large together", size=total, limit=MAX_ATTACHMENTS_BYTES)
        for name, value in self.headers.items():
            if not _HEADER_NAME.match(name) or name.lower() in RESERVED_HEADERS:
                raise _invalid("this header cannot be set", header=name)
            if _CONTROL.search(value) or len(value) > 998:
                raise _invalid("a header value must be one line", header=name)
        if self.message_id is not None and (len(self.message_id) > 250 or not _MESSAGE_ID.match(self.message_id)):
            raise _invalid("a Message-ID looks like <unique@domain>", message_id=self.message_id)
        if self.idempotency_key is not None and (
            not self.idempotency_key or len(self.idempotency_key) > 128 or _CONTROL.search(self.idempotency_key)
        ):
            raise _invalid("an idempotency key is one line of at most 128 characters")

    @property
    def recipients(self) -> tuple[EmailAddress, ...]:
        """Every envelope recipient: To, then Cc, then Bcc."""
        return (*self.to, *self.cc, *self.bcc)


class AttachmentSource(Protocol):
    """Where queued emails' attachments live: they travel through the queue by reference only.

    Shaped like ``ObjectStorage.get`` (ports.shared.storage) so the object store can be passed
    as is. Raises ``NotFound`` for an unknown key and ``InvalidInput`` when it is larger than
    ``max_bytes``.
    """

    async def get(self, key: str, *, max_bytes: int = MAX_ATTACHMENT_BYTES) -> bytes: ...


class Mailer(Protocol):
    """Sends email through one provider. See the module docstring for the contract."""

    name: str
    """``"mail"``: the readiness check's name."""
    kind: str
    """``"smtp"``, ``"sendgrid"``, ``"ses"`` or ``"maildir"``."""

    async def send(self, message: EmailMessage) -> str:
        """Hand the message to the provider; return the provider's id for it."""
        ...

    async def check(self) -> None:
        """Raise ``MailUnavailable`` unless the provider is reachable and accepts our credentials."""
        ...
