from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

import pytest

from core.messaging.application.mail import (
    QueueEmail,
    QueueEmailCommand,
    SendRequestedEmail,
    SendRequestedEmailCommand,
)
from core.messaging.domain.email import (
    MAX_RECIPIENTS,
    AttachmentReference,
    EmailRequested,
    Recipient,
    message_id_for,
    normalize_address,
    request_email,
    resolve_locale,
)
from core.shared.errors import InvalidInput, MailRejected, MailUnavailable, NotFound
from ports.shared.mail import EmailAddress
from tests.fakes.messaging import FakeAttachmentSource, FakeMailer, FakeTemplateRenderer, FakeUnitOfWork

SENDER = EmailAddress("no-reply@lyceum.example", "Lyceum")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def renderer() -> FakeTemplateRenderer:
    return FakeTemplateRenderer()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def attachments() -> FakeAttachmentSource:
    return FakeAttachmentSource({"documents/0190-invoice.pdf": b"%PDF-1.4 invoice"})


def welcome(**changes: object) -> QueueEmailCommand:
    values: dict[str, object] = {"template": "welcome", "to": ("anna@example.com",), "context": {"name": "Anna"}}
    values.update(changes)
    return QueueEmailCommand(**values)  # type: ignore[arg-type]


# -- QueueEmail --------------------------------------------------------------------------------


async def test_queue_email_publishes_one_event_and_commits(uow: FakeUnitOfWork, renderer: FakeTemplateRenderer) -> None:
    queued = await QueueEmail(uow, renderer)(
        welcome(to=(Recipient(" Anna@Example.COM ", "Анна"),), cc=("teacher@example.com",), locale="ru-RU")
    )
    assert uow.commits == 1
    (event,) = uow.committed
    assert isinstance(event, EmailRequested)
    assert event.event_type == "messaging.email_requested"
    assert event.email_id == queued.email_id
    assert queued.locale == "ru"
    assert event.payload() == {
        "version": 1,
        "email_id": str(queued.email_id),
        "template": "welcome",
        "locale": "ru",
        "to": [{"address": "Anna@example.com", "name": "Анна"}],
        "cc": [{"address": "teacher@example.com", "name": ""}],
        "bcc": [],
        "reply_to": None,
        "context": {"name": "Anna"},
        "attachments": [],
    }
    json.dumps(event.payload())  # goes through the outbox as JSON


@pytest.mark.parametrize(
    ("requested", "resolved"),
    [
        (None, "en"),
        ("", "en"),
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("he_IL", "he"),
        ("iw", "he"),
        ("HE", "he"),
        ("fr-CA", "en"),
        ("zz", "en"),
    ],
)
def test_locales_resolve_to_a_supported_one(requested: str | None, resolved: str) -> None:
    assert resolve_locale(requested) == resolved


async def test_template_missing_in_the_locale_falls_back_to_english(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer
) -> None:
    queued = await QueueEmail(uow, renderer)(
        QueueEmailCommand(template="receipt", to=("a@example.com",), locale="he", context={"number": 7})
    )
    assert queued.locale == "en"
    (event,) = uow.committed
    assert isinstance(event, EmailRequested)
    assert event.locale == "en"


async def test_unknown_template_is_not_found(uow: FakeUnitOfWork, renderer: FakeTemplateRenderer) -> None:
    with pytest.raises(NotFound) as caught:
        await QueueEmail(uow, renderer)(welcome(template="no_such_email"))
    assert caught.value.code == "mail.template_not_found"
    assert uow.committed == []


@pytest.mark.parametrize("name", ["../etc/passwd", "Welcome", "", "a" * 65, "welcome.html", "1st"])
async def test_template_names_are_identifiers(uow: FakeUnitOfWork, renderer: FakeTemplateRenderer, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await QueueEmail(uow, renderer)(welcome(template=name))
    assert caught.value.code == "mail.invalid_template"


async def test_a_missing_context_variable_fails_in_the_caller(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await QueueEmail(uow, renderer)(welcome(context={}))
    assert caught.value.code == "mail.template_context"
    assert uow.committed == []
    assert uow.commits == 0


@pytest.mark.parametrize(
    "address",
    [
        "no-at-sign",
        "@example.com",
        "anna@",
        "anna@localhost",
        "anna@example..com",
        "anna@-example.com",
        "an na@example.com",
        "anna@example.com\r\nBcc: victim@example.com",
        "анна@example.com",  # SMTPUTF8 local parts are refused
        "a" * 65 + "@example.com",
        "anna@example.123",
    ],
)
def test_invalid_addresses_are_refused(address: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_address(address)
    assert caught.value.code == "mail.invalid_address"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Anna@Example.COM", "Anna@example.com"),
        ("  o'brien+tag@sub.example.org ", "o'brien+tag@sub.example.org"),
        ("ivan@пример.рф", "ivan@xn--e1afmkfd.xn--p1ai"),
        ("dana@דוגמה.co.il", "dana@xn--6dbbec0c.co.il"),
    ],
)
def test_addresses_are_normalized(raw: str, normalized: str) -> None:
    assert normalize_address(raw) == normalized


async def test_header_injection_through_a_name_is_refused(uow: FakeUnitOfWork, renderer: FakeTemplateRenderer) -> None:
    with pytest.raises(InvalidInput) as caught:
        await QueueEmail(uow, renderer)(welcome(to=(Recipient("a@example.com", "Anna\r\nBcc: x@example.com"),)))
    assert caught.value.code == "mail.invalid_name"


async def test_recipients_are_unique_and_bounded(uow: FakeUnitOfWork, renderer: FakeTemplateRenderer) -> None:
    queue = QueueEmail(uow, renderer)
    with pytest.raises(InvalidInput, match="twice"):
        await queue(welcome(to=("a@example.com",), bcc=("A@EXAMPLE.com",)))
    with pytest.raises(InvalidInput, match="at most"):
        await queue(welcome(to=tuple(f"s{i}@example.com" for i in range(MAX_RECIPIENTS + 1))))
    with pytest.raises(InvalidInput, match="at least one"):
        await queue(welcome(to=()))


async def test_context_is_made_json(uow: FakeUnitOfWork, renderer: FakeTemplateRenderer) -> None:
    course_id = uuid.uuid4()
    context = {
        "name": "Anna",
        "course_id": course_id,
        "starts_at": dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
        "price": decimal.Decimal("19.90"),
    }
    await QueueEmail(uow, renderer)(welcome(context=context))
    (event,) = uow.committed
    assert isinstance(event, EmailRequested)
    assert event.payload()["context"] == {
        "name": "Anna",
        "course_id": str(course_id),
        "starts_at": "2026-03-01T09:30:00+00:00",
        "price": "19.90",
    }


async def test_non_json_context_is_refused(uow: FakeUnitOfWork, renderer: FakeTemplateRenderer) -> None:
    with pytest.raises(InvalidInput) as caught:
        await QueueEmail(uow, renderer)(welcome(context={"name": "Anna", "blob": object()}))
    assert caught.value.code == "mail.invalid_context"
    with pytest.raises(InvalidInput):
        await QueueEmail(uow, renderer)(welcome(context={"name": "x" * 40_000}))


async def test_attachments_need_a_source(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer, attachments: FakeAttachmentSource
) -> None:
    ref = AttachmentReference("documents/0190-invoice.pdf", "Счёт № 42.pdf", "Application/PDF")
    with pytest.raises(InvalidInput) as caught:
        await QueueEmail(uow, renderer)(welcome(attachments=(ref,)))
    assert caught.value.code == "mail.attachments_unsupported"

    await QueueEmail(uow, renderer, attachments)(welcome(attachments=(ref,)))
    (event,) = uow.committed
    assert event.payload()["attachments"] == [
        {"key": "documents/0190-invoice.pdf", "filename": "Счёт № 42.pdf", "content_type": "application/pdf"}
    ]
    assert attachments.fetched == [], "attachments travel by reference: nothing is read when queueing"


@pytest.mark.parametrize(
    "ref",
    [
        AttachmentReference("../secrets", "a.pdf"),
        AttachmentReference("/etc/passwd", "a.pdf"),
        AttachmentReference("documents/x.pdf", "../../a.pdf"),
        AttachmentReference("documents/x.pdf", "a\r\n.pdf"),
        AttachmentReference("documents/x.pdf", "a.pdf", "not a type"),
    ],
)
async def test_bad_attachment_references_are_refused(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer, attachments: FakeAttachmentSource, ref: AttachmentReference
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await QueueEmail(uow, renderer, attachments)(welcome(attachments=(ref,)))
    assert caught.value.code == "mail.invalid_attachment"


def test_payload_round_trips() -> None:
    event = request_email(
        email_id=uuid.uuid4(),
        template="welcome",
        locale="he",
        to=[Recipient("dana@example.com", "דנה")],
        bcc=["audit@example.com"],
        reply_to="support@example.com",
        context={"name": "דנה", "n": [1, 2]},
        attachments=[AttachmentReference("documents/x.pdf", "x.pdf", "application/pdf")],
    )
    assert EmailRequested.from_payload(json.loads(json.dumps(event.payload()))) == event


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"email_id": "not-a-uuid", "template": "welcome", "locale": "en", "to": [{"address": "a@example.com"}]},
        {"email_id": str(uuid.uuid4()), "template": "welcome", "locale": "en", "to": [{"mail": "a@example.com"}]},
        {"version": 99, "email_id": str(uuid.uuid4()), "template": "welcome", "locale": "en", "to": []},
    ],
)
def test_malformed_payloads_are_invalid_input(payload: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as caught:
        EmailRequested.from_payload(payload)
    assert caught.value.code == "mail.invalid_request"


# -- SendRequestedEmail ------------------------------------------------------------------------


async def _queued_payload(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer, command: QueueEmailCommand, **kwargs: object
) -> dict[str, object]:
    await QueueEmail(uow, renderer, **kwargs)(command)  # type: ignore[arg-type]
    return json.loads(json.dumps(uow.committed[-1].payload()))  # type: ignore[no-any-return]


async def test_send_renders_and_sends_with_a_deterministic_message_id(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer, mailer: FakeMailer
) -> None:
    payload = await _queued_payload(
        uow,
        renderer,
        welcome(
            to=(Recipient("dana@example.com", "דנה"),),
            bcc=("audit@example.com",),
            reply_to="help@lyceum.example",
            locale="he",
            context={"name": "דנה"},
        ),
    )
    sent = await SendRequestedEmail(renderer, mailer, SENDER)(SendRequestedEmailCommand(payload))
    email_id = uuid.UUID(str(payload["email_id"]))
    assert sent.email_id == email_id
    assert sent.message_id == f"<{email_id}@lyceum.example>" == message_id_for(email_id, "lyceum.example")
    assert sent.provider_message_id == "fake-1"
    (message,) = mailer.sent
    assert message.sender == SENDER
    assert message.to == (EmailAddress("dana@example.com", "דנה"),)
    assert message.bcc == (EmailAddress("audit@example.com"),)
    assert message.reply_to == EmailAddress("help@lyceum.example")
    assert (message.subject, message.text, message.html) == (
        "ברוכים הבאים, דנה",
        "שלום דנה",
        '<p dir="rtl">שלום דנה</p>',
    )
    assert message.message_id == sent.message_id
    assert message.idempotency_key == str(email_id)
    assert message.headers["Auto-Submitted"] == "auto-generated"
    assert message.headers["X-Lyceum-Template"] == "welcome"


async def test_a_retry_sends_the_same_email_not_a_second_one(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer, mailer: FakeMailer
) -> None:
    payload = await _queued_payload(uow, renderer, welcome())
    send = SendRequestedEmail(renderer, mailer, SENDER)
    mailer.failures.append(MailUnavailable("connection reset"))
    with pytest.raises(MailUnavailable):
        await send(SendRequestedEmailCommand(payload))
    first = await send(SendRequestedEmailCommand(payload))
    second = await send(SendRequestedEmailCommand(payload))  # a redelivery
    assert first == second
    assert len(mailer.sent) == 1


async def test_two_requests_are_two_emails(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer, mailer: FakeMailer
) -> None:
    send = SendRequestedEmail(renderer, mailer, SENDER)
    a = await send(SendRequestedEmailCommand(await _queued_payload(uow, renderer, welcome())))
    b = await send(SendRequestedEmailCommand(await _queued_payload(uow, renderer, welcome())))
    assert a.message_id != b.message_id
    assert len(mailer.sent) == 2


async def test_attachments_are_fetched_at_send_time(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer, mailer: FakeMailer, attachments: FakeAttachmentSource
) -> None:
    ref = AttachmentReference("documents/0190-invoice.pdf", "Счёт.pdf", "application/pdf")
    payload = await _queued_payload(uow, renderer, welcome(attachments=(ref,)), attachment_source=attachments)
    await SendRequestedEmail(renderer, mailer, SENDER, attachments)(SendRequestedEmailCommand(payload))
    (message,) = mailer.sent
    (attachment,) = message.attachments
    assert (attachment.filename, attachment.content_type, attachment.content) == (
        "Счёт.pdf",
        "application/pdf",
        b"%PDF-1.4 invoice",
    )

    del attachments.objects["documents/0190-invoice.pdf"]
    other = await _queued_payload(uow, renderer, welcome(attachments=(ref,)), attachment_source=attachments)
    with pytest.raises(NotFound):
        await SendRequestedEmail(renderer, mailer, SENDER, attachments)(SendRequestedEmailCommand(other))
    with pytest.raises(InvalidInput, match="object storage"):
        await SendRequestedEmail(renderer, mailer, SENDER)(SendRequestedEmailCommand(other))


async def test_provider_rejection_propagates_typed(
    uow: FakeUnitOfWork, renderer: FakeTemplateRenderer, mailer: FakeMailer
) -> None:
    payload = await _queued_payload(uow, renderer, welcome())
    mailer.failures.append(MailRejected("550 no such user"))
    with pytest.raises(MailRejected) as caught:
        await SendRequestedEmail(renderer, mailer, SENDER)(SendRequestedEmailCommand(payload))
    assert caught.value.code == "mail.rejected"
    assert caught.value.kind == "invalid"


async def test_send_refuses_a_malformed_payload(renderer: FakeTemplateRenderer, mailer: FakeMailer) -> None:
    with pytest.raises(InvalidInput):
        await SendRequestedEmail(renderer, mailer, SENDER)(SendRequestedEmailCommand({"template": "welcome"}))
    assert mailer.sent == []
