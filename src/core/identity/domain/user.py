"""The user account: identity, status, role, profile and settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import uuid
import zoneinfo
from typing import Any

from core.identity.domain import events
from core.identity.domain.roles import Role
from core.shared.errors import Conflict, InvalidInput, PermissionDenied
from core.shared.events import AggregateRoot
from core.shared.ids import new_id
from core.shared.text import clean_name

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 100
BIO_MAX_LENGTH = 2000
LANGUAGES = ("en", "ru", "he")
# Deliberately simple: one @, a dot in the domain, no spaces. Ownership is proven by the
# verification email, not by a regex.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

NOTIFICATION_CHANNELS = ("email", "sms", "push", "in_app")
NOTIFICATION_CATEGORIES = ("account", "courses", "reminders", "announcements", "messages", "marketing")
PROFILE_VISIBILITY = ("public", "students", "private")


class AccountStatus(enum.StrEnum):
    PENDING_VERIFICATION = "pending_verification"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"


def normalize_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > EMAIL_MAX_LENGTH or not _EMAIL.match(email):
        raise InvalidInput("user.invalid_email", "enter a valid email address", {"field": "email"})
    return email


def default_preferences() -> dict[str, Any]:
    return {
        "notifications": {
            channel: {
                category: channel in ("email", "in_app") and category != "marketing"
                for category in NOTIFICATION_CATEGORIES
            }
            for channel in NOTIFICATION_CHANNELS
        },
        "privacy": {"profile_visibility": "students", "show_progress": False},
        "display": {"theme": "system", "date_format": "locale", "reduced_motion": False},
    }


@dataclasses.dataclass(eq=False)
class User(AggregateRoot):
    id: uuid.UUID
    email: str
    name: str
    role: str
    status: str
    password_hash: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    email_verified_at: dt.datetime | None = None
    status_reason: str = ""
    suspended_until: dt.datetime | None = None
    bio: str = ""
    avatar_key: str | None = None
    timezone: str = "UTC"
    language: str = "en"
    preferences: dict[str, Any] = dataclasses.field(default_factory=default_preferences)
    totp_secret: str | None = None
    totp_enabled_at: dt.datetime | None = None
    totp_last_step: int = 0
    recovery_codes: list[str] = dataclasses.field(default_factory=list)
    deleted_at: dt.datetime | None = None
    version: int = 1

    # -- creation ---------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        email: str,
        name: str,
        password_hash: str | None,
        now: dt.datetime,
        role: Role = Role.STUDENT,
        language: str = "en",
        verified: bool = False,
    ) -> User:
        user = cls(
            id=new_id(),
            email=normalize_email(email),
            name=clean_name(name, field="name", max_length=NAME_MAX_LENGTH, code_prefix="user"),
            role=role.value,
            status=(AccountStatus.ACTIVE if verified else AccountStatus.PENDING_VERIFICATION).value,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
            email_verified_at=now if verified else None,
            language=_language(language),
        )
        user.record(events.UserRegistered(user.id, user.email, user.role, user.language))
        return user

    # -- state --------------------------------------------------------------------------------

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def status_enum(self) -> AccountStatus:
        return AccountStatus(self.status)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def can_sign_in(self, now: dt.datetime) -> bool:
        """Active, or suspended with the suspension already over. Unverified users cannot."""
        if self.deleted_at is not None:
            return False
        if self.status == AccountStatus.ACTIVE:
            return True
        return (
            self.status == AccountStatus.SUSPENDED
            and self.suspended_until is not None
            and (self.suspended_until <= now)
        )

    def ensure_can_sign_in(self, now: dt.datetime) -> None:
        if self.can_sign_in(now):
            if self.status == AccountStatus.SUSPENDED:  # the suspension has run out
                self._set_status(AccountStatus.ACTIVE, "", None, now, actor_id=None)
            return
        if self.status == AccountStatus.PENDING_VERIFICATION:
            raise PermissionDenied("auth.email_not_verified", "confirm your email address first")
        raise PermissionDenied("auth.account_disabled", "this account cannot sign in")

    # -- transitions ----------------------------------------------------------------------------

    def verify_email(self, now: dt.datetime) -> None:
        if self.email_verified_at is not None:
            return
        self.email_verified_at = now
        if self.status == AccountStatus.PENDING_VERIFICATION:
            self._set_status(AccountStatus.ACTIVE, "", None, now, actor_id=None)
        self.record(events.EmailVerified(self.id, self.email))

    def change_password_hash(self, password_hash: str, now: dt.datetime, *, reason: str) -> None:
        self.password_hash = password_hash
        self._touch(now)
        self.record(events.PasswordChanged(self.id, reason))

    def rehash_password(self, password_hash: str) -> None:
        """Same password, stronger parameters: no event, no session changes."""
        self.password_hash = password_hash

    def suspend(self, *, until: dt.datetime | None, reason: str, now: dt.datetime, actor_id: uuid.UUID) -> None:
        if until is not None and until <= now:
            raise InvalidInput("user.suspension_in_past", "a suspension must end in the future")
        if self.status == AccountStatus.BANNED:
            raise Conflict("user.banned", "a banned account cannot be suspended; reactivate it first")
        self._set_status(AccountStatus.SUSPENDED, reason, until, now, actor_id=actor_id)

    def ban(self, *, reason: str, now: dt.datetime, actor_id: uuid.UUID) -> None:
        self._set_status(AccountStatus.BANNED, reason, None, now, actor_id=actor_id)

    def reactivate(self, *, now: dt.datetime, actor_id: uuid.UUID) -> None:
        target = AccountStatus.ACTIVE if self.email_verified_at else AccountStatus.PENDING_VERIFICATION
        self._set_status(target, "", None, now, actor_id=actor_id)

    def set_role(self, role: Role, *, now: dt.datetime, actor_id: uuid.UUID) -> None:
        if role.value == self.role:
            return
        old = self.role
        self.role = role.value
        self._touch(now)
        self.record(events.RoleChanged(self.id, old, self.role, actor_id))

    def soft_delete(self, *, now: dt.datetime, actor_id: uuid.UUID) -> None:
        if self.deleted_at is not None:
            return
        self.deleted_at = now
        self._touch(now)
        self.record(events.UserDeleted(self.id, actor_id))

    def update_profile(self, now: dt.datetime, **changes: Any) -> list[str]:
        """Apply validated profile changes; returns the names of fields that changed."""
        changed: list[str] = []
        for field, value in changes.items():
            clean = _PROFILE_FIELDS[field](value)
            if getattr(self, field) != clean:
                setattr(self, field, clean)
                changed.append(field)
        if changed:
            self._touch(now)
            self.record(events.ProfileUpdated(self.id, tuple(changed)))
        return changed

    def update_preferences(self, patch: dict[str, Any], now: dt.datetime) -> None:
        merged = _merge_preferences(self.preferences, patch)
        if merged != self.preferences:
            self.preferences = merged
            self._touch(now)
            self.record(events.ProfileUpdated(self.id, ("preferences",)))

    # -- two-factor -------------------------------------------------------------------------------

    def start_totp_enrolment(self, secret: str) -> None:
        if self.two_factor_enabled:
            raise Conflict("2fa.already_enabled", "two-factor authentication is already on")
        self.totp_secret = secret

    def confirm_totp(self, *, step: int, recovery_code_hashes: list[str], now: dt.datetime) -> None:
        self.totp_enabled_at = now
        self.totp_last_step = step
        self.recovery_codes = list(recovery_code_hashes)
        self._touch(now)
        self.record(events.TwoFactorChanged(self.id, enabled=True))

    def disable_totp(self, now: dt.datetime) -> None:
        self.totp_secret = None
        self.totp_enabled_at = None
        self.totp_last_step = 0
        self.recovery_codes = []
        self._touch(now)
        self.record(events.TwoFactorChanged(self.id, enabled=False))

    def accept_totp_step(self, step: int) -> bool:
        """Each time step's code works once (RFC 6238 5.2): replays and older steps are refused."""
        if step <= self.totp_last_step:
            return False
        self.totp_last_step = step
        return True

    def use_recovery_code(self, code_hash: str) -> bool:
        if code_hash not in self.recovery_codes:
            return False
        self.recovery_codes = [c for c in self.recovery_codes if c != code_hash]
        return True

    # -- helpers ----------------------------------------------------------------------------------

    def _set_status(
        self,
        status: AccountStatus,
        reason: str,
        until: dt.datetime | None,
        now: dt.datetime,
        *,
        actor_id: uuid.UUID | None,
    ) -> None:
        old = self.status
        self.status = status.value
        self.status_reason = reason.strip()[:500]
        self.suspended_until = until
        self._touch(now)
        self.record(events.StatusChanged(self.id, old, self.status, self.status_reason, actor_id))

    def _touch(self, now: dt.datetime) -> None:
        self.updated_at = now


def _language(value: object) -> str:
    if value not in LANGUAGES:
        raise InvalidInput("user.invalid_language", f"language must be one of {', '.join(LANGUAGES)}")
    return str(value)


def _timezone(value: object) -> str:
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput("user.invalid_timezone", "timezone must be an IANA name like Europe/Berlin") from None
    return str(value)


def _name(value: object) -> str:
    return clean_name(str(value), field="name", max_length=NAME_MAX_LENGTH, code_prefix="user")


def _bio(value: object) -> str:
    text = str(value).strip()
    if len(text) > BIO_MAX_LENGTH:
        raise InvalidInput("user.bio_too_long", f"bio must be at most {BIO_MAX_LENGTH} characters")
    return text


def _avatar(value: object) -> str | None:
    return None if value is None else str(value)


_PROFILE_FIELDS = {"name": _name, "bio": _bio, "timezone": _timezone, "language": _language, "avatar_key": _avatar}


def _merge_preferences(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Merge a partial update, accepting only known keys with values of the right type."""
    merged = default_preferences()
    for section in merged:
        for key, value in current.get(section, {}).items():
            merged[section][key] = value
    for section, values in patch.items():
        if section not in merged or not isinstance(values, dict):
            raise InvalidInput("user.invalid_preferences", f"unknown preference section {section!r}")
        for key, value in values.items():
            if key not in merged[section]:
                raise InvalidInput("user.invalid_preferences", f"unknown preference {section}.{key}")
            expected = merged[section][key]
            if section == "notifications":
                if not isinstance(value, dict) or any(
                    c not in NOTIFICATION_CATEGORIES or not isinstance(v, bool) for c, v in value.items()
                ):
                    raise InvalidInput("user.invalid_preferences", f"notifications.{key} takes category: true|false")
                merged[section][key] = {**expected, **value}
            elif type(value) is not type(expected):
                raise InvalidInput("user.invalid_preferences", f"{section}.{key} must be {type(expected).__name__}")
            elif key == "profile_visibility" and value not in PROFILE_VISIBILITY:
                raise InvalidInput("user.invalid_preferences", f"profile_visibility is one of {PROFILE_VISIBILITY}")
            else:
                merged[section][key] = value
    return merged
