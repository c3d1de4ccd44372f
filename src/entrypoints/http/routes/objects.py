"""Signed object URLs of the embedded (local file-system) object store, served by this app.

``GET /objects/{token}`` streams an object (single byte ranges answer 206, for video seeking),
``PUT /objects/{token}`` uploads one, ``POST /objects/upload`` takes an HTML form upload the way
an S3 presigned POST does (the signed fields first, the content last as ``file``). Tokens are
HMAC-signed and expire; the store checks them (``ports.shared.storage.SignedObjectServer``).
Bodies are streamed end to end: the size limit is the token's, not the app's JSON body limit.

With S3 configured, presigned URLs point at S3 and these routes answer 404.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import http
import re
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from litestar import Request, Response, get, post, put
from litestar.exceptions import ClientException, NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Stream
from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from core.shared.errors import ChecksumMismatch, InvalidInput, RangeNotSatisfiable, UploadTooLarge
from entrypoints.http.dependencies import container_of
from entrypoints.http.problems import domain_error_handler, problem
from ports.shared.rate_limit import RateLimit
from ports.shared.storage import ByteRange, ObjectInfo, ObjectReader, SignedObjectServer

# Handlers carry this opt so the app's compression can skip them (CompressionConfig's
# exclude_opt_key): gzip would drop Content-Length and break byte ranges.
SKIP_COMPRESSION = "skip_compression"
MAX_FORM_FIELDS = 16
MAX_FIELD_BYTES = 8 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII)
# User content must never run as this origin's script: no sniffing, a sandbox for HTML/SVG.
_SAFETY_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}


# Players fetch many ranges and segments per minute; a separate budget keeps them off the API's.
OBJECTS_RATE_LIMIT = RateLimit(limit=1200, window_seconds=60, name="objects")


def object_routes() -> list[HTTPRouteHandler]:
    """The handlers to register on the app (they need ``infrastructure.object_storage()``)."""
    return [download_object, upload_object, upload_object_form]


def _signed_store(request: Request[Any, Any, Any]) -> SignedObjectServer:
    storage = container_of(request).infrastructure.object_storage()
    if not isinstance(storage, SignedObjectServer):
        raise NotFoundException("objects are served by the object store, not by this app")
    return storage


def _too_large(request: Request[Any, Any, Any], exc: UploadTooLarge) -> Response[Any]:
    return _problem(request, 413, exc)


def _unsatisfiable(request: Request[Any, Any, Any], exc: RangeNotSatisfiable) -> Response[Any]:
    size = exc.details.get("size")
    headers = {"Content-Range": f"bytes */{size}"} if isinstance(size, int) else None
    return _problem(request, 416, exc, headers=headers)


def _form_rejected(request: Request[Any, Any, Any], exc: InvalidInput) -> Response[Any]:
    # S3 answers 400 (EntityTooSmall) to content under the policy's content-length-range.
    if exc.code == "storage.too_small":
        return _problem(request, 400, exc)
    return domain_error_handler(request, exc)


@get(
    "/objects/{token:str}",
    tags=["objects"],
    summary="Download an object through a signed URL",
    opt={SKIP_COMPRESSION: True, "rate_limit": OBJECTS_RATE_LIMIT},
    cache=False,
    exception_handlers={RangeNotSatisfiable: _unsatisfiable},
)
async def download_object(request: Request[Any, Any, Any], token: FromPath[str]) -> Stream:
    store = _signed_store(request)
    download = await store.open_signed(token, byte_range=_parse_range(request.headers.get("range")))
    reader, info = download.reader, download.reader.info
    headers = {
        **_SAFETY_HEADERS,
        "Content-Length": str(reader.length),
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=0",
    }
    if info.etag:
        headers["ETag"] = info.etag
    if info.last_modified:
        headers["Last-Modified"] = email.utils.format_datetime(info.last_modified.astimezone(dt.UTC), usegmt=True)
    if download.content_disposition:
        headers["Content-Disposition"] = download.content_disposition
    status = 200
    if reader.length != info.size or reader.offset:
        status = 206
        headers["Content-Range"] = f"bytes {reader.offset}-{reader.offset + reader.length - 1}/{info.size}"
    return Stream(_chunks(reader), status_code=status, media_type=info.content_type, headers=headers)


@put(
    "/objects/{token:str}",
    tags=["objects"],
    summary="Upload an object through a signed URL",
    status_code=200,
    request_max_body_size=None,  # the token carries the limit; the store enforces it while streaming
    opt={SKIP_COMPRESSION: True, "rate_limit": OBJECTS_RATE_LIMIT},
    exception_handlers={UploadTooLarge: _too_large},
)
async def upload_object(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[None]:
    store = _signed_store(request)
    checksum = request.headers.get("x-amz-checksum-sha256")
    info = await store.put_signed(
        token,
        request.stream(),
        content_type=request.headers.get("content-type"),
        sha256=_b64_sha256(checksum) if checksum is not None else None,
    )
    return Response(None, status_code=200, headers=_stored_headers(info))


@post(
    "/objects/upload",
    tags=["objects"],
    summary="Upload an object with a signed form (fields first, then `file`)",
    status_code=204,
    request_max_body_size=None,
    opt={SKIP_COMPRESSION: True, "rate_limit": OBJECTS_RATE_LIMIT},
    exception_handlers={UploadTooLarge: _too_large, InvalidInput: _form_rejected},
)
async def upload_object_form(request: Request[Any, Any, Any]) -> Response[None]:
    store = _signed_store(request)
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get("boundary")
    if media_type != "multipart/form-data" or not boundary:
        raise ClientException("expected multipart/form-data with a boundary")
    try:
        parser = PushMultipartParser(boundary, max_segment_count=MAX_FORM_FIELDS + 1, strict=True)
        events = _form_events(request.stream(), parser)
        fields = await _read_fields(events)
        info = await store.post_signed(fields, _file_part(events))
    except MultipartError as exc:
        raise ClientException(f"malformed multipart form: {exc}") from None
    return Response(None, status_code=204, headers=_stored_headers(info))


# -- helpers -----------------------------------------------------------------------------------


async def _chunks(reader: ObjectReader) -> AsyncIterator[bytes]:
    async with reader:
        async for chunk in reader:
            yield chunk


def _parse_range(header: str | None) -> ByteRange | None:
    """One ``bytes=a-b`` range; anything else (several ranges, other units) gets the whole
    object, as RFC 9110 allows."""
    if not header or not (match := _RANGE.fullmatch(header.strip())):
        return None
    first, last = match[1], match[2]
    if not first and not last:
        return None
    return ByteRange(int(first) if first else None, int(last) if last else None)


def _b64_sha256(value: str) -> str:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ChecksumMismatch("x-amz-checksum-sha256 is not a base64 SHA-256 digest")
    return raw.hex()


def _stored_headers(info: ObjectInfo) -> dict[str, str]:
    headers = {"ETag": info.etag} if info.etag else {}
    if info.sha256:
        headers["x-amz-checksum-sha256"] = base64.b64encode(bytes.fromhex(info.sha256)).decode()
    return headers


def _problem(
    request: Request[Any, Any, Any], status: int, exc: Any, *, headers: dict[str, str] | None = None
) -> Response[Any]:
    title = http.HTTPStatus(status).phrase
    return problem(status, exc.code, title, exc.message, request=request, headers=headers, details=exc.details or None)


async def _form_events(stream: AsyncIterable[bytes], parser: PushMultipartParser) -> AsyncIterator[Any]:
    async for chunk in stream:
        for event in parser.parse(chunk):  # an empty chunk (end of body) closes the parser
            yield event


async def _read_fields(events: AsyncIterator[Any]) -> dict[str, str]:
    """Form fields up to the ``file`` part, bounded in number and size."""
    fields: dict[str, str] = {}
    name: str | None = None
    value = bytearray()
    async for event in events:
        if isinstance(event, MultipartSegment):
            if event.name == "file":
                return fields
            name, value = event.name, bytearray()
        elif event is None:
            if name is None or len(fields) >= MAX_FORM_FIELDS:
                raise ClientException("too many form fields")
            try:
                fields[name] = value.decode()
            except UnicodeDecodeError:
                raise ClientException("form fields must be UTF-8") from None
        else:
            value += event
            if len(value) > MAX_FIELD_BYTES:
                raise ClientException("a form field is too long")
    raise ClientException("the form has no file part")


async def _file_part(events: AsyncIterator[Any]) -> AsyncIterator[bytes]:
    """The ``file`` part's bytes; what follows it is ignored (as S3 does)."""
    async for event in events:
        if event is None or isinstance(event, MultipartSegment):
            return
        yield event
