# ruff: noqa: RUF001 - Cyrillic and Hebrew test data is the point
"""One contract, four adapters: Maildir, SMTP (aiosmtpd), SendGrid v3 and SES v2 (contract servers).

Each adapter sends the same messages; what arrived at the peer (the Maildir file, the SMTP
DATA, the validated SendGrid/SES request) is read back into one shape and compared.
"""

from __future__ import annotations

import base64
import dataclasses
import email
import email.message
import email.policy
import json
import mailbox
import ssl
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from adapters.http_client import OutboundHttpClient
from adapters.mail.jinja import JinjaTemplateRenderer
from adapters.mail.maildir import MaildirMailer
from adapters.mail.sendgrid import SendGridMailer
from adapters.mail.ses import SesMailer
from adapters.mail.smtp import SmtpMailer
from adapters.persistence import tables
from adapters.persistence.outbox import OutboxMessage, OutboxRelay
from core.messaging.application.mail import (
    QueueEmail,
    QueueEmailCommand,
    SendRequestedEmail,
    SendRequestedEmailCommand,
)
from core.messaging.domain.email import AttachmentReference, EmailRequested, Recipient
from core.shared.errors import MailRejected, MailUnavailable
from entrypoints.bootstrap.containers import ApplicationContainer
from ports.shared.mail import Attachment, EmailAddress, EmailMessage, Mailer
from tests.integration.mail.conftest import (
    AWS_KEY_ID,
    AWS_SECRET,
    REJECTED_DOMAIN,
    SENDGRID_KEY,
    SES_REGION,
    Reply,
    SendGridContract,
    SesContract,
    SmtpServer,
)

ADAPTERS = ["maildir", "smtp", "sendgrid", "ses"]

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4


def full_message(**changes: Any) -> EmailMessage:
    message = EmailMessage(
        sender=EmailAddress("no-reply@lyceum.example", "Лицей · ליציאום"),
        to=(EmailAddress("anna@example.com", "Анна Каренина"), EmailAddress("david@example.org", "דוד בן-גוריון")),
        cc=(EmailAddress("teacher@example.com", "Teacher"),),
        bcc=(EmailAddress("audit@example.com"),),
        reply_to=EmailAddress("support@lyceum.example", "Служба поддержки"),
        subject="Добро пожаловать — ברוכים הבאים",
        text="Привет, Анна!\nשלום דוד\n",
        html='<p>Привет, Анна!</p><p dir="rtl">שלום דוד</p>',
        attachments=(Attachment("отчёт об успеваемости.pdf", "application/pdf", PDF),),
        headers={"X-Lyceum-Template": "welcome", "Auto-Submitted": "auto-generated"},
        message_id=f"<{uuid.uuid4()}@lyceum.example>",
        idempotency_key=str(uuid.uuid4()),
    )
    return dataclasses.replace(message, **changes)


# -- what arrived, in one shape ----------------------------------------------------------------


@dataclasses.dataclass
class Delivered:
    sender: tuple[str, str]
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    bcc: list[str]
    reply_to: list[tuple[str, str]]
    subject: str
    text: str
    html: str | None
    attachments: list[tuple[str, str, bytes]]
    headers: dict[str, str]  # lower-case names, the headers we set


OUR_HEADERS = ("x-lyceum", "auto-submitted", "message-id")


def _addresses(raw: str | None) -> list[tuple[str, str]]:
    if not raw:
        return []
    header = email.policy.default.header_factory("to", raw)
    return [(a.display_name, a.addr_spec) for a in header.addresses]


def _body(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


def from_mime(message: email.message.EmailMessage, bcc: list[str] | None = None) -> Delivered:
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None
    return Delivered(
        sender=_addresses(message["From"])[0],
        to=_addresses(message["To"]),
        cc=_addresses(message["Cc"]),
        bcc=bcc if bcc is not None else [a for _, a in _addresses(message["Bcc"])],
        reply_to=_addresses(message["Reply-To"]),
        subject=str(message["Subject"]),
        text=_body(plain.get_content()),
        html=_body(html.get_content()) if html is not None else None,
        attachments=[
            (str(p.get_filename()), p.get_content_type(), p.get_payload(decode=True))  # type: ignore[misc]
            for p in message.iter_attachments()
        ],
        headers={k.lower(): str(v) for k, v in message.items() if k.lower().startswith(OUR_HEADERS)},
    )


def from_sendgrid(body: dict[str, Any]) -> Delivered:
    (p,) = body["personalizations"]

    def pair(entry: dict[str, str]) -> tuple[str, str]:
        return entry.get("name", ""), entry["email"]

    content = {c["type"]: c["value"] for c in body["content"]}
    return Delivered(
        sender=pair(body["from"]),
        to=[pair(e) for e in p["to"]],
        cc=[pair(e) for e in p.get("cc", [])],
        bcc=[e["email"] for e in p.get("bcc", [])],
        reply_to=[pair(body["reply_to"])] if "reply_to" in body else [],
        subject=body["subject"],
        text=_body(content["text/plain"]),
        html=_body(content["text/html"]) if "text/html" in content else None,
        attachments=[(a["filename"], a["type"], base64.b64decode(a["content"])) for a in body.get("attachments", [])],
        headers={k.lower(): v for k, v in body.get("headers", {}).items()},
    )


def from_ses(body: dict[str, Any]) -> Delivered:
    destination = body["Destination"]
    bcc = [a for _, a in _addresses(", ".join(destination.get("BccAddresses", [])))]
    content = body["Content"]
    if "Raw" in content:
        raw = email.message_from_bytes(base64.b64decode(content["Raw"]["Data"]), policy=email.policy.default)
        assert isinstance(raw, email.message.EmailMessage)
        delivered = from_mime(raw, bcc=bcc)
        assert delivered.to == _addresses(", ".join(destination["ToAddresses"]))
        return delivered
    simple = content["Simple"]
    return Delivered(
        sender=_addresses(body["FromEmailAddress"])[0],
        to=_addresses(", ".join(destination["ToAddresses"])),
        cc=_addresses(", ".join(destination.get("CcAddresses", []))),
        bcc=bcc,
        reply_to=_addresses(", ".join(body.get("ReplyToAddresses", []))),
        subject=simple["Subject"]["Data"],
        text=_body(simple["Body"]["Text"]["Data"]),
        html=_body(simple["Body"]["Html"]["Data"]) if "Html" in simple["Body"] else None,
        attachments=[],
        headers={h["Name"].lower(): h["Value"] for h in simple.get("Headers", [])},
    )


def expected(message: EmailMessage) -> Delivered:
    headers = {k.lower(): v for k, v in message.headers.items()}
    if message.message_id:
        headers["message-id"] = message.message_id
    return Delivered(
        sender=(message.sender.name, message.sender.address),
        to=[(a.name, a.address) for a in message.to],
        cc=[(a.name, a.address) for a in message.cc],
        bcc=[a.address for a in message.bcc],
        reply_to=[(message.reply_to.name, message.reply_to.address)] if message.reply_to else [],
        subject=message.subject,
        text=_body(message.text),
        html=_body(message.html) if message.html is not None else None,
        attachments=[(a.filename, a.content_type, a.content) for a in message.attachments],
        headers=headers,
    )


# -- one harness per adapter -------------------------------------------------------------------


@dataclasses.dataclass
class Harness:
    kind: str
    mailer: Mailer
    delivered: Callable[[], list[Delivered]]
    unreachable: Callable[[], Mailer]


@pytest.fixture(params=ADAPTERS)
def harness(request: pytest.FixtureRequest, tmp_path: Path, client_tls: ssl.SSLContext, closed_port: int) -> Harness:
    kind: str = request.param
    if kind == "maildir":
        directory = tmp_path / "mail"

        def maildir_delivered() -> list[Delivered]:
            box = mailbox.Maildir(directory, create=False)
            out = []
            for key in sorted(box.keys()):
                with box.get_file(key) as file:
                    parsed = email.message_from_binary_file(file, policy=email.policy.default)
                assert isinstance(parsed, email.message.EmailMessage)
                out.append(from_mime(parsed))
            return out

        blocked = tmp_path / "not-a-directory"
        blocked.write_text("a file where the maildir should be")
        return Harness(kind, MaildirMailer(directory), maildir_delivered, lambda: MaildirMailer(blocked))
    if kind == "smtp":
        server: SmtpServer = request.getfixturevalue("smtp_starttls")

        def smtp_delivered() -> list[Delivered]:
            out = []
            for delivery in server.deliveries:
                assert delivery.tls, "STARTTLS was offered, so the session must be encrypted"
                assert delivery.authenticated_as == "mailer"
                parsed = delivery.parsed()
                assert "Bcc" not in parsed, "Bcc must never appear in the transmitted headers"
                visible = {a for _, a in (*_addresses(parsed["To"]), *_addresses(parsed["Cc"]))}
                out.append(from_mime(parsed, bcc=[r for r in delivery.rcpt_tos if r not in visible]))
            return out

        return Harness(
            kind,
            SmtpMailer(server.url(), tls_context=client_tls, timeout=5),
            smtp_delivered,
            lambda: SmtpMailer(f"smtp://127.0.0.1:{closed_port}", timeout=2),
        )
    if kind == "sendgrid":
        sendgrid: SendGridContract = request.getfixturevalue("sendgrid_server")
        http: OutboundHttpClient = request.getfixturevalue("http_client")
        return Harness(
            kind,
            SendGridMailer(SENDGRID_KEY, http, base_url=sendgrid.url),
            lambda: [from_sendgrid(r.json()) for r in sendgrid.accepted],
            lambda: SendGridMailer(SENDGRID_KEY, http, base_url=f"http://127.0.0.1:{closed_port}"),
        )
    ses: SesContract = request.getfixturevalue("ses_server")
    return Harness(
        kind,
        ses_mailer(ses.url),
        lambda: [from_ses(r.json()) for r in ses.accepted],
        lambda: ses_mailer(f"http://127.0.0.1:{closed_port}"),
    )


def ses_mailer(endpoint: str, **kwargs: Any) -> SesMailer:
    return SesMailer(
        region=SES_REGION,
        endpoint_url=endpoint,
        access_key_id=AWS_KEY_ID,
        secret_access_key=AWS_SECRET,
        timeout=2,
        max_attempts=1,
        **kwargs,
    )


# -- the contract ------------------------------------------------------------------------------


async def test_text_html_and_attachment_round_trip(harness: Harness) -> None:
    message = full_message()
    provider_id = await harness.mailer.send(message)
    assert provider_id
    (delivered,) = harness.delivered()
    assert delivered == expected(message)


async def test_message_without_attachments_or_html(harness: Harness) -> None:
    message = full_message(attachments=(), html=None, cc=(), bcc=(), reply_to=None)
    await harness.mailer.send(message)
    (delivered,) = harness.delivered()
    assert delivered == expected(message)


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("Пётр Ильич Чайковский", "Ваш сертификат готов: «Основы Python» — 100 %"),
        ("שָׁלוֹם עֲלֵיכֶם", "התעודה שלך מוכנה: ״יסודות פייתון״"),
        ('O\'Brien, "Bob"', "Mixed: Привет / שלום / hello " + "long " * 30),
    ],
)
async def test_unicode_names_and_subjects(harness: Harness, name: str, subject: str) -> None:
    message = full_message(to=(EmailAddress("student@example.com", name),), cc=(), bcc=(), subject=subject)
    await harness.mailer.send(message)
    (delivered,) = harness.delivered()
    assert delivered.to == [(name, "student@example.com")]
    assert delivered.subject == subject


# A Maildir accepts every message, so only adapters that talk to a server can be refused.
@pytest.mark.parametrize("harness", ["smtp", "sendgrid", "ses"], indirect=True)
async def test_a_refused_recipient_is_a_rejection(harness: Harness) -> None:
    message = full_message(to=(EmailAddress(f"nobody@{REJECTED_DOMAIN}"),), cc=(), bcc=())
    with pytest.raises(MailRejected) as caught:
        await harness.mailer.send(message)
    assert caught.value.code == "mail.rejected"
    assert caught.value.kind == "invalid"
    assert harness.delivered() == []


async def test_unreachable_provider_is_unavailable(harness: Harness) -> None:
    mailer = harness.unreachable()
    started = time.monotonic()
    with pytest.raises(MailUnavailable) as caught:
        await mailer.send(full_message())
    assert caught.value.code == "mail.unavailable"
    assert caught.value.kind == "unavailable"
    assert time.monotonic() - started < 5
    with pytest.raises(MailUnavailable):
        await mailer.check()


async def test_check_passes_when_the_provider_is_up(harness: Harness) -> None:
    await harness.mailer.check()
    assert harness.mailer.name == "mail"
    assert harness.mailer.kind == harness.kind


async def test_the_message_id_is_what_the_caller_chose(harness: Harness) -> None:
    message = full_message(attachments=())
    await harness.mailer.send(message)
    (delivered,) = harness.delivered()
    assert delivered.headers["message-id"] == message.message_id


# -- SMTP specifics ----------------------------------------------------------------------------


async def test_smtps_uses_implicit_tls(smtps: SmtpServer, client_tls: ssl.SSLContext) -> None:
    mailer = SmtpMailer(smtps.url(), tls_context=client_tls, timeout=5)
    message = full_message()
    assert await mailer.send(message) == message.message_id
    (delivery,) = smtps.deliveries
    assert delivery.tls
    assert delivery.authenticated_as == "mailer"
    assert sorted(delivery.rcpt_tos) == sorted(a.address for a in message.recipients)
    await mailer.check()


async def test_smtp_relay_without_tls_or_auth(smtp_plain: SmtpServer) -> None:
    mailer = SmtpMailer(smtp_plain.url(), timeout=5)
    await mailer.send(full_message())
    (delivery,) = smtp_plain.deliveries
    assert not delivery.tls
    assert delivery.authenticated_as is None


async def test_smtp_untrusted_certificate_is_unavailable(smtp_starttls: SmtpServer) -> None:
    # The default trust store does not know the test certificate: the handshake must fail, typed.
    mailer = SmtpMailer(smtp_starttls.url(), timeout=5)
    with pytest.raises(MailUnavailable):
        await mailer.send(full_message())
    assert smtp_starttls.deliveries == []


async def test_smtp_wrong_password_is_unavailable_not_rejected(
    smtp_starttls: SmtpServer, client_tls: ssl.SSLContext
) -> None:
    mailer = SmtpMailer(smtp_starttls.url(password="wrong"), tls_context=client_tls, timeout=5)
    with pytest.raises(MailUnavailable, match="credentials"):
        await mailer.send(full_message())
    with pytest.raises(MailUnavailable):
        await mailer.check()


async def test_smtp_temporary_refusal_is_unavailable(smtp_starttls: SmtpServer, client_tls: ssl.SSLContext) -> None:
    mailer = SmtpMailer(smtp_starttls.url(), tls_context=client_tls, timeout=5)
    with pytest.raises(MailUnavailable, match="deferred"):
        await mailer.send(full_message(to=(EmailAddress("someone@deferred.example.com"),), cc=(), bcc=()))


async def test_smtp_partial_refusal_still_delivers_to_the_others(
    smtp_starttls: SmtpServer, client_tls: ssl.SSLContext
) -> None:
    mailer = SmtpMailer(smtp_starttls.url(), tls_context=client_tls, timeout=5)
    message = full_message(to=(EmailAddress("anna@example.com"), EmailAddress(f"x@{REJECTED_DOMAIN}")), cc=(), bcc=())
    await mailer.send(message)
    (delivery,) = smtp_starttls.deliveries
    assert delivery.rcpt_tos == ["anna@example.com"]


def test_smtp_url_parsing() -> None:
    mailer = SmtpMailer("smtps://user%40corp:p%3Ass%20w@mail.example.com")
    assert (mailer.hostname, mailer.port, mailer.implicit_tls) == ("mail.example.com", 465, True)
    assert (mailer._username, mailer._password) == ("user@corp", "p:ss w")
    assert SmtpMailer("smtp://mail.example.com").port == 587
    assert "p:ss" not in repr(mailer) and "p%3Ass" not in repr(mailer)
    with pytest.raises(ValueError, match="smtp://"):
        SmtpMailer("http://mail.example.com")


# -- SendGrid specifics ------------------------------------------------------------------------


async def test_sendgrid_request_matches_the_documented_body(
    sendgrid_server: SendGridContract, http_client: OutboundHttpClient
) -> None:
    mailer = SendGridMailer(SENDGRID_KEY, http_client, base_url=sendgrid_server.url)
    message = full_message()
    provider_id = await mailer.send(message)
    assert provider_id == sendgrid_server.issued[0]
    (request,) = sendgrid_server.accepted
    body = request.json()
    assert request.method == "POST"
    assert request.path == "/v3/mail/send"
    assert request.headers["authorization"] == f"Bearer {SENDGRID_KEY}"
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["custom_args"] == {"idempotency_key": message.idempotency_key}
    assert body["attachments"][0]["disposition"] == "attachment"
    assert body["from"] == {"email": "no-reply@lyceum.example", "name": "Лицей · ליציאום"}


async def test_sendgrid_contract_server_refuses_what_sendgrid_refuses(sendgrid_server: SendGridContract) -> None:
    # The fake is only worth something if it is strict: html before text is a documented 400.
    async with httpx.AsyncClient(base_url=sendgrid_server.url) as client:
        response = await client.post(
            "/v3/mail/send",
            headers={"Authorization": f"Bearer {SENDGRID_KEY}"},
            json={
                "personalizations": [{"to": [{"email": "a@example.com"}]}],
                "from": {"email": "b@example.com"},
                "subject": "s",
                "content": [{"type": "text/html", "value": "<p>x</p>"}, {"type": "text/plain", "value": "x"}],
            },
        )
        unauthorized = await client.post("/v3/mail/send", headers={"Authorization": "Bearer nope"}, json={})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "content"
    assert unauthorized.status_code == 401
    sendgrid_server.violations.clear()  # provoked on purpose


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, MailRejected), (413, MailRejected), (401, MailUnavailable), (403, MailUnavailable), (500, MailUnavailable)],
)
async def test_sendgrid_error_statuses(
    sendgrid_server: SendGridContract, http_client: OutboundHttpClient, status: int, error: type[Exception]
) -> None:
    sendgrid_server.script(Reply.of_json(status, {"errors": [{"message": f"failure {status}", "field": None}]}))
    mailer = SendGridMailer(SENDGRID_KEY, http_client, base_url=sendgrid_server.url)
    with pytest.raises(error, match=f"failure {status}"):
        await mailer.send(full_message())


async def test_sendgrid_503_and_timeouts_are_unavailable(sendgrid_server: SendGridContract) -> None:
    async with OutboundHttpClient(timeout=0.3, max_attempts=3, backoff_base=0.01) as http:
        mailer = SendGridMailer(SENDGRID_KEY, http, base_url=sendgrid_server.url)
        sendgrid_server.script(Reply(503, b"", {"Retry-After": "0"}))
        with pytest.raises(MailUnavailable):
            await mailer.send(full_message())
        assert len(sendgrid_server.requests) == 1, "a POST without idempotency is not retried after a 503"
        sendgrid_server.script(Reply(202, b"", {"X-Message-Id": "late"}, delay=2.0))
        with pytest.raises(MailUnavailable, match="timed out"):
            await mailer.send(full_message())


async def test_sendgrid_429_is_retried_after_retry_after(sendgrid_server: SendGridContract) -> None:
    async with OutboundHttpClient(timeout=2, max_attempts=3, backoff_base=0.01) as http:
        mailer = SendGridMailer(SENDGRID_KEY, http, base_url=sendgrid_server.url)
        sendgrid_server.script(_too_many())
        assert await mailer.send(full_message()) == sendgrid_server.issued[0]
        assert len(sendgrid_server.requests) == 2


def _too_many() -> Reply:
    return Reply.of_json(429, {"errors": [{"message": "too many requests", "field": None}]}, {"Retry-After": "0"})


async def test_sendgrid_check_needs_the_mail_send_scope(
    sendgrid_server: SendGridContract, http_client: OutboundHttpClient
) -> None:
    await SendGridMailer(SENDGRID_KEY, http_client, base_url=sendgrid_server.url).check()
    sendgrid_server.scopes = ["scopes.read"]
    with pytest.raises(MailUnavailable, match=r"mail\.send"):
        await SendGridMailer(SENDGRID_KEY, http_client, base_url=sendgrid_server.url).check()
    with pytest.raises(MailUnavailable, match="API key"):
        await SendGridMailer("SG.wrong", http_client, base_url=sendgrid_server.url).check()


# -- SES specifics -----------------------------------------------------------------------------


async def test_ses_simple_request_is_signed_and_complete(ses_server: SesContract) -> None:
    message = full_message(attachments=())
    provider_id = await ses_mailer(ses_server.url, configuration_set="transactional").send(message)
    assert provider_id == ses_server.issued[0]
    (request,) = ses_server.accepted
    body = request.json()
    assert request.method == "POST"
    assert request.path == "/v2/email/outbound-emails"
    assert request.headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={AWS_KEY_ID}/")
    assert f"/{SES_REGION}/ses/aws4_request" in request.headers["authorization"]
    assert set(body["Content"]) == {"Simple"}
    assert body["Content"]["Simple"]["Subject"]["Charset"] == "UTF-8"
    assert body["EmailTags"] == [{"Name": "idempotency_key", "Value": message.idempotency_key}]
    assert body["ConfigurationSetName"] == "transactional"
    assert body["Destination"]["BccAddresses"] == ["audit@example.com"]


async def test_ses_attachments_go_as_raw_mime(ses_server: SesContract) -> None:
    await ses_mailer(ses_server.url).send(full_message())
    (request,) = ses_server.accepted
    assert set(request.json()["Content"]) == {"Raw"}


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, "MessageRejected", MailRejected),
        (400, "BadRequestException", MailRejected),
        (400, "MailFromDomainNotVerifiedException", MailUnavailable),
        (404, "NotFoundException", MailUnavailable),
        (400, "SendingPausedException", MailUnavailable),
        (429, "TooManyRequestsException", MailUnavailable),
        (503, "ServiceUnavailable", MailUnavailable),
    ],
)
async def test_ses_error_codes(ses_server: SesContract, status: int, code: str, error: type[Exception]) -> None:
    ses_server.script(
        Reply.of_json(
            status, {"message": f"{code} happened"}, {"x-amzn-ErrorType": f"{code}:", "x-amzn-RequestId": "1"}
        )
    )
    with pytest.raises(error) as caught:
        await ses_mailer(ses_server.url).send(full_message())
    assert caught.value.details["error_code"] == code  # type: ignore[attr-defined]


async def test_ses_wrong_secret_is_unavailable(ses_server: SesContract) -> None:
    mailer = SesMailer(
        region=SES_REGION,
        endpoint_url=ses_server.url,
        access_key_id=AWS_KEY_ID,
        secret_access_key="not-the-secret",
        max_attempts=1,
    )
    with pytest.raises(MailUnavailable, match="SignatureDoesNotMatch"):
        await mailer.send(full_message())
    ses_server.violations.clear()  # provoked on purpose


async def test_ses_check_reports_paused_sending(ses_server: SesContract) -> None:
    await ses_mailer(ses_server.url).check()
    ses_server.sending_enabled = False
    with pytest.raises(MailUnavailable, match="paused"):
        await ses_mailer(ses_server.url).check()


# -- Maildir specifics -------------------------------------------------------------------------


async def test_maildir_is_idempotent_by_message_id(tmp_path: Path) -> None:
    mailer = MaildirMailer(tmp_path / "mail")
    message = full_message()
    key = await mailer.send(message)
    assert await mailer.send(message) == key
    box = mailbox.Maildir(tmp_path / "mail", create=False)
    assert list(box.keys()) == [key]
    # A mail client reads it (moves it to cur/ with flags): still recognised.
    (tmp_path / "mail" / "new" / key).rename(tmp_path / "mail" / "cur" / f"{key}:2,S")
    assert await mailer.send(message) == key
    assert len(mailbox.Maildir(tmp_path / "mail", create=False)) == 1
    other = await mailer.send(full_message())
    assert other != key
    assert len(mailbox.Maildir(tmp_path / "mail", create=False)) == 2
    assert not any((tmp_path / "mail" / "tmp").iterdir())


async def test_maildir_file_is_readable_mime(tmp_path: Path) -> None:
    mailer = MaildirMailer(tmp_path / "mail")
    key = await mailer.send(full_message())
    raw = (tmp_path / "mail" / "new" / key).read_bytes()
    assert b"\r\n" not in raw.split(b"\n\n", 1)[0], "Maildir files use LF line endings"
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] == "audit@example.com"


# -- the whole queue path ----------------------------------------------------------------------


class MemoryAttachments:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    async def get(self, key: str, *, max_bytes: int = 0) -> bytes:
        return self.objects[key]


async def test_queue_email_goes_through_the_outbox_and_is_sent_once(
    container: ApplicationContainer, tmp_path: Path
) -> None:
    renderer = JinjaTemplateRenderer(globals={"product_name": "Lyceum"})
    queue = QueueEmail(container.infrastructure.uow, renderer)
    queued = await queue(
        QueueEmailCommand(
            template="welcome",
            to=(Recipient("Dana@Example.COM", "דנה"),),
            locale="he-IL",
            context={"name": "דנה", "login_url": "https://lyceum.example/login?next=/courses&x=1"},
        )
    )
    assert queued.locale == "he"

    # What a worker receives: the relay's message (id, type, payload), as for every event.
    relayed: list[OutboxMessage] = []

    async def sink(message: OutboxMessage) -> None:
        relayed.append(message)

    infra = container.infrastructure
    assert await OutboxRelay(infra.session_factory(), sink, infra.clock()).relay_once() == 1
    (message,) = relayed
    assert message.event_type == EmailRequested.event_type == "messaging.email_requested"
    payload = json.loads(json.dumps(message.payload))  # it crosses the broker as JSON
    assert payload["email_id"] == str(queued.email_id)
    assert payload["to"] == [{"address": "Dana@example.com", "name": "דנה"}]

    maildir = MaildirMailer(tmp_path / "outbox-mail")
    send = SendRequestedEmail(renderer, maildir, EmailAddress.parse("Lyceum <no-reply@lyceum.example>"))
    first = await send(SendRequestedEmailCommand(payload))
    again = await send(SendRequestedEmailCommand(payload))  # a redelivery after a crash
    assert again == first
    assert first.message_id == f"<{queued.email_id}@lyceum.example>"
    box = mailbox.Maildir(tmp_path / "outbox-mail", create=False)
    assert len(box) == 1
    with box.get_file(first.provider_message_id) as file:
        sent = email.message_from_binary_file(file, policy=email.policy.default)
    assert isinstance(sent, email.message.EmailMessage)
    assert sent["Message-ID"] == first.message_id
    assert sent["Subject"] == "ברוכים הבאים ל־Lyceum, דנה!"
    html = sent.get_body(("html",))
    assert html is not None
    assert 'dir="rtl"' in html.get_content()
    assert "next=/courses&amp;x=1" in html.get_content()


async def test_queued_email_with_attachment_reaches_smtp(
    container: ApplicationContainer, smtp_starttls: SmtpServer, client_tls: ssl.SSLContext
) -> None:
    renderer = JinjaTemplateRenderer()
    attachments = MemoryAttachments({"documents/0190-report.pdf": PDF})
    queued = await QueueEmail(container.infrastructure.uow, renderer, attachments)(
        QueueEmailCommand(
            template="verify_email",
            to=("student@example.com",),
            locale="ru",
            context={"name": "Пётр", "verify_url": "https://lyceum.example/v/abc", "expires_in_hours": 24},
            attachments=(AttachmentReference("documents/0190-report.pdf", "Отчёт.pdf", "application/pdf"),),
        )
    )
    async with container.infrastructure.engine().connect() as conn:
        payload = (await conn.execute(sa.select(tables.outbox.c.payload))).scalar_one()
    mailer = SmtpMailer(smtp_starttls.url(), tls_context=client_tls, timeout=5)
    sender = EmailAddress.parse("Lyceum <no-reply@lyceum.example>")
    sent = await SendRequestedEmail(renderer, mailer, sender, attachments)(SendRequestedEmailCommand(dict(payload)))
    (delivery,) = smtp_starttls.deliveries
    parsed = delivery.parsed()
    assert parsed["Message-ID"] == sent.message_id == f"<{queued.email_id}@lyceum.example>"
    assert parsed["Subject"] == "Подтвердите адрес электронной почты в Lyceum"
    (attachment,) = parsed.iter_attachments()
    assert attachment.get_filename() == "Отчёт.pdf"
    assert attachment.get_payload(decode=True) == PDF
