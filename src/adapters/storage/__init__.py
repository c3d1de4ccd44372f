"""Object storage adapters (``ports.shared.storage.ObjectStorage``): ``s3`` and ``local_fs``.

This package module holds the small, stdlib-only pieces both share: streaming a put source
into a file while hashing and counting it, a chunked async reader over a sync file-like
object, and a safe ``Content-Disposition``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import os
import re
import unicodedata
import urllib.parse
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from core.shared.errors import ChecksumMismatch, InvalidInput, StorageUnavailable, UploadTooLarge
from ports.shared.storage import ObjectInfo

COPY_CHUNK = 1024 * 1024


def hex_to_b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def b64_to_hex(b64_digest: str) -> str | None:
    try:
        raw = base64.b64decode(b64_digest, validate=True)
    except (ValueError, TypeError):
        return None
    return raw.hex() if len(raw) == 32 else None


def content_disposition(filename: str | None, *, inline: bool = False) -> str:
    """``attachment; filename="report.pdf"; filename*=UTF-8''r%C3%A9port.pdf`` (RFC 6266).

    ``filename`` may come from a user: only its last path component is kept, control and
    separator characters go, it is cut to 150 characters; the ASCII fallback holds only
    ``[A-Za-z0-9._()-]`` and spaces, so nothing can break out of the quoted string.
    """
    kind = "inline" if inline else "attachment"
    if not filename:
        return kind
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")[:150]
    if not name:
        return kind
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = re.sub(r"[^A-Za-z0-9._() -]+", "_", fallback).strip(" ._") or "download"
    encoded = urllib.parse.quote(name, safe="")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


class HashingSink:
    """Counts and hashes bytes (whole object and, optionally, per part) and writes them to a
    file if given. Raises ``UploadTooLarge`` the moment the count passes ``max_bytes``."""

    def __init__(self, file: IO[bytes] | None, *, max_bytes: int | None, part_size: int | None = None) -> None:
        self.file = file
        self.max_bytes = max_bytes
        self.size = 0
        self._whole = hashlib.sha256()
        self._part_size = part_size
        self._part = hashlib.sha256()
        self._in_part = 0
        self.part_digests: list[bytes] = []

    def write(self, data: bytes | memoryview) -> None:
        if not data:
            return
        self.size += len(data)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise UploadTooLarge(details={"max_bytes": self.max_bytes})
        self._whole.update(data)
        if self.file is not None:
            self.file.write(data)
        if self._part_size is None:
            return
        view = memoryview(data)
        while view:
            room = self._part_size - self._in_part
            piece, view = view[:room], view[room:]
            self._part.update(piece)
            self._in_part += len(piece)
            if self._in_part == self._part_size:
                self.part_digests.append(self._part.digest())
                self._part, self._in_part = hashlib.sha256(), 0

    def finish(self) -> str:
        """The whole SHA-256 (hex); closes the last part."""
        if self._part_size is not None and (self._in_part or not self.part_digests):
            self.part_digests.append(self._part.digest())
            self._part, self._in_part = hashlib.sha256(), 0
        return self._whole.hexdigest()

    def copy_from(self, reader: IO[bytes]) -> None:
        while chunk := reader.read(COPY_CHUNK):
            self.write(chunk)


async def feed(sink: HashingSink, source: bytes | os.PathLike[str] | IO[bytes] | AsyncIterable[bytes]) -> None:
    """Stream any put source into ``sink``: blocking reads and writes happen in a thread, an
    async stream is gathered into ~1 MiB blocks per thread hop."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        await asyncio.to_thread(sink.write, bytes(source))
    elif isinstance(source, os.PathLike):

        def copy_path() -> None:
            with open(source, "rb") as reader:
                sink.copy_from(reader)

        await asyncio.to_thread(copy_path)
    elif hasattr(source, "read"):
        await asyncio.to_thread(sink.copy_from, source)  # type: ignore[arg-type]
    elif isinstance(source, AsyncIterable):
        buffer = bytearray()
        async for chunk in source:
            buffer += chunk
            if sink.max_bytes is not None and sink.size + len(buffer) > sink.max_bytes:
                await asyncio.to_thread(sink.write, bytes(buffer))  # raises UploadTooLarge
            if len(buffer) >= COPY_CHUNK:
                await asyncio.to_thread(sink.write, bytes(buffer))
                buffer.clear()
        if buffer:
            await asyncio.to_thread(sink.write, bytes(buffer))
    else:
        raise TypeError(f"cannot store a {type(source).__name__}")


async def check_source(source: object) -> None:
    """A path to store must be a readable file: a caller's mistake, not a storage failure."""
    if isinstance(source, os.PathLike) and not await asyncio.to_thread(os.path.isfile, source):
        raise InvalidInput("storage.invalid_source", "the file to store does not exist", {"field": "source"})


class FileSlice(io.RawIOBase):
    """A read-only, seekable window [start, start+length) of a file: a multipart part body
    that an SDK can stream (and rewind on retry) without holding the part in memory."""

    def __init__(self, path: os.PathLike[str] | str, start: int, length: int) -> None:
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._start, self._length, self._pos = start, length, 0
        self._file.seek(start)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def __len__(self) -> int:
        return self._length

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, min(self._length, base + offset))
        self._file.seek(self._start + self._pos)
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        remaining = self._length - self._pos
        if size is None or size < 0 or size > remaining:
            size = remaining
        data = self._file.read(size)
        self._pos += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()


class ChunkReader:
    """``ObjectReader`` over a blocking file-like body: each read runs in a thread."""

    def __init__(
        self,
        info: ObjectInfo,
        *,
        offset: int,
        length: int,
        read: Callable[[int], bytes],
        close: Callable[[], None],
        chunk_size: int,
        translate: Callable[[Exception], Exception],
        at_end: Callable[[], object] | None = None,
    ) -> None:
        self.info = info
        self.offset = offset
        self.length = length
        self._read = read
        self._close = close
        self._chunk_size = max(1, chunk_size)
        self._translate = translate
        self._at_end = at_end
        self._closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        remaining = self.length
        try:
            while remaining > 0:
                try:
                    chunk = await asyncio.to_thread(self._read, min(self._chunk_size, remaining))
                except Exception as exc:
                    raise self._translate(exc) from exc
                if not chunk:
                    raise StorageUnavailable("the object ended before its announced length")
                remaining -= len(chunk)
                if remaining <= 0 and self._at_end is not None:
                    # e.g. let an SDK see the end of the body, where it verifies a checksum
                    try:
                        await asyncio.to_thread(self._at_end)
                    except Exception as exc:
                        raise self._translate(exc) from exc
                yield chunk
        finally:
            await self.aclose()

    async def read_all(self, max_bytes: int) -> bytes:
        if self.length > max_bytes:
            await self.aclose()
            raise UploadTooLarge("the object is larger than this read allows", {"max_bytes": max_bytes})
        out = bytearray()
        async for chunk in self:
            out += chunk
        return bytes(out)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            # Releasing a connection or a file must not mask the real outcome.
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._close)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def replace_atomically(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, destination)


async def download_to(reader: ChunkReader, destination: os.PathLike[str]) -> ObjectInfo:
    """Stream ``reader`` into ``destination`` atomically (a hidden partial file, then a rename),
    verifying the object's SHA-256 when it is known; a failed download leaves nothing behind."""
    target = Path(destination)
    partial = target.with_name(f".{target.name}.{os.urandom(8).hex()}.part")
    try:
        try:
            file = await asyncio.to_thread(open, partial, "wb")
            try:
                sink = HashingSink(file, max_bytes=None)
                await feed(sink, reader)
                digest = sink.finish()
            finally:
                await asyncio.to_thread(file.close)
            if reader.info.sha256 and digest != reader.info.sha256:
                raise ChecksumMismatch("the object does not match its stored checksum", {"key": reader.info.key})
            await asyncio.to_thread(os.replace, partial, target)
        except OSError as exc:
            raise StorageUnavailable("the download could not be written", {"errno": exc.errno}) from exc
    finally:
        await reader.aclose()
        await asyncio.to_thread(partial.unlink, True)
    return reader.info
