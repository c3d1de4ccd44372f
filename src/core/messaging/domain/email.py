"""Email requests: who gets which template in which language, validated before it is queued.

An ``EmailRequested`` event is the whole request. It travels through the outbox as JSON, so
it carries only data: recipients, template name, locale, a JSON context and attachments *by
reference* (object-storage keys; the bytes are fetched when the email is sent).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from core.shared.errors import InvalidInput
from core.shared.events import DomainEvent

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "ru", "he")
DEFAULT_LOCALE = "en"
RTL_LOCALES = frozenset({"he"})

MAX_RECIPIENTS = 50  # To + Cc + Bcc; the same bound as ports.shared.mail (the SES limit)
MAX_ATTACHMENTS = 10
MAX_CONTEXT_BYTES = 32 * 1024
MAX_NAME_CHARS = 200
PAYLOAD_VERSION = 1

_TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_KEY = re.compile(r"^[a-z0-9][a-z0-9._/-]{0,254}$")
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_LEGACY_LOCALES = {"iw": "he"}


def resolve_locale(requested: str | None) -> str:
    """``"ru-RU"`` -> ``"ru"``, ``"he_IL"``/``"iw"`` -> ``"he"``; anything unsupported -> ``"en"``."""
    if not requested:
        return DEFAULT_LOCALE
    primary = requested.strip().replace("_", "-").split("-", 1)[0].lower()
    primary = _LEGACY_LOCALES.get(primary, primary)
    return primary if primary in SUPPORTED_LOCALES else DEFAULT_LOCALE


def text_direction(locale: str) -> str:
    return "rtl" if locale in RTL_LOCALES else "ltr"


def validate_template_name(name: str) -> str:
    if not isinstance(name, str) or not _TEMPLATE_NAME.match(name):
        raise InvalidInput(
            "mail.invalid_template",
            "a template name is lower-case letters, digits and underscores",
            {"field": "template"},
        )
    return name


def normalize_address(raw: str, *, field: str = "to") -> str:
    """A deliverable ASCII address: trimmed, domain lower-cased and IDNA-encoded.

    Internationalised local parts (SMTPUTF8) are refused: not every provider accepts them.
    """
    value = raw.strip() if isinstance(raw, str) else ""
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or len(local) > 64 or not _LOCAL_PART.match(local):
        raise _bad_address(raw, field)
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _bad_address(raw, field) from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise _bad_address(raw, field)
    address = f"{local}@{ascii_domain}"
    if len(address) > 254:
        raise _bad_address(raw, field)
    return address


def _bad_address(raw: object, field: str) -> InvalidInput:
    return InvalidInput("mail.invalid_address", f"not a valid email address: {raw!r}"[:300], {"field": field})


@dataclasses.dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""

    @classmethod
    def of(cls, value: Recipient | str, *, field: str = "to") -> Recipient:
        """Validate and normalise a recipient given as a ``Recipient`` or a bare address."""
        if isinstance(value, str):
            value = Recipient(value)
        raw_name = value.name if isinstance(value.name, str) else ""
        name = raw_name.strip()
        if _CONTROL.search(raw_name) or len(name) > MAX_NAME_CHARS:
            raise InvalidInput(
                "mail.invalid_name", "a recipient name is one line of at most 200 characters", {"field": field}
            )
        return cls(normalize_address(value.address, field=field), name)

    def to_json(self) -> dict[str, str]:
        return {"address": self.address, "name": self.name}


@dataclasses.dataclass(frozen=True)
class AttachmentReference:
    """An attachment by reference: the object-storage ``key`` of its bytes, and how to present it.

    The bytes are fetched at send time through an ``AttachmentSource`` (ports.shared.mail),
    which the object store implements; the key is never taken from an end user.
    """

    key: str
    filename: str
    content_type: str = "application/octet-stream"

    def validated(self) -> AttachmentReference:
        if not _KEY.match(self.key) or ".." in self.key:
            raise InvalidInput("mail.invalid_attachment", "not a valid object key", {"field": "attachments"})
        if not self.filename or len(self.filename) > 255 or _CONTROL.search(self.filename):
            raise InvalidInput("mail.invalid_attachment", "an attachment needs a file name", {"field": "attachments"})
        if "/" in self.filename or "\\" in self.filename:
            raise InvalidInput(
                "mail.invalid_attachment", "a file name may not contain a path", {"field": "attachments"}
            )
        content_type = self.content_type.strip().lower()
        if not _CONTENT_TYPE.match(content_type):
            raise InvalidInput(
                "mail.invalid_attachment", "a content type looks like type/subtype", {"field": "attachments"}
            )
        return AttachmentReference(self.key, self.filename, content_type)

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "filename": self.filename, "content_type": self.content_type}


@dataclasses.dataclass(frozen=True)
class EmailRequested(DomainEvent):
    """Somebody is to receive a templated email. Payload (JSON)::

        {"version": 1, "email_id": "<uuid>", "template": "welcome", "locale": "ru",
         "to": [{"address": "a@example.com", "name": "Анна"}], "cc": [], "bcc": [],
         "reply_to": null, "context": {...},
         "attachments": [{"key": "documents/<uuid>.pdf", "filename": "Счёт.pdf",
                          "content_type": "application/pdf"}]}

    ``email_id`` is unique per request and survives redelivery: the sent message's
    Message-ID is derived from it.
    """

    event_type: ClassVar[str] = "messaging.email_requested"

    email_id: uuid.UUID
    template: str
    locale: str
    to: tuple[Recipient, ...]
    cc: tuple[Recipient, ...] = ()
    bcc: tuple[Recipient, ...] = ()
    reply_to: Recipient | None = None
    context: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    attachments: tuple[AttachmentReference, ...] = ()

    def payload(self) -> dict[str, Any]:
        return {
            "version": PAYLOAD_VERSION,
            "email_id": str(self.email_id),
            "template": self.template,
            "locale": self.locale,
            "to": [r.to_json() for r in self.to],
            "cc": [r.to_json() for r in self.cc],
            "bcc": [r.to_json() for r in self.bcc],
            "reply_to": self.reply_to.to_json() if self.reply_to else None,
            "context": dict(self.context),
            "attachments": [a.to_json() for a in self.attachments],
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> EmailRequested:
        """Rebuild (and re-validate) the event from its outbox payload."""
        try:
            version = payload.get("version", PAYLOAD_VERSION)
            if version != PAYLOAD_VERSION:
                raise ValueError(f"unknown payload version {version!r}")
            reply_to = payload.get("reply_to")
            return request_email(
                email_id=uuid.UUID(str(payload["email_id"])),
                template=payload["template"],
                locale=payload["locale"],
                to=[Recipient(**r) for r in payload["to"]],
                cc=[Recipient(**r) for r in payload.get("cc", ())],
                bcc=[Recipient(**r) for r in payload.get("bcc", ())],
                reply_to=Recipient(**reply_to) if reply_to else None,
                context=payload.get("context") or {},
                attachments=[AttachmentReference(**a) for a in payload.get("attachments", ())],
            )
        except InvalidInput:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput("mail.invalid_request", f"malformed email request: {exc}") from None


def request_email(
    *,
    email_id: uuid.UUID,
    template: str,
    locale: str | None,
    to: Iterable[Recipient | str],
    cc: Iterable[Recipient | str] = (),
    bcc: Iterable[Recipient | str] = (),
    reply_to: Recipient | str | None = None,
    context: Mapping[str, Any] | None = None,
    attachments: Iterable[AttachmentReference] = (),
) -> EmailRequested:
    """Validate a request and build its event. Other contexts may publish the result from
    their own unit of work, so the email is queued in the same transaction as their change."""
    to_list = tuple(Recipient.of(r, field="to") for r in to)
    cc_list = tuple(Recipient.of(r, field="cc") for r in cc)
    bcc_list = tuple(Recipient.of(r, field="bcc") for r in bcc)
    if not to_list:
        raise InvalidInput("mail.no_recipients", "an email needs at least one recipient", {"field": "to"})
    everyone = (*to_list, *cc_list, *bcc_list)
    if len(everyone) > MAX_RECIPIENTS:
        raise InvalidInput("mail.too_many_recipients", f"at most {MAX_RECIPIENTS} recipients", {"field": "to"})
    folded = [r.address.casefold() for r in everyone]
    if len(set(folded)) != len(folded):
        raise InvalidInput("mail.duplicate_recipient", "a recipient appears twice in to/cc/bcc", {"field": "to"})
    refs = tuple(a.validated() for a in attachments)
    if len(refs) > MAX_ATTACHMENTS:
        raise InvalidInput(
            "mail.too_many_attachments", f"at most {MAX_ATTACHMENTS} attachments", {"field": "attachments"}
        )
    return EmailRequested(
        email_id=email_id,
        template=validate_template_name(template),
        locale=resolve_locale(locale),
        to=to_list,
        cc=cc_list,
        bcc=bcc_list,
        reply_to=Recipient.of(reply_to, field="reply_to") if reply_to is not None else None,
        context=json_context(context or {}),
        attachments=refs,
    )


def json_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The template context as plain JSON (it travels through the outbox).

    UUIDs, dates, decimals and enums become strings; anything else that is not JSON is refused.
    """
    if not isinstance(context, Mapping) or not all(isinstance(k, str) for k in context):
        raise InvalidInput("mail.invalid_context", "the context is an object with string keys", {"field": "context"})
    try:
        encoded = json.dumps(context, default=_encode, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("mail.invalid_context", f"the context is not JSON: {exc}", {"field": "context"}) from None
    if len(encoded.encode()) > MAX_CONTEXT_BYTES:
        raise InvalidInput("mail.invalid_context", "the context is too large", {"field": "context"})
    result: dict[str, Any] = json.loads(encoded)
    return result


def _encode(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON")


def message_id_for(email_id: uuid.UUID, domain: str) -> str:
    """The Message-ID of a requested email: the same for every attempt to send it."""
    return f"<{email_id}@{domain}>"
