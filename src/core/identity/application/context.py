"""What a use case knows about the request behind it, and who is acting."""

from __future__ import annotations

import dataclasses
import uuid

from core.identity.domain.roles import Permission, Role, require


@dataclasses.dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""


@dataclasses.dataclass(frozen=True)
class Principal:
    """The authenticated caller, from a verified access token."""

    user_id: uuid.UUID
    role: Role
    session_id: str

    def require(self, permission: Permission) -> None:
        require(self.role, permission)

    def can(self, permission: Permission) -> bool:
        from core.identity.domain.roles import allowed

        return allowed(self.role, permission)
