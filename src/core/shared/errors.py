"""Domain errors carry a stable, machine-readable code; entrypoints map them once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error the core raises on purpose.

    ``code`` is stable (clients may switch on it); ``kind`` groups codes so each
    entrypoint can map a whole family at once (HTTP status, gRPC status, exit code).
    """

    kind: ClassVar[str] = "invalid"

    def __init__(self, code: str, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InvalidInput(DomainError):
    kind = "invalid"


class NotFound(DomainError):
    kind = "not_found"


class Conflict(DomainError):
    kind = "conflict"


class PermissionDenied(DomainError):
    kind = "forbidden"


class Unauthenticated(DomainError):
    kind = "unauthenticated"


class Unavailable(DomainError):
    """A dependency the use case needs cannot be reached right now."""

    kind = "unavailable"
