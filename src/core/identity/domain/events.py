"""Events of the identity context."""

from __future__ import annotations

import dataclasses
import uuid

from core.shared.events import DomainEvent


@dataclasses.dataclass(frozen=True)
class UserRegistered(DomainEvent):
    event_type = "identity.user_registered"
    user_id: uuid.UUID
    email: str
    role: str
    language: str


@dataclasses.dataclass(frozen=True)
class EmailVerified(DomainEvent):
    event_type = "identity.email_verified"
    user_id: uuid.UUID
    email: str


@dataclasses.dataclass(frozen=True)
class PasswordChanged(DomainEvent):
    event_type = "identity.password_changed"
    user_id: uuid.UUID
    reason: str


@dataclasses.dataclass(frozen=True)
class StatusChanged(DomainEvent):
    event_type = "identity.status_changed"
    user_id: uuid.UUID
    old: str
    new: str
    reason: str
    actor_id: uuid.UUID | None


@dataclasses.dataclass(frozen=True)
class RoleChanged(DomainEvent):
    event_type = "identity.role_changed"
    user_id: uuid.UUID
    old: str
    new: str
    actor_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class ProfileUpdated(DomainEvent):
    event_type = "identity.profile_updated"
    user_id: uuid.UUID
    fields: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class UserDeleted(DomainEvent):
    event_type = "identity.user_deleted"
    user_id: uuid.UUID
    actor_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class TwoFactorChanged(DomainEvent):
    event_type = "identity.two_factor_changed"
    user_id: uuid.UUID
    enabled: bool


@dataclasses.dataclass(frozen=True)
class AccountEmailRequested(DomainEvent):
    """An account email is due: verify_email, reset_password, account_exists, password_changed.
    The worker mints any link token at send time, so tokens never sit in the outbox."""

    event_type = "identity.account_email_requested"
    user_id: uuid.UUID
    kind: str
