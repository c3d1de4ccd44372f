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


class RateLimited(DomainError):
    """Too many attempts; ``details["retry_after"]`` says how many seconds to wait."""

    kind = "rate_limited"


class Unavailable(DomainError):
    """A dependency the use case needs cannot be reached right now."""

    kind = "unavailable"


# -- Object storage ---------------------------------------------------------------------------
# Raised by every ObjectStorage adapter (ports.shared.storage); SDK exceptions never escape one.


class StorageUnavailable(Unavailable):
    """The object store cannot be reached, or refused our credentials, or failed server-side."""

    def __init__(
        self, message: str = "object storage is unreachable", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("storage.unavailable", message, details)


class UnknownBucket(Unavailable):
    """The configured bucket (or local storage root) does not exist: a deployment error."""

    def __init__(
        self, message: str = "the storage bucket does not exist", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("storage.unknown_bucket", message, details)


class ObjectNotFound(NotFound):
    def __init__(self, message: str = "no object has this key", details: Mapping[str, Any] | None = None) -> None:
        super().__init__("storage.not_found", message, details)


class UploadNotFound(NotFound):
    """A multipart upload id that was never created, or was completed or aborted."""

    def __init__(
        self, message: str = "no multipart upload has this id", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("storage.upload_not_found", message, details)


class InvalidObjectKey(InvalidInput):
    """A key (or extension, or derived name) outside the server-generated key grammar."""

    def __init__(self, message: str = "not a valid object key", details: Mapping[str, Any] | None = None) -> None:
        super().__init__("storage.invalid_key", message, details)


class ChecksumMismatch(InvalidInput):
    def __init__(
        self, message: str = "content does not match its SHA-256 checksum", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("storage.checksum_mismatch", message, details)


class UploadTooLarge(InvalidInput):
    """More bytes than the upload (or read) allows. HTTP routes that stream uploads answer 413."""

    def __init__(
        self, message: str = "the object is larger than allowed", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("storage.too_large", message, details)


class RangeNotSatisfiable(InvalidInput):
    """A byte range outside the object. HTTP routes answer 416."""

    def __init__(
        self, message: str = "the byte range is outside the object", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("storage.range_not_satisfiable", message, details)


class InvalidSignedUrl(PermissionDenied):
    """A signed URL or form whose signature does not verify (tampered, or for another operation)."""

    def __init__(self, message: str = "the signature is not valid", details: Mapping[str, Any] | None = None) -> None:
        super().__init__("storage.invalid_signature", message, details)


class SignedUrlExpired(PermissionDenied):
    def __init__(self, message: str = "the signed URL has expired", details: Mapping[str, Any] | None = None) -> None:
        super().__init__("storage.url_expired", message, details)


class UploadPolicyViolation(PermissionDenied):
    """A signed upload that breaks its policy: another key or content type than was signed."""

    def __init__(
        self, message: str = "the upload does not match its policy", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("storage.policy_violation", message, details)


# -- Mail -------------------------------------------------------------------------------------
# Raised by every Mailer adapter (ports.shared.mail); SMTP, HTTP and SDK exceptions never escape one.


class MailUnavailable(Unavailable):
    """The mail provider cannot be reached, timed out, refused our credentials, or failed
    server-side. Retrying later may succeed."""

    def __init__(
        self, message: str = "the mail provider cannot be reached", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("mail.unavailable", message, details)


class MailRejected(InvalidInput):
    """The provider said this message is bad (recipient refused, invalid content): do not retry."""

    def __init__(
        self, message: str = "the mail provider rejected the message", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("mail.rejected", message, details)


# -- Outbound HTTP ----------------------------------------------------------------------------


class ProviderUnavailable(Unavailable):
    """An external HTTP provider is down: retries exhausted, or its circuit breaker is open."""

    def __init__(
        self, message: str = "the provider cannot be reached", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("provider.unavailable", message, details)


# -- Search -----------------------------------------------------------------------------------
# Raised by every SearchIndex adapter (ports.shared.search); SDK and HTTP exceptions never escape one.


class SearchUnavailable(Unavailable):
    """The search engine cannot be reached, timed out, refused our key or failed server-side."""

    def __init__(self, message: str = "search is unavailable", details: Mapping[str, Any] | None = None) -> None:
        super().__init__("search.unavailable", message, details)


class UnknownCollection(NotFound):
    """No search collection (alias) has this name: it was never created, or was dropped."""

    def __init__(
        self, message: str = "no search collection has this name", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__("search.unknown_collection", message, details)


class InvalidQuery(InvalidInput):
    """A search the index cannot run: unknown or unsuitable field, wrong value type, bounds exceeded."""

    def __init__(self, message: str = "not a valid search query", details: Mapping[str, Any] | None = None) -> None:
        super().__init__("search.invalid_query", message, details)


class InvalidSearchSchema(InvalidInput):
    """A collection schema that cannot be created: bad names, types or flag combinations."""

    def __init__(self, message: str = "not a valid search schema", details: Mapping[str, Any] | None = None) -> None:
        super().__init__("search.invalid_schema", message, details)


class InvalidSearchDocument(InvalidInput):
    """A document that does not fit its collection's schema; nothing of its batch was written."""

    def __init__(self, message: str = "not a valid search document", details: Mapping[str, Any] | None = None) -> None:
        super().__init__("search.invalid_document", message, details)
