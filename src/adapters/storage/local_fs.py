"""Object storage on the local file system, for embedded mode (``lyceum serve`` with no S3).

Layout under ``root`` (one directory plays the role of the bucket)::

    <purpose>/<id>[.<ext>].obj          the object's bytes
    <purpose>/<id>[.<ext>].meta.json    {"content_type", "sha256", "size"}
    <purpose>/<id>/<name>.obj           derived objects (a key may be both an object and a prefix,
                                        as on S3: directories never end in ".obj")
    .tmp/                               uploads in flight (same file system, so rename is atomic)
    .uploads/<upload id>/               multipart uploads: upload.json, NNNNN.part, NNNNN.sha256

Writes stream into ``.tmp`` while hashing and counting, are fsynced, then renamed into place
(metadata first, bytes last: an object exists once its bytes do). Keys are validated against
the port's grammar before any path is built, so no ``..``, absolute path or user file name can
reach the file system.

Presigned URLs point at this app's ``/objects`` routes and carry HMAC-SHA256 signed, expiring
tokens (``signed_tokens``); the routes hand them back through ``SignedObjectServer``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

from adapters.storage import (
    ChunkReader,
    HashingSink,
    b64_to_hex,
    check_source,
    content_disposition,
    download_to,
    feed,
    hex_to_b64,
)
from adapters.storage.signed_tokens import Grant, TokenSigner
from core.shared.errors import (
    ChecksumMismatch,
    DomainError,
    InvalidInput,
    ObjectNotFound,
    StorageUnavailable,
    UnknownBucket,
    UploadNotFound,
    UploadPolicyViolation,
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
    SignedDownload,
    UploadedPart,
    check_content_type,
    check_sha256,
    check_ttl,
    make_key,
    parse_key,
)

DEFAULT_MAX_OBJECT_BYTES = 5 * 1024**3
T = TypeVar("T")
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}", re.ASCII)
_OBJ, _META = ".obj", ".meta.json"


class LocalObjectStorage:
    """``ObjectStorage`` and ``SignedObjectServer`` over a directory."""

    name = "storage"
    kind = "local"

    def __init__(
        self,
        root: Path,
        *,
        signing_secret: bytes | str,
        public_base_url: str,
        default_ttl_seconds: int = 300,
        max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
        clock: Callable[[], float] = time.time,
        fsync: bool = True,
    ) -> None:
        self._root = Path(root).absolute()
        self._signer = TokenSigner(signing_secret, clock=clock)
        self._base_url = public_base_url.rstrip("/")
        self._default_ttl = check_ttl(default_ttl_seconds)
        self._max_object_bytes = max_object_bytes
        self._clock = clock
        self._fsync = fsync

    def __repr__(self) -> str:
        return f"LocalObjectStorage(root={str(self._root)!r})"

    # -- keys, readiness ------------------------------------------------------------------

    def new_key(self, purpose: Purpose, *, extension: str | None = None) -> str:
        return make_key(purpose, extension=extension)

    async def ensure_buckets(self) -> None:
        def create() -> None:
            for sub in (".tmp", ".uploads", *(p.value for p in Purpose)):
                (self._root / sub).mkdir(parents=True, exist_ok=True)

        await self._run(create)

    async def check(self) -> None:
        def probe() -> None:
            self._require_root()
            if not os.access(self._root, os.W_OK | os.X_OK):
                raise StorageUnavailable("the storage root is not writable")

        await self._run(probe)

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
        parse_key(key)
        content_type, sha = check_content_type(content_type), check_sha256(sha256)
        await check_source(source)
        return await self._store(key, source, content_type=content_type, sha256=sha, max_bytes=max_bytes)

    async def get(self, key: str, *, max_bytes: int = 8 * 1024 * 1024) -> bytes:
        reader = await self.open(key)
        return await reader.read_all(max_bytes)

    async def open(
        self, key: str, *, byte_range: ByteRange | None = None, chunk_size: int = 1024 * 1024
    ) -> ChunkReader:
        parse_key(key)

        def opening() -> tuple[IO[bytes], ObjectInfo, int, int]:
            data = self._data_path(key)
            file = open(data, "rb")  # noqa: SIM115 - handed to the reader, which closes it
            try:
                info = self._info(key, os.fstat(file.fileno()))
                offset, length = byte_range.resolve(info.size) if byte_range else (0, info.size)
                file.seek(offset)
            except BaseException:
                file.close()
                raise
            return file, info, offset, length

        file, info, offset, length = await self._run(opening, key=key)
        return ChunkReader(
            info,
            offset=offset,
            length=length,
            read=file.read,
            close=file.close,
            chunk_size=chunk_size,
            translate=lambda exc: self._translate(exc, key) if isinstance(exc, OSError) else StorageUnavailable(),
        )

    async def download(self, key: str, destination: os.PathLike[str]) -> ObjectInfo:
        return await download_to(await self.open(key), destination)

    async def head(self, key: str) -> ObjectInfo:
        parse_key(key)
        return await self._run(lambda: self._info(key, self._data_path(key).stat()), key=key)

    async def exists(self, key: str) -> bool:
        parse_key(key)

        def probe() -> bool:
            if self._data_path(key).is_file():
                return True
            self._require_root()
            return False

        return await self._run(probe)

    async def delete(self, key: str) -> None:
        parse_key(key)

        def remove() -> None:
            self._require_root()
            self._data_path(key).unlink(missing_ok=True)
            self._meta_path(key).unlink(missing_ok=True)

        await self._run(remove, key=key)

    # -- presigned URLs (served by entrypoints.http.routes.objects) ------------------------

    async def presigned_get(
        self, key: str, *, ttl_seconds: int | None = None, filename: str | None = None, inline: bool = False
    ) -> PresignedRequest:
        parse_key(key)
        expires = self._expiry(ttl_seconds)
        disposition = content_disposition(filename, inline=inline) if filename or inline else None
        token = self._signer.sign(Grant("get", key, expires, disposition=disposition))
        return PresignedRequest(f"{self._base_url}/objects/{token}", "GET", {}, _at(expires))

    async def presigned_put(
        self, key: str, *, content_type: str, ttl_seconds: int | None = None, sha256: str | None = None
    ) -> PresignedRequest:
        parse_key(key)
        content_type, sha = check_content_type(content_type), check_sha256(sha256)
        expires = self._expiry(ttl_seconds)
        grant = Grant("put", key, expires, content_type=content_type, max_bytes=self._max_object_bytes, sha256=sha)
        headers = {"Content-Type": content_type}
        if sha:
            headers["x-amz-checksum-sha256"] = hex_to_b64(sha)
        return PresignedRequest(f"{self._base_url}/objects/{self._signer.sign(grant)}", "PUT", headers, _at(expires))

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
        parse_key(key)
        content_type, sha = check_content_type(content_type), check_sha256(sha256)
        _check_range(min_bytes, max_bytes, self._max_object_bytes)
        expires = self._expiry(ttl_seconds)
        grant = Grant("post", key, expires, content_type, min_bytes, max_bytes, sha)
        fields = {"key": key, "Content-Type": content_type, "token": self._signer.sign(grant)}
        return PresignedPost(f"{self._base_url}/objects/upload", fields, _at(expires), min_bytes, max_bytes)

    async def open_signed(
        self, token: str, *, byte_range: ByteRange | None = None, chunk_size: int = 1024 * 1024
    ) -> SignedDownload:
        grant = self._signer.verify(token, op="get")
        reader = await self.open(grant.key, byte_range=byte_range, chunk_size=chunk_size)
        return SignedDownload(reader, grant.disposition)

    async def put_signed(
        self, token: str, body: AsyncIterable[bytes], *, content_type: str | None, sha256: str | None = None
    ) -> ObjectInfo:
        grant = self._signer.verify(token, op="put")
        if content_type != grant.content_type:
            raise UploadPolicyViolation("the Content-Type differs from the signed one")
        if sha256 is not None and grant.sha256 is not None and check_sha256(sha256) != grant.sha256:
            raise UploadPolicyViolation("the checksum header differs from the signed one")
        return await self._store(
            grant.key,
            body,
            content_type=grant.content_type or "application/octet-stream",
            sha256=grant.sha256 or check_sha256(sha256),
            max_bytes=grant.max_bytes,
        )

    async def post_signed(self, fields: Mapping[str, str], body: AsyncIterable[bytes]) -> ObjectInfo:
        lowered = {name.lower(): value for name, value in fields.items()}
        grant = self._signer.verify(lowered.get("token", ""), op="post")
        if lowered.get("key") != grant.key:
            raise UploadPolicyViolation("the key differs from the signed one")
        if lowered.get("content-type") != grant.content_type:
            raise UploadPolicyViolation("the Content-Type differs from the signed one")
        checksum = lowered.get("x-amz-checksum-sha256")
        if checksum is not None and b64_to_hex(checksum) != grant.sha256:
            raise UploadPolicyViolation("the checksum differs from the signed one")
        return await self._store(
            grant.key,
            body,
            content_type=grant.content_type or "application/octet-stream",
            sha256=grant.sha256,
            max_bytes=grant.max_bytes,
            min_bytes=grant.min_bytes or 0,
        )

    # -- multipart ------------------------------------------------------------------------

    async def create_multipart(self, key: str, *, content_type: str) -> MultipartUpload:
        parse_key(key)
        content_type = check_content_type(content_type)
        upload_id = uuid.uuid4().hex

        def create() -> None:
            self._require_root()
            folder = self._root / ".uploads" / upload_id
            folder.mkdir(parents=True)
            _write_json(folder / "upload.json", {"key": key, "content_type": content_type})

        await self._run(create)
        return MultipartUpload(key, upload_id)

    async def upload_part(
        self, upload: MultipartUpload, number: int, data: bytes, *, sha256: str | None = None
    ) -> UploadedPart:
        expected = check_sha256(sha256)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_PARTS:
            raise InvalidInput("storage.invalid_part", f"part numbers run from 1 to {MAX_PARTS}", {"field": "number"})
        if len(data) > self._max_object_bytes:
            raise UploadTooLarge(details={"max_bytes": self._max_object_bytes})

        def write() -> UploadedPart:
            folder = self._upload_folder(upload)
            digest = hashlib.sha256(data).hexdigest()
            if expected and digest != expected:
                raise ChecksumMismatch(details={"part": number})
            part = folder / f"{number:05d}.part"
            temporary = folder / f".{number:05d}.{uuid.uuid4().hex}"
            try:
                with open(temporary, "wb") as file:
                    file.write(data)
                    self._sync(file)
                (folder / f"{number:05d}.sha256").write_text(digest)
                os.replace(temporary, part)
            finally:
                temporary.unlink(missing_ok=True)
            return UploadedPart(number, f'"{digest}"', digest, len(data))

        return await self._run(write)

    async def complete_multipart(self, upload: MultipartUpload, parts: Sequence[UploadedPart]) -> ObjectInfo:
        numbers = [p.number for p in parts]
        if not parts or numbers != sorted(set(numbers)):
            raise InvalidInput("storage.invalid_part", "parts must be listed once each, in ascending order")

        def assemble() -> tuple[Path, str, dict[str, Any]]:
            folder = self._upload_folder(upload)
            meta = json.loads((folder / "upload.json").read_text())
            for index, part in enumerate(parts):
                path = folder / f"{part.number:05d}.part"
                try:
                    stored = (folder / f"{part.number:05d}.sha256").read_text()
                    size = path.stat().st_size
                except FileNotFoundError:
                    raise InvalidInput("storage.invalid_part", "a listed part was never uploaded") from None
                if stored not in (part.sha256, part.etag.strip('"')):
                    raise InvalidInput("storage.invalid_part", "a part's ETag does not match the uploaded part")
                if index < len(parts) - 1 and size < MIN_PART_BYTES:
                    raise InvalidInput("storage.part_too_small", "every part but the last needs at least 5 MiB")
            temporary = self._temporary()
            try:
                with open(temporary, "wb") as file:
                    sink = HashingSink(file, max_bytes=self._max_object_bytes)
                    for part in parts:
                        with open(folder / f"{part.number:05d}.part", "rb") as reader:
                            sink.copy_from(reader)
                    digest = sink.finish()
                    self._sync(file)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
            return temporary, digest, meta

        temporary, digest, meta = await self._run(assemble)
        try:
            info = await self._run(lambda: self._commit(temporary, upload.key, meta["content_type"], digest))
        finally:
            temporary.unlink(missing_ok=True)
        await self._run(lambda: shutil.rmtree(self._root / ".uploads" / upload.upload_id, ignore_errors=True))
        return info

    async def abort_multipart(self, upload: MultipartUpload) -> None:
        if not _UPLOAD_ID.fullmatch(upload.upload_id):
            return

        def remove() -> None:
            self._require_root()
            shutil.rmtree(self._root / ".uploads" / upload.upload_id, ignore_errors=True)

        await self._run(remove)

    # -- internals ------------------------------------------------------------------------

    async def _store(
        self,
        key: str,
        source: PutSource,
        *,
        content_type: str,
        sha256: str | None,
        max_bytes: int | None,
        min_bytes: int = 0,
    ) -> ObjectInfo:
        limit = self._max_object_bytes if max_bytes is None else min(max_bytes, self._max_object_bytes)

        def opening() -> tuple[Path, IO[bytes]]:
            self._require_root()
            temporary = self._temporary()
            return temporary, open(temporary, "wb")

        temporary, file = await self._run(opening)
        try:
            try:
                sink = HashingSink(file, max_bytes=limit)
                try:
                    await feed(sink, source)
                except OSError as exc:  # the disk filled up, or the root went away
                    raise self._translate(exc) from exc
                digest = sink.finish()
                await self._run(lambda: self._sync(file))
            finally:
                await asyncio.to_thread(file.close)
            if sink.size < min_bytes:
                raise InvalidInput("storage.too_small", "the upload is smaller than allowed", {"min_bytes": min_bytes})
            if sha256 is not None and digest != sha256:
                raise ChecksumMismatch(details={"key": key})
            return await self._run(lambda: self._commit(temporary, key, content_type, digest), key=key)
        finally:
            await asyncio.to_thread(temporary.unlink, True)

    def _commit(self, temporary: Path, key: str, content_type: str, digest: str) -> ObjectInfo:
        data, meta = self._data_path(key), self._meta_path(key)
        data.parent.mkdir(parents=True, exist_ok=True)
        size = temporary.stat().st_size
        meta_temporary = self._temporary()
        try:
            _write_json(meta_temporary, {"content_type": content_type, "sha256": digest, "size": size}, self._sync)
            os.replace(meta_temporary, meta)
        finally:
            meta_temporary.unlink(missing_ok=True)
        os.replace(temporary, data)
        return self._info(key, data.stat())

    def _info(self, key: str, stat: os.stat_result) -> ObjectInfo:
        try:
            meta = json.loads(self._meta_path(key).read_text())
        except (OSError, ValueError):
            meta = {}
        sha = meta.get("sha256") if meta.get("size") == stat.st_size else None
        return ObjectInfo(
            key=key,
            size=stat.st_size,
            content_type=meta.get("content_type") or "application/octet-stream",
            sha256=sha,
            etag=f'"{sha}"' if sha else f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"',
            last_modified=dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC),
        )

    def _data_path(self, key: str) -> Path:
        return self._root / (key + _OBJ)

    def _meta_path(self, key: str) -> Path:
        return self._root / (key + _META)

    def _temporary(self) -> Path:
        folder = self._root / ".tmp"
        folder.mkdir(exist_ok=True)
        return folder / uuid.uuid4().hex

    def _upload_folder(self, upload: MultipartUpload) -> Path:
        parse_key(upload.key)
        if not isinstance(upload.upload_id, str) or not _UPLOAD_ID.fullmatch(upload.upload_id):
            raise UploadNotFound()
        self._require_root()
        folder = self._root / ".uploads" / upload.upload_id
        try:
            meta = json.loads((folder / "upload.json").read_text())
        except FileNotFoundError:
            raise UploadNotFound() from None
        if meta.get("key") != upload.key:
            raise UploadNotFound()
        return folder

    def _require_root(self) -> None:
        if self._root.is_dir():
            return
        if self._root.exists():
            raise StorageUnavailable("the storage root is not a directory")
        raise UnknownBucket("the storage root directory does not exist")

    def _sync(self, file: IO[bytes]) -> None:
        file.flush()
        if self._fsync:
            os.fsync(file.fileno())

    def _expiry(self, ttl_seconds: int | None) -> int:
        ttl = self._default_ttl if ttl_seconds is None else check_ttl(ttl_seconds)
        return int(self._clock()) + ttl

    def _translate(self, exc: OSError, key: str | None = None) -> DomainError:
        try:
            self._require_root()
        except DomainError as root_error:
            return root_error
        if isinstance(exc, (FileNotFoundError, NotADirectoryError)) and key is not None:
            return ObjectNotFound(details={"key": key})
        return StorageUnavailable("the storage directory failed", {"errno": exc.errno})

    async def _run(self, work: Callable[[], T], *, key: str | None = None) -> T:
        """Run blocking file-system work in a thread; OS errors become storage errors."""
        try:
            return await asyncio.to_thread(work)
        except OSError as exc:
            raise self._translate(exc, key) from exc


def _write_json(path: Path, body: Mapping[str, Any], sync: Callable[[IO[bytes]], None] | None = None) -> None:
    with open(path, "wb") as file:
        file.write(json.dumps(body).encode())
        if sync is not None:
            sync(file)


def _at(expires: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(expires, dt.UTC)


def _check_range(min_bytes: int, max_bytes: int, ceiling: int) -> None:
    if not (isinstance(min_bytes, int) and isinstance(max_bytes, int) and 0 <= min_bytes <= max_bytes <= ceiling):
        raise InvalidInput(
            "storage.invalid_size_range", f"need 0 <= min_bytes <= max_bytes <= {ceiling}", {"field": "max_bytes"}
        )
