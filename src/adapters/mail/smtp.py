"""SMTP submission with aiosmtplib.

``LYCEUM_SMTP_URL``:

* ``smtp://user:password@host:587`` — plain connection upgraded with STARTTLS when the server
  offers it (port 587 by default);
* ``smtps://user:password@host:465`` — implicit TLS from the first byte (port 465 by default).

User and password are percent-decoded (``%40`` for ``@``). Credentials are never sent over an
unencrypted connection, except to a loopback relay. One connection per message: a worker sends
a few messages a second at most, and a fresh connection never trips over a server's idle timeout.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
import urllib.parse

import aiosmtplib

from adapters.mail.mime import build_mime, envelope_recipients, message_id
from core.shared.errors import DomainError, MailRejected, MailUnavailable
from ports.shared.mail import EmailMessage

log = logging.getLogger("lyceum.mail")

_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


class SmtpMailer:
    name = "mail"
    kind = "smtp"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError("the SMTP URL looks like smtp://user:password@host:587 or smtps://...:465")
        self.hostname = parts.hostname
        self.port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self.implicit_tls = parts.scheme == "smtps"
        self._username = urllib.parse.unquote(parts.username) if parts.username else None
        self._password = urllib.parse.unquote(parts.password) if parts.password else ""
        self._timeout = timeout
        self._tls_context = tls_context
        self._local_hostname = local_hostname

    def __repr__(self) -> str:  # never the password
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"SmtpMailer({scheme}://{self.hostname}:{self.port})"

    async def send(self, message: EmailMessage) -> str:
        msg_id = message_id(message)
        mime = build_mime(message, msg_id=msg_id)
        try:
            async with self._connected() as client:
                refused, _ = await client.send_message(
                    mime, sender=message.sender.address, recipients=envelope_recipients(message)
                )
        except DomainError:
            raise
        except Exception as exc:
            raise self._translate(exc) from exc
        if refused:
            # Some recipients got it: raising would make a retry send it to them twice.
            log.warning(
                "SMTP server refused some recipients",
                extra={"message_id": msg_id, "refused": {rcpt: str(reply) for rcpt, reply in refused.items()}},
            )
        return msg_id

    async def check(self) -> None:
        try:
            async with self._connected() as client:
                await client.noop()
        except DomainError:
            raise
        except Exception as exc:
            raise self._translate(exc) from exc

    def _connected(self) -> _Session:
        client = aiosmtplib.SMTP(
            hostname=self.hostname,
            port=self.port,
            use_tls=self.implicit_tls,
            start_tls=False if self.implicit_tls else None,  # None: STARTTLS when offered
            tls_context=self._tls_context,
            timeout=self._timeout,
            local_hostname=self._local_hostname,
        )
        return _Session(self, client)

    async def _login(self, client: aiosmtplib.SMTP) -> None:
        if self._username is None:
            return
        encrypted = client.get_transport_info("sslcontext") is not None
        if not encrypted and not _is_loopback(self.hostname):
            raise MailUnavailable(
                "the SMTP server offers no TLS; refusing to send credentials in clear",
                {"host": self.hostname, "port": self.port},
            )
        await client.login(self._username, self._password)

    def _translate(self, exc: Exception) -> DomainError:
        where = {"host": self.hostname, "port": self.port}
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            codes = [r.code for r in exc.recipients]
            details = {**where, "refused": {r.recipient: f"{r.code} {r.message}" for r in exc.recipients}}
            if all(code >= 500 for code in codes):
                return MailRejected("the SMTP server refused every recipient", details)
            return MailUnavailable("the SMTP server deferred the recipients", details)
        if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
            return MailUnavailable("the SMTP server refused our credentials", {**where, "reply": exc.code})
        if isinstance(exc, (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError)):
            details = {**where, "reply": f"{exc.code} {exc.message}"}
            if exc.code >= 500:
                return MailRejected(f"the SMTP server rejected the message: {exc.code} {exc.message}", details)
            return MailUnavailable(f"the SMTP server deferred the message: {exc.code} {exc.message}", details)
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            return MailUnavailable(f"SMTP error {exc.code} {exc.message}", where)
        if isinstance(exc, (aiosmtplib.SMTPTimeoutError, TimeoutError)):
            return MailUnavailable("the SMTP server timed out", where)
        if isinstance(exc, (aiosmtplib.SMTPException, OSError)):
            return MailUnavailable(f"the SMTP server is unreachable: {exc}", where)
        return MailUnavailable(f"SMTP failed: {type(exc).__name__}: {exc}", where)


class _Session:
    """``async with``: connect (with STARTTLS when offered), log in, and always QUIT/close."""

    def __init__(self, mailer: SmtpMailer, client: aiosmtplib.SMTP) -> None:
        self._mailer = mailer
        self._client = client

    async def __aenter__(self) -> aiosmtplib.SMTP:
        await self._client.connect()
        try:
            await self._mailer._login(self._client)
        except BaseException:
            self._client.close()
            raise
        return self._client

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client.is_connected:
            try:
                await self._client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                self._client.close()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
