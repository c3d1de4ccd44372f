"""SendGrid v3 Mail Send (``POST {base}/v3/mail/send``) over the shared outbound HTTP client.

The request is the documented JSON body: one personalization (to/cc/bcc), ``from``,
``reply_to``, ``subject``, ``content`` (``text/plain`` first, then ``text/html``, as SendGrid
requires), base64 ``attachments``, non-reserved ``headers`` (the Message-ID included) and
``custom_args`` carrying the idempotency key (it comes back in SendGrid's event webhooks).
``202 Accepted`` carries the message id in ``X-Message-Id``.

Errors: 400/413/other 4xx mean the message is bad -> ``MailRejected`` (with SendGrid's
``errors[].message``); 401/403 mean our key is wrong or lacks ``mail.send`` and 429/5xx,
timeouts and connection failures mean SendGrid is unavailable -> ``MailUnavailable``.
SendGrid has no idempotency key for Mail Send, so a POST is retried here only when it
certainly was not processed (connection refused, 429); the task queue retries the rest.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx

from adapters.http_client import OutboundHttpClient
from core.shared.errors import MailRejected, MailUnavailable, ProviderUnavailable
from ports.shared.mail import EmailAddress, EmailMessage

DEFAULT_BASE_URL = "https://api.sendgrid.com"


class SendGridMailer:
    name = "mail"
    kind = "sendgrid"

    def __init__(self, api_key: str, http: OutboundHttpClient, *, base_url: str = DEFAULT_BASE_URL) -> None:
        if not api_key:
            raise ValueError("a SendGrid API key is required")
        self._api_key = api_key
        self._http = http
        self._base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"SendGridMailer({self._base_url})"

    async def send(self, message: EmailMessage) -> str:
        response = await self._call("POST", "/v3/mail/send", json=mail_send_body(message))
        if response.status_code == 202:
            return response.headers.get("X-Message-Id") or message.message_id or ""
        raise self._error(response)

    async def check(self) -> None:
        """The key works and may send mail (``GET /v3/scopes`` lists ``mail.send``)."""
        response = await self._call("GET", "/v3/scopes")
        if response.status_code != 200:
            raise self._error(response, rejected=False)
        try:
            scopes = response.json().get("scopes", [])
        except ValueError:
            scopes = []
        if "mail.send" not in scopes:
            raise MailUnavailable(
                "the SendGrid API key may not send mail (no mail.send scope)", {"provider": "sendgrid"}
            )

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(
                method,
                self._base_url + path,
                headers={"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"},
                **kwargs,
            )
        except ProviderUnavailable as exc:
            raise MailUnavailable(
                f"SendGrid is unavailable: {exc.message}", {"provider": "sendgrid", **exc.details}
            ) from exc

    def _error(self, response: httpx.Response, *, rejected: bool = True) -> MailRejected | MailUnavailable:
        status = response.status_code
        errors = _error_messages(response)
        details: dict[str, Any] = {"provider": "sendgrid", "status": status, "errors": errors}
        summary = "; ".join(errors) or response.reason_phrase
        if status in (401, 403):
            return MailUnavailable(f"SendGrid refused our API key: {summary}", details)
        if rejected and 400 <= status < 500 and status != 429:
            return MailRejected(f"SendGrid rejected the message: {summary}", details)
        return MailUnavailable(f"SendGrid answered {status}: {summary}", details)


def mail_send_body(message: EmailMessage) -> dict[str, Any]:
    personalization: dict[str, Any] = {"to": [_address(a) for a in message.to]}
    if message.cc:
        personalization["cc"] = [_address(a) for a in message.cc]
    if message.bcc:
        personalization["bcc"] = [_address(a) for a in message.bcc]
    content = [{"type": "text/plain", "value": message.text}]
    if message.html is not None:
        content.append({"type": "text/html", "value": message.html})
    body: dict[str, Any] = {
        "personalizations": [personalization],
        "from": _address(message.sender),
        "subject": message.subject,
        "content": content,
    }
    if message.reply_to is not None:
        body["reply_to"] = _address(message.reply_to)
    if message.attachments:
        body["attachments"] = [
            {
                "content": base64.b64encode(a.content).decode("ascii"),
                "type": a.content_type,
                "filename": a.filename,
                "disposition": "attachment",
            }
            for a in message.attachments
        ]
    headers = dict(message.headers)
    if message.message_id:
        headers["Message-ID"] = message.message_id
    if headers:
        body["headers"] = headers
    if message.idempotency_key:
        body["custom_args"] = {"idempotency_key": message.idempotency_key}
    return body


def _address(address: EmailAddress) -> dict[str, str]:
    return {"email": address.address, "name": address.name} if address.name else {"email": address.address}


def _error_messages(response: httpx.Response) -> list[str]:
    try:
        payload = response.json()
    except ValueError:
        return []
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list):
        return []
    return [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
