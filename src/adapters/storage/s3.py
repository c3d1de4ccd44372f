"""Object storage on S3 (AWS, SeaweedFS, MinIO) with boto3: path-style addressing, SigV4.

**One bucket, a prefix per purpose** (``videos/``, ``images/``, ... ``backups/``), by default.
The deployment configures one bucket (``LYCEUM_S3_BUCKET``); lifecycle rules, IAM policies,
replication filters and storage-class transitions can all be written per prefix; one CORS
configuration serves browser uploads; and bucket names are global on AWS, so a bucket per
purpose would need a naming scheme per deployment. What a prefix cannot give is a bucket-level
feature for one purpose only (Object Lock for backups, say): ``buckets={Purpose.BACKUPS: ...}``
moves a purpose to a bucket of its own without changing any key.

**Checksums**: every upload carries ``x-amz-checksum-sha256`` (``ChecksumAlgorithm=SHA256``),
which S3 and SeaweedFS verify server-side (``BadDigest`` -> ``ChecksumMismatch``, nothing
stored). Single-part objects keep that checksum; multipart uploads send one per part (each
verified by the server) and the adapter checks the server's composite checksum on completion.
The whole-object SHA-256 of a multipart ``put`` is computed here while hashing the parts (same
pass over the same bytes) and kept as ``x-amz-meta-sha256``. Downloads of whole single-part
objects are verified by botocore against the stored checksum as they stream.

Payload signing is off (``UNSIGNED-PAYLOAD``): the signed checksum header already binds the
body, and it saves a full extra read of every upload. boto3 is synchronous: every call runs in
a worker thread (``asyncio.to_thread``). botocore exceptions never leave this module.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, FlexibleChecksumError, ParamValidationError
from urllib3.exceptions import HTTPError as Urllib3Error

from adapters.storage import (
    ChunkReader,
    FileSlice,
    HashingSink,
    b64_to_hex,
    check_source,
    content_disposition,
    download_to,
    feed,
    hex_to_b64,
)
from core.shared.errors import (
    ChecksumMismatch,
    DomainError,
    InvalidInput,
    InvalidObjectKey,
    ObjectNotFound,
    RangeNotSatisfiable,
    StorageUnavailable,
    UnknownBucket,
    UploadNotFound,
    UploadTooLarge,
)
from ports.shared.storage import (
    MAX_PARTS,
    MIN_PART_BYTES,
    ByteRange,
    MultipartUpload,
    ObjectInfo,
    PresignedPost,
    PresignedRequest,
    Purpose,
    PutSource,
    UploadedPart,
    check_content_type,
    check_sha256,
    check_ttl,
    make_key,
    parse_key,
)

MiB = 1024 * 1024
MAX_SINGLE_PUT_BYTES = 5 * 1024**3
MAX_OBJECT_BYTES = 5 * 1024**4
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")

_CREDENTIAL_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden", "403"}
_CREDENTIAL_CODES |= {"ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled"}
_CHECKSUM_CODES = {"BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch", "XAmzContentSHA256Mismatch"}


class S3ObjectStorage:
    """``ObjectStorage`` on S3. Construction connects to nothing; clients are built lazily."""

    name = "storage"
    kind = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        default_ttl_seconds: int = 300,
        presign_endpoint_url: str | None = None,
        buckets: Mapping[Purpose, str] | None = None,
        multipart_threshold: int = 16 * MiB,
        part_size: int = 8 * MiB,
        part_concurrency: int = 4,
        connect_timeout: float = 3.0,
        read_timeout: float = 60.0,
        max_attempts: int = 3,
        max_pool_connections: int = 16,
        spool_dir: Path | None = None,
    ) -> None:
        self._buckets = {purpose: bucket for purpose in Purpose} | dict(buckets or {})
        for name in set(self._buckets.values()):
            if not _BUCKET_NAME.fullmatch(name) or ".." in name:
                raise ValueError(f"not a valid S3 bucket name: {name!r}")
        if part_size < MIN_PART_BYTES or multipart_threshold < part_size:
            raise ValueError("need 5 MiB <= part_size <= multipart_threshold")
        self._endpoint_url = endpoint_url
        self._presign_endpoint_url = presign_endpoint_url or endpoint_url
        self._region = region
        self._credentials = (access_key_id, secret_access_key)
        self._default_ttl = check_ttl(default_ttl_seconds)
        self._threshold = multipart_threshold
        self._part_size = part_size
        self._part_concurrency = max(1, part_concurrency)
        self._timeouts = (connect_timeout, read_timeout)
        self._max_attempts = max_attempts
        self._max_pool_connections = max_pool_connections
        self._spool_dir = spool_dir
        self._lock = threading.Lock()
        self._clients: dict[str, BaseClient] = {}

    def __repr__(self) -> str:  # never the credentials
        return f"S3ObjectStorage(bucket={self._buckets[Purpose.VIDEOS]!r}, endpoint_url={self._endpoint_url!r})"

    # -- clients --------------------------------------------------------------------------

    def _client(self, role: str = "main") -> BaseClient:
        """``main`` for calls, ``presign`` for URLs clients will use, ``probe`` for readiness
        (one attempt, short timeouts). Built in a worker thread: boto3 loads its models from disk."""
        with self._lock:
            client = self._clients.get(role)
            if client is None:
                connect, read = self._timeouts
                attempts = self._max_attempts
                if role == "probe":
                    connect, read, attempts = min(connect, 1.5), min(read, 2.0), 1
                config = Config(
                    signature_version="s3v4",
                    region_name=self._region,
                    s3={"addressing_style": "path", "payload_signing_enabled": False},
                    connect_timeout=connect,
                    read_timeout=read,
                    retries={"max_attempts": attempts, "mode": "standard"},
                    max_pool_connections=self._max_pool_connections,
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_supported",
                    tcp_keepalive=True,
                )
                session = boto3.session.Session(
                    aws_access_key_id=self._credentials[0],
                    aws_secret_access_key=self._credentials[1],
                    region_name=self._region,
                )
                endpoint = self._presign_endpoint_url if role == "presign" else self._endpoint_url
                client = session.client("s3", endpoint_url=endpoint, config=config)
                self._clients[role] = client
            return client

    def close(self) -> None:
        """Release pooled connections (call at shutdown)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    async def _call(self, operation: str, *, key: str | None = None, role: str = "main", **params: Any) -> Any:
        def invoke() -> Any:
            return getattr(self._client(role), operation)(**params)

        return await self._run(invoke, bucket=params.get("Bucket"), key=key)

    async def _run(self, work: Callable[[], Any], *, bucket: str | None, key: str | None = None) -> Any:
        try:
            return await asyncio.to_thread(work)
        except DomainError:
            raise
        except Exception as exc:
            raise self._translate(exc, bucket=bucket, key=key) from exc

    # -- keys, buckets, readiness ---------------------------------------------------------

    def new_key(self, purpose: Purpose, *, extension: str | None = None) -> str:
        return make_key(purpose, extension=extension)

    def _bucket(self, key: str) -> str:
        return self._buckets[parse_key(key)]

    async def ensure_buckets(self) -> None:
        for bucket in sorted(set(self._buckets.values())):
            try:
                await self._call("head_bucket", Bucket=bucket)
                continue
            except UnknownBucket:
                pass
            params: dict[str, Any] = {"Bucket": bucket}
            if self._region != "us-east-1":
                params["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
            try:
                await self._call("create_bucket", **params)
            except StorageUnavailable as exc:
                if exc.details.get("reason") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    async def check(self) -> None:
        for bucket in sorted(set(self._buckets.values())):
            await self._call("head_bucket", role="probe", Bucket=bucket)

    # -- objects --------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        source: PutSource,
        *,
        content_type: str,
        sha256: str | None = None,
        max_bytes: int | None = None,
    ) -> ObjectInfo:
        bucket = self._bucket(key)
        content_type, expected = check_content_type(content_type), check_sha256(sha256)
        limit = MAX_OBJECT_BYTES if max_bytes is None else min(max_bytes, MAX_OBJECT_BYTES)
        await check_source(source)

        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            if len(data) > limit:
                raise UploadTooLarge(details={"max_bytes": limit})
            if len(data) <= self._threshold:
                digest = expected if expected is not None else await asyncio.to_thread(_sha256_hex, data)
                return await self._put_single(bucket, key, lambda: io.BytesIO(data), len(data), content_type, digest)
            sink = HashingSink(None, max_bytes=None, part_size=self._part_size)
            await asyncio.to_thread(sink.write, data)
            return await self._put_parts(
                bucket, key, content_type, expected, sink, lambda start, n: io.BytesIO(data[start : start + n])
            )

        if isinstance(source, os.PathLike):
            path = Path(source)
            size = await self._run(lambda: path.stat().st_size, bucket=bucket)
            if size > limit:
                raise UploadTooLarge(details={"max_bytes": limit})
            if size <= self._threshold and expected:
                # The server verifies the caller's checksum: one read of the file, no local pass.
                return await self._put_single(bucket, key, lambda: open(path, "rb"), size, content_type, expected)
            sink = HashingSink(None, max_bytes=None, part_size=self._part_size)
            await self._run(lambda: _hash_file(sink, path), bucket=bucket)
            return await self._put_file(bucket, key, content_type, expected, sink, path)

        # A file object or an async stream: spool it to a temporary file (hashing as it goes)
        # so parts can be sent, and retried, without holding them in memory.
        spooled = await self._run(self._spool_file, bucket=bucket)
        try:
            with spooled:
                sink = HashingSink(spooled, max_bytes=limit, part_size=self._part_size)
                try:
                    await feed(sink, source)
                    await asyncio.to_thread(spooled.flush)
                except OSError as exc:
                    raise StorageUnavailable("the upload could not be spooled", {"errno": exc.errno}) from exc
            return await self._put_file(bucket, key, content_type, expected, sink, Path(spooled.name))
        finally:
            await asyncio.to_thread(os.unlink, spooled.name)

    def _spool_file(self) -> IO[bytes]:
        return tempfile.NamedTemporaryFile(prefix="lyceum-s3-", dir=self._spool_dir, delete=False)

    async def _put_file(
        self, bucket: str, key: str, content_type: str, expected: str | None, sink: HashingSink, path: Path
    ) -> ObjectInfo:
        if sink.size <= self._threshold:
            digest = sink.finish()
            if expected and digest != expected:
                raise ChecksumMismatch(details={"key": key})
            return await self._put_single(bucket, key, lambda: open(path, "rb"), sink.size, content_type, digest)
        return await self._put_parts(bucket, key, content_type, expected, sink, lambda s, n: FileSlice(path, s, n))

    async def _put_single(
        self, bucket: str, key: str, opener: Callable[[], IO[bytes]], size: int, content_type: str, digest: str
    ) -> ObjectInfo:
        if size > MAX_SINGLE_PUT_BYTES:
            raise UploadTooLarge(details={"max_bytes": MAX_SINGLE_PUT_BYTES})

        def upload() -> dict[str, Any]:
            with opener() as body:
                response: dict[str, Any] = self._client().put_object(
                    Bucket=bucket,
                    Key=key,
                    Body=body,
                    ContentLength=size,
                    ContentType=content_type,
                    ChecksumAlgorithm="SHA256",
                    ChecksumSHA256=hex_to_b64(digest),
                    Metadata={"sha256": digest},
                )
                return response

        response = await self._run(upload, bucket=bucket, key=key)
        return ObjectInfo(key, size, content_type, digest, response.get("ETag"), dt.datetime.now(dt.UTC))

    async def _put_parts(
        self,
        bucket: str,
        key: str,
        content_type: str,
        expected: str | None,
        sink: HashingSink,
        open_part: Callable[[int, int], Any],  # a file-like part body
    ) -> ObjectInfo:
        whole = sink.finish()
        if expected and whole != expected:  # known before a byte is sent: the parts are hashed already
            raise ChecksumMismatch(details={"key": key})
        digests, size = sink.part_digests, sink.size
        if len(digests) > MAX_PARTS:
            raise UploadTooLarge(details={"max_bytes": MAX_PARTS * self._part_size})
        created = await self._call(
            "create_multipart_upload",
            key=key,
            Bucket=bucket,
            Key=key,
            ContentType=content_type,
            ChecksumAlgorithm="SHA256",
            Metadata={"sha256": whole},
        )
        upload_id: str = created["UploadId"]
        semaphore = asyncio.Semaphore(self._part_concurrency)

        async def send(index: int) -> dict[str, Any]:
            start = index * self._part_size
            length = min(self._part_size, size - start)

            def upload() -> dict[str, Any]:
                with open_part(start, length) as body:
                    response: dict[str, Any] = self._client().upload_part(
                        Bucket=bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=index + 1,
                        Body=body,
                        ContentLength=length,
                        ChecksumAlgorithm="SHA256",
                        ChecksumSHA256=base64.b64encode(digests[index]).decode(),
                    )
                    return response

            async with semaphore:
                response = await self._run(upload, bucket=bucket, key=key)
            return {
                "PartNumber": index + 1,
                "ETag": response["ETag"],
                "ChecksumSHA256": hex_to_b64(digests[index].hex()),
            }

        tasks = [asyncio.ensure_future(send(index)) for index in range(len(digests))]
        try:
            parts = await asyncio.gather(*tasks)
            await self._complete(bucket, key, upload_id, parts, digests)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.shield(self._abort_quietly(bucket, key, upload_id))
            raise
        return ObjectInfo(key, size, content_type, whole, None, dt.datetime.now(dt.UTC))

    async def _complete(
        self, bucket: str, key: str, upload_id: str, parts: Sequence[Mapping[str, Any]], digests: Sequence[bytes]
    ) -> dict[str, Any]:
        response: dict[str, Any] = await self._call(
            "complete_multipart_upload",
            key=key,
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": list(parts)},
        )
        composite = base64.b64encode(hashlib.sha256(b"".join(digests)).digest()).decode() + f"-{len(digests)}"
        reported = response.get("ChecksumSHA256")
        if reported is not None and reported != composite:
            await self._call("delete_object", key=key, Bucket=bucket, Key=key)
            raise ChecksumMismatch("the assembled object does not match its parts", {"key": key})
        return response

    async def _abort_quietly(self, bucket: str, key: str, upload_id: str) -> None:
        with contextlib.suppress(DomainError):
            await self._call("abort_multipart_upload", key=key, Bucket=bucket, Key=key, UploadId=upload_id)

    async def get(self, key: str, *, max_bytes: int = 8 * MiB) -> bytes:
        reader = await self.open(key)
        return await reader.read_all(max_bytes)

    async def open(
        self, key: str, *, byte_range: ByteRange | None = None, chunk_size: int = 1024 * 1024
    ) -> ChunkReader:
        bucket = self._bucket(key)
        params: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if byte_range is None:
            params["ChecksumMode"] = "ENABLED"  # botocore verifies whole single-part objects as they stream
        else:
            params["Range"] = _range_header(byte_range)
        try:
            response = await self._call("get_object", key=key, **params)
        except ObjectNotFound:
            raise await self._missing(bucket, key) from None
        body = response["Body"]
        offset, length, total = 0, int(response["ContentLength"]), int(response["ContentLength"])
        if byte_range is not None and (match := _CONTENT_RANGE.fullmatch(response.get("ContentRange", ""))):
            offset, total = int(match[1]), int(match[3])
            length = int(match[2]) - offset + 1
        info = self._info(key, response, size=total)
        return ChunkReader(
            info,
            offset=offset,
            length=length,
            read=body.read,
            close=body.close,
            chunk_size=chunk_size,
            translate=lambda exc: self._translate(exc, bucket=bucket, key=key),
            at_end=(lambda: body.read(1)) if byte_range is None else None,
        )

    async def download(self, key: str, destination: os.PathLike[str]) -> ObjectInfo:
        return await download_to(await self.open(key), destination)

    async def head(self, key: str) -> ObjectInfo:
        bucket = self._bucket(key)
        try:
            response = await self._call("head_object", key=key, Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        except ObjectNotFound:
            raise await self._missing(bucket, key) from None
        return self._info(key, response, size=int(response["ContentLength"]))

    async def exists(self, key: str) -> bool:
        try:
            await self.head(key)
        except ObjectNotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        bucket = self._bucket(key)
        await self._call("delete_object", key=key, Bucket=bucket, Key=key)

    async def _missing(self, bucket: str, key: str) -> DomainError:
        """A 404 on HEAD has no body: ask whether the bucket or the object is missing."""
        try:
            await self._call("head_bucket", Bucket=bucket)
        except DomainError as exc:
            return exc
        return ObjectNotFound(details={"key": key})

    def _info(self, key: str, response: Mapping[str, Any], *, size: int) -> ObjectInfo:
        metadata = response.get("Metadata") or {}
        sha = metadata.get("sha256")
        if sha is not None and not re.fullmatch(r"[0-9a-f]{64}", sha):
            sha = None
        checksum = response.get("ChecksumSHA256")
        if sha is None and checksum and response.get("ChecksumType") != "COMPOSITE" and "-" not in checksum:
            sha = b64_to_hex(checksum)
        return ObjectInfo(
            key=key,
            size=size,
            content_type=response.get("ContentType") or "application/octet-stream",
            sha256=sha,
            etag=response.get("ETag"),
            last_modified=response.get("LastModified"),
        )

    # -- presigned URLs -------------------------------------------------------------------

    def _ttl(self, ttl_seconds: int | None) -> int:
        return self._default_ttl if ttl_seconds is None else check_ttl(ttl_seconds)

    async def presigned_get(
        self, key: str, *, ttl_seconds: int | None = None, filename: str | None = None, inline: bool = False
    ) -> PresignedRequest:
        bucket, ttl = self._bucket(key), self._ttl(ttl_seconds)
        params: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if filename or inline:
            params["ResponseContentDisposition"] = content_disposition(filename, inline=inline)
        url = await self._run(
            lambda: self._client("presign").generate_presigned_url("get_object", Params=params, ExpiresIn=ttl),
            bucket=bucket,
        )
        return PresignedRequest(url, "GET", {}, _expires(ttl))

    async def presigned_put(
        self, key: str, *, content_type: str, ttl_seconds: int | None = None, sha256: str | None = None
    ) -> PresignedRequest:
        bucket, ttl = self._bucket(key), self._ttl(ttl_seconds)
        content_type, sha = check_content_type(content_type), check_sha256(sha256)
        params: dict[str, Any] = {"Bucket": bucket, "Key": key, "ContentType": content_type}
        headers = {"Content-Type": content_type}
        if sha:
            params["ChecksumSHA256"] = headers["x-amz-checksum-sha256"] = hex_to_b64(sha)
        url = await self._run(
            lambda: self._client("presign").generate_presigned_url("put_object", Params=params, ExpiresIn=ttl),
            bucket=bucket,
        )
        return PresignedRequest(url, "PUT", headers, _expires(ttl))

    async def presigned_post(
        self,
        key: str,
        *,
        content_type: str,
        max_bytes: int,
        min_bytes: int = 1,
        ttl_seconds: int | None = None,
        sha256: str | None = None,
    ) -> PresignedPost:
        bucket, ttl = self._bucket(key), self._ttl(ttl_seconds)
        content_type, sha = check_content_type(content_type), check_sha256(sha256)
        if not (isinstance(min_bytes, int) and isinstance(max_bytes, int) and 0 <= min_bytes <= max_bytes):
            raise InvalidInput("storage.invalid_size_range", "need 0 <= min_bytes <= max_bytes", {"field": "max_bytes"})
        if max_bytes > MAX_SINGLE_PUT_BYTES:
            raise InvalidInput(
                "storage.invalid_size_range", "a form upload holds at most 5 GiB", {"field": "max_bytes"}
            )
        fields: dict[str, str] = {"Content-Type": content_type}
        conditions: list[Any] = [{"Content-Type": content_type}, ["content-length-range", min_bytes, max_bytes]]
        if sha:
            fields |= {"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-sha256": hex_to_b64(sha)}
            conditions += [{"x-amz-checksum-algorithm": "SHA256"}, {"x-amz-checksum-sha256": hex_to_b64(sha)}]
        post = await self._run(
            lambda: self._client("presign").generate_presigned_post(
                bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=ttl
            ),
            bucket=bucket,
        )
        return PresignedPost(post["url"], dict(post["fields"]), _expires(ttl), min_bytes, max_bytes)

    # -- multipart ------------------------------------------------------------------------

    async def create_multipart(self, key: str, *, content_type: str) -> MultipartUpload:
        bucket = self._bucket(key)
        response = await self._call(
            "create_multipart_upload",
            key=key,
            Bucket=bucket,
            Key=key,
            ContentType=check_content_type(content_type),
            ChecksumAlgorithm="SHA256",
        )
        return MultipartUpload(key, response["UploadId"])

    async def upload_part(
        self, upload: MultipartUpload, number: int, data: bytes, *, sha256: str | None = None
    ) -> UploadedPart:
        bucket = self._bucket(upload.key)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_PARTS:
            raise InvalidInput("storage.invalid_part", f"part numbers run from 1 to {MAX_PARTS}", {"field": "number"})
        if len(data) > MAX_SINGLE_PUT_BYTES:
            raise UploadTooLarge(details={"max_bytes": MAX_SINGLE_PUT_BYTES})
        given = check_sha256(sha256)
        digest = given if given is not None else await asyncio.to_thread(_sha256_hex, data)
        response = await self._call(
            "upload_part",
            key=upload.key,
            Bucket=bucket,
            Key=upload.key,
            UploadId=upload.upload_id,
            PartNumber=number,
            Body=data,
            ContentLength=len(data),
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=hex_to_b64(digest),
        )
        return UploadedPart(number, response["ETag"], digest, len(data))

    async def complete_multipart(self, upload: MultipartUpload, parts: Sequence[UploadedPart]) -> ObjectInfo:
        bucket = self._bucket(upload.key)
        numbers = [p.number for p in parts]
        if not parts or numbers != sorted(set(numbers)):
            raise InvalidInput("storage.invalid_part", "parts must be listed once each, in ascending order")
        listed = [
            {"PartNumber": p.number, "ETag": p.etag, "ChecksumSHA256": hex_to_b64(check_sha256(p.sha256) or "")}
            for p in parts
        ]
        digests = [bytes.fromhex(p.sha256) for p in parts]
        await self._complete(bucket, upload.key, upload.upload_id, listed, digests)
        return await self.head(upload.key)

    async def abort_multipart(self, upload: MultipartUpload) -> None:
        bucket = self._bucket(upload.key)
        with contextlib.suppress(UploadNotFound):
            await self._call(
                "abort_multipart_upload", key=upload.key, Bucket=bucket, Key=upload.key, UploadId=upload.upload_id
            )

    # -- errors ---------------------------------------------------------------------------

    def _translate(self, exc: Exception, *, bucket: str | None, key: str | None) -> DomainError:
        """botocore/urllib3 exceptions to storage errors. Messages never carry credentials."""
        where = {k: v for k, v in (("bucket", bucket), ("key", key)) if v is not None}
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket" or (code in ("404", "NotFound") and key is None):
                return UnknownBucket(f"bucket {bucket!r} does not exist", where)
            if code in ("NoSuchKey", "404", "NotFound"):
                return ObjectNotFound(details=where)
            if code == "NoSuchUpload":
                return UploadNotFound(details=where)
            if code in _CHECKSUM_CODES:
                return ChecksumMismatch(details=where)
            if code == "EntityTooLarge":
                return UploadTooLarge(details=where)
            if code == "EntityTooSmall":
                return InvalidInput("storage.part_too_small", "every part but the last needs at least 5 MiB", where)
            if code == "InvalidRange":
                return RangeNotSatisfiable(details=where)
            if code in ("InvalidPart", "InvalidPartOrder"):
                return InvalidInput("storage.invalid_part", "a part is missing or does not match its ETag", where)
            if code == "KeyTooLongError":
                return InvalidObjectKey(details=where)
            if code in _CREDENTIAL_CODES or status == 403:
                return StorageUnavailable("object storage refused the credentials", {**where, "reason": code})
            return StorageUnavailable("object storage failed", {**where, "reason": code or str(status)})
        if isinstance(exc, FlexibleChecksumError):
            return ChecksumMismatch("downloaded bytes do not match the stored checksum", where)
        if isinstance(exc, ParamValidationError):
            return InvalidInput("storage.invalid_request", "the storage request is not valid", where)
        if isinstance(exc, (BotoCoreError, Urllib3Error, OSError)):
            return StorageUnavailable("object storage is unreachable", {**where, "reason": type(exc).__name__})
        return StorageUnavailable("object storage failed", {**where, "reason": type(exc).__name__})


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hash_file(sink: HashingSink, path: Path) -> None:
    with open(path, "rb") as reader:
        sink.copy_from(reader)


def _range_header(byte_range: ByteRange) -> str:
    first, last = byte_range.first, byte_range.last
    if first is None:
        if last is None or last <= 0:
            raise RangeNotSatisfiable()
        return f"bytes=-{last}"
    if first < 0 or (last is not None and last < first):
        raise RangeNotSatisfiable()
    return f"bytes={first}-" if last is None else f"bytes={first}-{last}"


def _expires(ttl: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=ttl)
