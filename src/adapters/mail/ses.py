"""AWS SES v2 (``sesv2`` ``SendEmail``, i.e. ``POST /v2/email/outbound-emails``) through boto3.

A message without attachments goes as ``Content.Simple`` (subject, text, HTML and our
headers, Message-ID included); with attachments as ``Content.Raw`` (the MIME message built by
``mime.build_mime``; Bcc only in ``Destination``). The idempotency key goes along as an
``EmailTags`` entry so it shows up in SES events. boto3 is synchronous: every call runs in a
worker thread, never on the event loop.

Errors: ``MessageRejected`` and ``BadRequestException`` (this message is bad) -> ``MailRejected``;
throttling, ``SendingPausedException``, ``AccountSuspendedException``,
``LimitExceededException``, deployment errors that fixing the configuration cures
(``MailFromDomainNotVerifiedException``, ``NotFoundException`` for an unknown configuration
set), 5xx, missing credentials, timeouts and connection failures -> ``MailUnavailable``.
"""

from __future__ import annotations

import asyncio
import functools
import re
from email.header import Header
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from adapters.mail.mime import build_mime, message_id
from core.shared.errors import DomainError, MailRejected, MailUnavailable
from ports.shared.mail import EmailAddress, EmailMessage

REJECTED_CODES = frozenset({"MessageRejected", "BadRequestException"})
_TAG_VALUE = re.compile(r"[^A-Za-z0-9_-]")


class SesMailer:
    name = "mail"
    kind = "ses"

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        timeout: float = 10.0,
        max_attempts: int = 3,
        configuration_set: str | None = None,
    ) -> None:
        self.region = region
        self._configuration_set = configuration_set
        session = boto3.session.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, region_name=region
        )
        self._client = session.client(
            "sesv2",
            endpoint_url=endpoint_url,
            config=botocore.config.Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"mode": "standard", "total_max_attempts": max_attempts},
                user_agent_extra="lyceum",
            ),
        )

    def __repr__(self) -> str:
        return f"SesMailer(region={self.region!r})"

    async def send(self, message: EmailMessage) -> str:
        response = await self._call("send_email", **self._request(message))
        return str(response["MessageId"])

    async def check(self) -> None:
        """``GetAccount``: credentials work and sending is enabled on the account."""
        account = await self._call("get_account")
        if not account.get("SendingEnabled", False):
            raise MailUnavailable("sending is paused on this SES account", {"provider": "ses"})

    async def aclose(self) -> None:
        """Close the SDK's connection pool (at shutdown)."""
        await asyncio.to_thread(self._client.close)

    def _request(self, message: EmailMessage) -> dict[str, Any]:
        destination: dict[str, list[str]] = {"ToAddresses": [_mailbox(a) for a in message.to]}
        if message.cc:
            destination["CcAddresses"] = [_mailbox(a) for a in message.cc]
        if message.bcc:
            destination["BccAddresses"] = [_mailbox(a) for a in message.bcc]
        request: dict[str, Any] = {
            "FromEmailAddress": _mailbox(message.sender),
            "Destination": destination,
            "Content": self._content(message),
        }
        if message.reply_to is not None:
            request["ReplyToAddresses"] = [_mailbox(message.reply_to)]
        if message.idempotency_key:
            request["EmailTags"] = [
                {"Name": "idempotency_key", "Value": _TAG_VALUE.sub("_", message.idempotency_key)[:256]}
            ]
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        return request

    def _content(self, message: EmailMessage) -> dict[str, Any]:
        if message.attachments:
            return {"Raw": {"Data": build_mime(message, msg_id=message_id(message)).as_bytes()}}
        body: dict[str, Any] = {"Text": {"Data": message.text, "Charset": "UTF-8"}}
        if message.html is not None:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        headers = [{"Name": k, "Value": v} for k, v in message.headers.items()]
        if message.message_id:
            headers.append({"Name": "Message-ID", "Value": message.message_id})
        simple: dict[str, Any] = {"Subject": {"Data": message.subject, "Charset": "UTF-8"}, "Body": body}
        if headers:
            simple["Headers"] = headers
        return {"Simple": simple}

    async def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        method = getattr(self._client, operation)
        try:
            result: dict[str, Any] = await asyncio.to_thread(functools.partial(method, **kwargs))
        except DomainError:
            raise
        except botocore.exceptions.ClientError as exc:
            raise _client_error(exc) from exc
        except botocore.exceptions.NoCredentialsError as exc:
            raise MailUnavailable("no AWS credentials for SES", {"provider": "ses"}) from exc
        except (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError) as exc:
            raise MailUnavailable("SES timed out", {"provider": "ses"}) from exc
        except (botocore.exceptions.BotoCoreError, OSError) as exc:
            raise MailUnavailable(f"SES is unreachable: {exc}", {"provider": "ses"}) from exc
        return result


def _client_error(exc: botocore.exceptions.ClientError) -> MailRejected | MailUnavailable:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    text = str(error.get("Message", "")) or code
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    details = {"provider": "ses", "error_code": code, "status": status}
    if code in REJECTED_CODES:
        return MailRejected(f"SES rejected the message: {code}: {text}", details)
    return MailUnavailable(f"SES cannot send now: {code}: {text}", details)


def _mailbox(address: EmailAddress) -> str:
    """``"Name <a@b>"`` with a non-ASCII name MIME-encoded, as SES requires (RFC 2047)."""
    if not address.name:
        return address.address
    if address.name.isascii():
        return str(address)
    return f"{Header(address.name, 'utf-8').encode()} <{address.address}>"
