"""The plain data of the mail port validates itself: nothing that reaches an adapter can inject
headers or exceed the providers' limits."""

from __future__ import annotations

import dataclasses

import pytest

from core.shared.errors import InvalidInput
from ports.shared.mail import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_BYTES,
    Attachment,
    EmailAddress,
    EmailMessage,
)

BASE = EmailMessage(
    sender=EmailAddress("no-reply@lyceum.example", "Lyceum"),
    to=(EmailAddress("anna@example.com", "Анна"),),
    subject="Привет",
    text="Hello",
)


@pytest.mark.parametrize(
    ("raw", "address", "name"),
    [
        ("Lyceum <no-reply@lyceum.localhost>", "no-reply@lyceum.localhost", "Lyceum"),
        ("no-reply@lyceum.example", "no-reply@lyceum.example", ""),
        ('"Лицей, школа" <a@lyceum.example>', "a@lyceum.example", "Лицей, школа"),
        ("=?utf-8?b?15zXmdem15nXkNeV150=?= <a@lyceum.example>", "a@lyceum.example", "ליציאום"),
    ],
)
def test_parse_mailbox(raw: str, address: str, name: str) -> None:
    parsed = EmailAddress.parse(raw)
    assert (parsed.address, parsed.name) == (address, name)
    assert parsed.domain == address.rpartition("@")[2]


@pytest.mark.parametrize("raw", ["", "not an address", "a@b.example, c@d.example", "x <a@b.example", "a@b\r\nBcc: c@d"])
def test_parse_refuses_anything_but_one_mailbox(raw: str) -> None:
    with pytest.raises(InvalidInput):
        EmailAddress.parse(raw)


@pytest.mark.parametrize(
    "changes",
    [
        {"to": ()},
        {"subject": ""},
        {"subject": "two\nlines"},
        {"subject": "x" * 999},
        {"text": "  "},
        {"headers": {"Bcc": "victim@example.com"}},
        {"headers": {"message-id": "<x@y>"}},
        {"headers": {"X-Ok": "value\r\nBcc: victim@example.com"}},
        {"headers": {"Bad Name": "v"}},
        {"message_id": "not-angle-bracketed@x"},
        {"message_id": "<no-at-sign>"},
        {"idempotency_key": ""},
        {"cc": (EmailAddress("ANNA@example.com"),)},
        {"bcc": tuple(EmailAddress(f"s{i}@example.com") for i in range(50))},
    ],
)
def test_invalid_messages_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as caught:
        dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]
    assert caught.value.code == "mail.invalid_message"


@pytest.mark.parametrize(
    ("address", "name"),
    [("no-at.example", ""), ("a@b.example", "line\nbreak"), ("a b@c.example", ""), ("анна@example.com", "")],
)
def test_invalid_addresses(address: str, name: str) -> None:
    with pytest.raises(InvalidInput):
        EmailAddress(address, name)


def test_attachment_limits() -> None:
    Attachment("ok.pdf", "application/pdf", b"x" * MAX_ATTACHMENT_BYTES)
    with pytest.raises(InvalidInput, match="too large"):
        Attachment("big.pdf", "application/pdf", b"x" * (MAX_ATTACHMENT_BYTES + 1))
    for filename in ("", "../a.pdf", "dir/a.pdf", "a\r\n.pdf"):
        with pytest.raises(InvalidInput):
            Attachment(filename, "application/pdf", b"x")
    with pytest.raises(InvalidInput):
        Attachment("a.pdf", "pdf", b"x")
    parts = MAX_ATTACHMENTS_BYTES // MAX_ATTACHMENT_BYTES + 1
    many = tuple(Attachment(f"{i}.bin", "application/octet-stream", b"x" * MAX_ATTACHMENT_BYTES) for i in range(parts))
    with pytest.raises(InvalidInput, match="together"):
        dataclasses.replace(BASE, attachments=many)
    assert "content" not in repr(many[0]) or "xxxx" not in repr(many[0])


def test_headers_are_frozen_and_recipients_ordered() -> None:
    message = dataclasses.replace(
        BASE,
        cc=(EmailAddress("c@example.com"),),
        bcc=(EmailAddress("b@example.com"),),
        headers={"List-Unsubscribe": "<https://lyceum.example/u>"},
    )
    assert [a.address for a in message.recipients] == ["anna@example.com", "c@example.com", "b@example.com"]
    with pytest.raises(TypeError):
        message.headers["X-New"] = "v"  # type: ignore[index]
