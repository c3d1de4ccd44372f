"""RFC 9457 problem details for every error the HTTP app returns."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException

from core.shared.errors import DomainError

log = logging.getLogger("lyceum.http")

PROBLEM_JSON = "application/problem+json"

STATUS_BY_KIND = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "forbidden": 403,
    "unauthenticated": 401,
    "unavailable": 503,
    "rate_limited": 429,
}


def problem_type(code: str) -> str:
    """Stable, documented type URI for a problem code (relative to the API's base URL)."""
    return f"/problems/{code}"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    request: Request[Any, Any, Any] | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": problem_type(code), "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extensions.items() if v is not None})
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_bytes(status: int, code: str, title: str, detail: str, *, instance: str) -> bytes:
    """The same document as ``problem``, for layers that answer before Litestar routes."""
    body = {
        "type": problem_type(code),
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        "instance": instance,
    }
    return msgspec.json.encode(body)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    status = STATUS_BY_KIND.get(exc.kind, 400)
    headers = None
    # 429s, and 503s that know when to come back (e.g. the sign-in queue is full).
    if exc.kind in ("rate_limited", "unavailable") and "retry_after" in exc.details:
        headers = {"Retry-After": str(max(int(exc.details["retry_after"]), 1))}
    return problem(
        status, exc.code, _title(status), exc.message, request=request, headers=headers, details=exc.details or None
    )


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    params = [
        {"name": item.get("key") or "body", "reason": item.get("message", ""), "source": item.get("source")}
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    return problem(
        422, "request.validation", "Request is not valid", "see invalid_params", request=request, invalid_params=params
    )


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    code = _HTTP_CODES.get(status, "request.error" if status < 500 else "server.error")
    detail = exc.detail if exc.detail and exc.detail != _title(status) else None
    if status == 400 and _caused_by_undecodable_body(exc):
        code = "request.malformed_body"
    return problem(status, code, _title(status), detail, request=request, headers=headers or None)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error", extra={"path": request.url.path})
    return problem(500, "server.error", "Internal Server Error", "an unexpected error occurred", request=request)


def _caused_by_undecodable_body(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, (msgspec.DecodeError, SerializationException)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


_HTTP_CODES = {
    400: "request.bad",
    401: "auth.unauthenticated",
    403: "auth.forbidden",
    404: "request.not_found",
    405: "request.method_not_allowed",
    406: "request.not_acceptable",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    429: "request.rate_limited",
    503: "server.unavailable",
}


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
