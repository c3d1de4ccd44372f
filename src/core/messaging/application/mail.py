"""The email queue as use cases: queue a templated email, then (in a worker) render and send it.

``QueueEmail`` validates the request, checks the template exists (falling back to English)
and renders it once as a dry run, so a bad request fails in the caller rather than in a
worker. The ``EmailRequested`` event goes to the outbox in the same transaction.

``SendRequestedEmail`` runs once per outbox message (the worker's inbox de-duplicates). A
retry after a failure sends a message with the same Message-ID (derived from the event's
``email_id``), so providers and mail clients see one email, not two.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from core.messaging.domain.email import (
    DEFAULT_LOCALE,
    AttachmentReference,
    EmailRequested,
    Recipient,
    message_id_for,
    request_email,
    resolve_locale,
    validate_template_name,
)
from core.shared.errors import InvalidInput, NotFound
from core.shared.ids import new_id
from ports.shared.mail import MAX_ATTACHMENT_BYTES, Attachment, AttachmentSource, EmailAddress, EmailMessage, Mailer
from ports.shared.templates import TemplateRenderer
from ports.shared.unit_of_work import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

AUTO_SUBMITTED = "auto-generated"  # RFC 3834: tells auto-responders not to reply


@dataclasses.dataclass(frozen=True)
class QueueEmailCommand:
    template: str
    to: tuple[Recipient | str, ...]
    locale: str | None = None
    """BCP 47 tag or language (``ru-RU``, ``he``); unsupported or None: English."""
    context: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    cc: tuple[Recipient | str, ...] = ()
    bcc: tuple[Recipient | str, ...] = ()
    reply_to: Recipient | str | None = None
    attachments: tuple[AttachmentReference, ...] = ()
    """Object-storage keys, fetched at send time; needs an ``AttachmentSource`` to be configured."""


@dataclasses.dataclass(frozen=True)
class QueuedEmail:
    email_id: uuid.UUID
    locale: str
    """The locale the email will be rendered in (after falling back)."""


class QueueEmail:
    def __init__(
        self, uow: UowFactory, renderer: TemplateRenderer, attachment_source: AttachmentSource | None = None
    ) -> None:
        self._uow = uow
        self._renderer = renderer
        self._attachment_source = attachment_source

    async def __call__(self, command: QueueEmailCommand) -> QueuedEmail:
        template = validate_template_name(command.template)
        locale = self._available_locale(template, resolve_locale(command.locale))
        if command.attachments and self._attachment_source is None:
            raise InvalidInput(
                "mail.attachments_unsupported",
                "attachments need object storage, which is not configured",
                {"field": "attachments"},
            )
        event = request_email(
            email_id=new_id(),
            template=template,
            locale=locale,
            to=command.to,
            cc=command.cc,
            bcc=command.bcc,
            reply_to=command.reply_to,
            context=command.context,
            attachments=command.attachments,
        )
        # A dry run: a missing context variable fails here, in the caller, not in a worker.
        await self._renderer.render(event.template, event.locale, event.context)
        async with self._uow() as uow:
            uow.publish(event)
            await uow.commit()
        return QueuedEmail(event.email_id, event.locale)

    def _available_locale(self, template: str, locale: str) -> str:
        if self._renderer.has_template(template, locale):
            return locale
        if locale != DEFAULT_LOCALE and self._renderer.has_template(template, DEFAULT_LOCALE):
            return DEFAULT_LOCALE
        raise NotFound("mail.template_not_found", f"no email template named {template!r}", {"field": "template"})


@dataclasses.dataclass(frozen=True)
class SendRequestedEmailCommand:
    payload: Mapping[str, Any]
    """The ``EmailRequested`` outbox payload, as the worker receives it."""


@dataclasses.dataclass(frozen=True)
class SentEmail:
    email_id: uuid.UUID
    message_id: str
    """The Message-ID header: ``<email_id@sender-domain>``, the same on every attempt."""
    provider_message_id: str


class SendRequestedEmail:
    """Renders and sends one requested email.

    Raises ``MailRejected`` when the provider refuses the message (retrying cannot help) and
    ``MailUnavailable`` when it cannot be reached (retry later); ``InvalidInput``/``NotFound``
    for a malformed payload, a template that no longer renders, or a missing attachment.
    """

    def __init__(
        self,
        renderer: TemplateRenderer,
        mailer: Mailer,
        sender: EmailAddress,
        attachment_source: AttachmentSource | None = None,
    ) -> None:
        self._renderer = renderer
        self._mailer = mailer
        self._sender = sender
        self._attachment_source = attachment_source

    async def __call__(self, command: SendRequestedEmailCommand) -> SentEmail:
        request = EmailRequested.from_payload(command.payload)
        rendered = await self._renderer.render(request.template, request.locale, request.context)
        message_id = message_id_for(request.email_id, self._sender.domain)
        message = EmailMessage(
            sender=self._sender,
            to=tuple(_address(r) for r in request.to),
            cc=tuple(_address(r) for r in request.cc),
            bcc=tuple(_address(r) for r in request.bcc),
            reply_to=_address(request.reply_to) if request.reply_to else None,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            attachments=tuple([await self._fetch(ref) for ref in request.attachments]),
            headers={"Auto-Submitted": AUTO_SUBMITTED, "X-Lyceum-Template": request.template},
            message_id=message_id,
            idempotency_key=str(request.email_id),
        )
        provider_message_id = await self._mailer.send(message)
        return SentEmail(request.email_id, message_id, provider_message_id)

    async def _fetch(self, ref: AttachmentReference) -> Attachment:
        # Hook for object storage: any AttachmentSource (ObjectStorage.get has this shape).
        if self._attachment_source is None:
            raise InvalidInput(
                "mail.attachments_unsupported", "attachments need object storage, which is not configured"
            )
        content = await self._attachment_source.get(ref.key, max_bytes=MAX_ATTACHMENT_BYTES)
        return Attachment(ref.filename, ref.content_type, content)


def _address(recipient: Recipient) -> EmailAddress:
    return EmailAddress(recipient.address, recipient.name)
