"""In-memory fakes of the messaging ports (mail, templates, attachments, unit of work)."""

from __future__ import annotations

import string
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from core.shared.errors import InvalidInput, MailUnavailable, NotFound
from core.shared.events import DomainEvent
from ports.shared.mail import EmailMessage
from ports.shared.templates import RenderedEmail


class FakeUnitOfWork:
    """Events published and committed land in ``committed``; without a commit they vanish."""

    def __init__(self) -> None:
        self.committed: list[DomainEvent] = []
        self.commits = 0
        self._pending: list[DomainEvent] = []

    def __call__(self) -> FakeUnitOfWork:
        return self

    async def __aenter__(self) -> Self:
        self._pending = []
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._pending = []

    def publish(self, event: DomainEvent) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        self.committed.extend(self._pending)
        self._pending = []
        self.commits += 1

    async def rollback(self) -> None:
        self._pending = []


class FakeTemplateRenderer:
    """``str.format``-style templates keyed by (name, locale): a missing key is a context error."""

    def __init__(self, templates: Mapping[tuple[str, str], tuple[str, str, str | None]] | None = None) -> None:
        self.templates = dict(
            templates
            or {
                ("welcome", "en"): ("Welcome, {name}", "Hi {name}", "<p>Hi {name}</p>"),
                ("welcome", "ru"): ("Добро пожаловать, {name}", "Привет, {name}", "<p>Привет, {name}</p>"),
                ("welcome", "he"): ("ברוכים הבאים, {name}", "שלום {name}", '<p dir="rtl">שלום {name}</p>'),
                ("receipt", "en"): ("Receipt {number}", "Receipt {number}", None),
            }
        )
        self.rendered: list[tuple[str, str, dict[str, Any]]] = []

    def has_template(self, name: str, locale: str) -> bool:
        return (name, locale) in self.templates

    async def render(self, name: str, locale: str, context: Mapping[str, Any]) -> RenderedEmail:
        if (name, locale) not in self.templates:
            raise NotFound("mail.template_not_found", f"no template {name!r} in {locale!r}")
        self.rendered.append((name, locale, dict(context)))
        subject, text, html = self.templates[(name, locale)]
        try:
            return RenderedEmail(
                _format(subject, context), _format(text, context), _format(html, context) if html else None
            )
        except KeyError as exc:
            raise InvalidInput("mail.template_context", f"missing {exc}") from None


def _format(template: str, context: Mapping[str, Any]) -> str:
    return string.Formatter().vformat(template, (), dict(context))


class FakeMailer:
    """Records sent messages; a provider that de-duplicates by Message-ID, like the Maildir."""

    name = "mail"
    kind = "fake"

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.failures: list[Exception] = []
        self._ids: dict[str, str] = {}

    async def send(self, message: EmailMessage) -> str:
        if self.failures:
            raise self.failures.pop(0)
        key = message.message_id or f"<{len(self.sent)}@fake>"
        if key not in self._ids:
            self.sent.append(message)
            self._ids[key] = f"fake-{len(self._ids) + 1}"
        return self._ids[key]

    async def check(self) -> None:
        if self.failures:
            raise MailUnavailable("fake provider down")


class FakeAttachmentSource:
    def __init__(self, objects: Mapping[str, bytes] | None = None) -> None:
        self.objects = dict(objects or {})
        self.fetched: list[str] = []

    async def get(self, key: str, *, max_bytes: int = 10 * 1024 * 1024) -> bytes:
        self.fetched.append(key)
        if key not in self.objects:
            raise NotFound("storage.not_found", "no object has this key")
        content = self.objects[key]
        if len(content) > max_bytes:
            raise InvalidInput("storage.too_large", "the object is larger than allowed")
        return content
