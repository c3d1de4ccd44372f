"""The ObjectStorage contract: every test runs, unchanged, on the local file-system adapter and
on the S3 adapter against a real SeaweedFS."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import time
import tracemalloc
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.health import AdapterCheck
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
from ports.shared.storage import MIN_PART_BYTES, ByteRange, ObjectStorage, Purpose, derived_key, parse_key
from tests.integration.storage.conftest import Backend, objects_app

UUID7 = r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
        await asyncio.sleep(0)


def tamper(url: str) -> str:
    """Flip one character in the middle of the signature (S3's X-Amz-Signature, or the MAC
    segment of a local token)."""
    if "X-Amz-Signature=" in url:
        head, signature = url.split("X-Amz-Signature=", 1)
        middle = len(signature) // 2
        flipped = "0" if signature[middle] != "0" else "1"
        return f"{head}X-Amz-Signature={signature[:middle]}{flipped}{signature[middle + 1 :]}"
    head, mac = url.rsplit(".", 1)
    middle = len(mac) // 2
    flipped = "A" if mac[middle] != "A" else "B"
    return f"{head}.{mac[:middle]}{flipped}{mac[middle + 1 :]}"


def tamper_field(value: str) -> str:
    if "." in value:  # a local token: flip a character of its MAC
        head, mac = value.rsplit(".", 1)
        return f"{head}.{mac[:5]}{'A' if mac[5] != 'A' else 'B'}{mac[6:]}"
    return value[:5] + ("0" if value[5] != "0" else "1") + value[6:]  # an S3 hex signature


# -- keys -------------------------------------------------------------------------------------


async def test_keys_are_generated_by_the_server(storage: ObjectStorage) -> None:
    first = storage.new_key(Purpose.VIDEOS, extension=".MP4")
    second = storage.new_key(Purpose.VIDEOS, extension="mp4")
    assert re.fullmatch(rf"videos/{UUID7}\.mp4", first)
    assert first != second
    assert first < second  # UUIDv7: time-ordered
    assert re.fullmatch(rf"documents/{UUID7}", storage.new_key(Purpose.DOCUMENTS))
    for purpose in Purpose:
        assert parse_key(storage.new_key(purpose, extension="bin")) is purpose
    for extension in ("../x", "p/df", "tar.gz", "e\nxe", "pdf ", "\uff50\uff44\uff46", "x" * 11, "ph\u0440"):
        if extension == "pdf ":
            assert storage.new_key(Purpose.DOCUMENTS, extension=extension).endswith(".pdf")  # trimmed
            continue
        with pytest.raises(InvalidObjectKey):
            storage.new_key(Purpose.DOCUMENTS, extension=extension)


BAD_KEYS = [
    "../etc/passwd",
    "/etc/passwd",
    "videos/../../etc/passwd",
    "videos/0193a5b4-7c1e-7000-8000-000000000000/../../../etc/passwd",
    "videos/0193a5b4-7c1e-7000-8000-000000000000/./x",
    "videos\\0193a5b4-7c1e-7000-8000-000000000000",
    "//videos/0193a5b4-7c1e-7000-8000-000000000000",
    "videos/0193a5b4-7c1e-7000-8000-000000000000%2F..%2Fx",
    "v\u0456deos/0193a5b4-7c1e-7000-8000-000000000000",  # Cyrillic i
    "videos\uff0f0193a5b4-7c1e-7000-8000-000000000000",  # fullwidth solidus
    "videos/0193A5B4-7C1E-7000-8000-000000000000",  # not the canonical (lower-case) form
    "videos/0193a5b4-7c1e-4000-8000-000000000000",  # UUIDv4: not one we generate
    "videos/0193a5b4-7c1e-7000-8000-000000000000\n",
    "videos/0193a5b4-7c1e-7000-8000-000000000000\x00.mp4",
    "videos/0193a5b4-7c1e-7000-8000-000000000000.mp4/x",
    "videos/0193a5b4-7c1e-7000-8000-000000000000/" + "/".join(["a" * 60] * 4 + ["b" * 60]),
    "videos/0193a5b4-7c1e-7000-8000-000000000000/" + "a" * 300,
    "secrets/0193a5b4-7c1e-7000-8000-000000000000",
    "My Holiday Video.mp4",
    "",
]


async def test_user_paths_never_become_keys(backend: Backend, tmp_path: Path) -> None:
    storage = backend.storage
    for key in BAD_KEYS:
        for attempt in (
            storage.put(key, b"x", content_type="text/plain"),
            storage.get(key),
            storage.open(key),
            storage.head(key),
            storage.exists(key),
            storage.delete(key),
            storage.download(key, tmp_path / "out"),
            storage.presigned_get(key),
            storage.presigned_put(key, content_type="text/plain"),
            storage.presigned_post(key, content_type="text/plain", max_bytes=10),
            storage.create_multipart(key, content_type="text/plain"),
        ):
            with pytest.raises(InvalidObjectKey):
                await attempt
    assert not (tmp_path / "out").exists()
    if backend.kind == "local":  # nothing escaped the storage root
        assert not any(tmp_path.glob("etc*"))


async def test_derived_keys_live_under_their_parent(storage: ObjectStorage) -> None:
    parent = storage.new_key(Purpose.VIDEOS, extension="mp4")
    segment = derived_key(parent, "hls/720p/seg-00001.ts")
    assert segment == parent.removesuffix(".mp4") + "/hls/720p/seg-00001.ts"
    await storage.put(parent, b"original", content_type="video/mp4")
    await storage.put(segment, b"segment", content_type="video/mp2t")
    assert await storage.get(parent) == b"original"
    assert await storage.get(segment) == b"segment"
    assert (await storage.head(segment)).content_type == "video/mp2t"
    for name in ("../x", "a/../b", "A.ts", "a.b.ts", "/x", "x/", "", "a//b", "a/b/c/d/e"):
        with pytest.raises(InvalidObjectKey):
            derived_key(parent, name)
    with pytest.raises(InvalidObjectKey):
        derived_key(segment, "again")


# -- put / get / head / delete ----------------------------------------------------------------


async def test_put_get_head_exists_delete(storage: ObjectStorage) -> None:
    key = storage.new_key(Purpose.DOCUMENTS, extension="txt")
    data = b"hello, lyceum\n" * 100
    assert not await storage.exists(key)

    info = await storage.put(key, data, content_type="text/plain; charset=utf-8")

    assert (info.key, info.size, info.sha256) == (key, len(data), sha(data))
    assert await storage.exists(key)
    assert await storage.get(key) == data
    head = await storage.head(key)
    assert (head.size, head.content_type, head.sha256) == (len(data), "text/plain; charset=utf-8", sha(data))
    assert head.etag and head.last_modified is not None

    replaced = b"second version"
    await storage.put(key, replaced, content_type="text/plain")
    assert await storage.get(key) == replaced
    assert (await storage.head(key)).sha256 == sha(replaced)

    await storage.delete(key)
    assert not await storage.exists(key)
    for missing in (storage.head(key), storage.get(key), storage.open(key)):
        with pytest.raises(ObjectNotFound) as caught:
            await missing
        assert caught.value.code == "storage.not_found"
    await storage.delete(key)  # deleting a missing key is fine


async def test_put_accepts_paths_files_and_async_streams(storage: ObjectStorage, tmp_path: Path) -> None:
    data = os.urandom(300_000)
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    for payload in (source, io.BytesIO(data), chunks(data, 4096)):
        key = storage.new_key(Purpose.SUBMISSIONS, extension="bin")
        info = await storage.put(key, payload, content_type="application/octet-stream")
        assert (info.size, info.sha256) == (len(data), sha(data))
        assert await storage.get(key) == data


async def test_checksum_is_verified_and_a_mismatch_stores_nothing(storage: ObjectStorage, tmp_path: Path) -> None:
    data = b"%PDF-1.7 certificate"
    key = storage.new_key(Purpose.CERTIFICATES, extension="pdf")
    info = await storage.put(key, data, content_type="application/pdf", sha256=sha(data).upper())
    assert info.sha256 == sha(data)

    source = tmp_path / "doc.pdf"
    source.write_bytes(data)
    for payload in (b"tampered in transit", source, chunks(b"tampered in transit")):
        other = storage.new_key(Purpose.CERTIFICATES, extension="pdf")
        with pytest.raises(ChecksumMismatch) as caught:
            await storage.put(other, payload, content_type="application/pdf", sha256=sha(b"something else"))
        assert caught.value.code == "storage.checksum_mismatch"
        assert not await storage.exists(other)

    with pytest.raises(InvalidInput) as no_file:
        await storage.put(key, tmp_path / "missing.pdf", content_type="application/pdf")
    assert no_file.value.code == "storage.invalid_source"
    with pytest.raises(InvalidInput) as invalid:
        await storage.put(key, data, content_type="application/pdf", sha256="not-hex")
    assert invalid.value.code == "storage.invalid_checksum"
    for bad_type in ("text/html\r\nSet-Cookie: a=b", "text/html;\r\n charset=utf-8", "text", "a/b/c", ""):
        with pytest.raises(InvalidInput) as rejected:
            await storage.put(key, data, content_type=bad_type)
        assert rejected.value.code == "storage.invalid_content_type"
    assert await storage.get(key) == data  # failed puts left the object alone


async def test_size_limits_on_put_and_get(storage: ObjectStorage) -> None:
    data = os.urandom(5000)
    for payload in (data, io.BytesIO(data), chunks(data)):
        key = storage.new_key(Purpose.IMAGES, extension="png")
        with pytest.raises(UploadTooLarge) as caught:
            await storage.put(key, payload, content_type="image/png", max_bytes=4999)
        assert caught.value.code == "storage.too_large"
        assert not await storage.exists(key)
    key = storage.new_key(Purpose.IMAGES, extension="png")
    await storage.put(key, data, content_type="image/png", max_bytes=5000)
    with pytest.raises(UploadTooLarge):
        await storage.get(key, max_bytes=4096)


async def test_open_streams_chunks_and_byte_ranges(storage: ObjectStorage, tmp_path: Path) -> None:
    data = os.urandom(100_000)
    key = storage.new_key(Purpose.VIDEOS, extension="mp4")
    await storage.put(key, data, content_type="video/mp4")

    async with await storage.open(key, chunk_size=16_384) as reader:
        assert (reader.info.size, reader.offset, reader.length) == (len(data), 0, len(data))
        received = [chunk async for chunk in reader]
    assert b"".join(received) == data and len(received) >= 6 and max(map(len, received)) <= 16_384

    for byte_range, expected in (
        (ByteRange(10, 19), data[10:20]),
        (ByteRange(99_990, None), data[99_990:]),
        (ByteRange(None, 500), data[-500:]),
        (ByteRange(99_000, 500_000), data[99_000:]),
    ):
        reader = await storage.open(key, byte_range=byte_range)
        body = b"".join([chunk async for chunk in reader])
        assert body == expected
        assert reader.offset == len(data) - len(expected) if byte_range.first is None else byte_range.first
        assert (reader.length, reader.info.size) == (len(expected), len(data))

    with pytest.raises(RangeNotSatisfiable):
        await storage.open(key, byte_range=ByteRange(100_000, None))

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    info = await storage.download(key, downloads / "copy.mp4")
    assert (downloads / "copy.mp4").read_bytes() == data and info.sha256 == sha(data)
    assert [p.name for p in downloads.iterdir()] == ["copy.mp4"]  # no partial file left


# -- presigned URLs ---------------------------------------------------------------------------


async def test_presigned_urls_work_until_their_ttl_then_403(backend: Backend) -> None:
    storage, http = backend.storage, backend.http
    data = b"lecture notes"
    key = storage.new_key(Purpose.DOCUMENTS, extension="pdf")
    await storage.put(key, data, content_type="application/pdf")
    put_key = storage.new_key(Purpose.SUBMISSIONS, extension="zip")
    post_key = storage.new_key(Purpose.IMAGES, extension="png")

    started = time.time()
    download = await storage.presigned_get(key, ttl_seconds=2, filename='Résumé ünd "notes".pdf')
    upload = await storage.presigned_put(put_key, content_type="application/zip", ttl_seconds=2)
    form = await storage.presigned_post(post_key, content_type="image/png", max_bytes=100, ttl_seconds=2)
    assert download.expires_at.timestamp() == pytest.approx(started + 2, abs=1.5)

    got = await http.get(download.url)
    assert got.status_code == 200 and got.content == data
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%20%C3%BCnd%20%22notes%22.pdf" in disposition
    assert '"notes"' not in disposition.split(";")[1]  # the quoted fallback cannot be broken out of
    put = await http.put(upload.url, content=b"PK\x03\x04 zip", headers=dict(upload.headers))
    assert put.status_code == 200, put.text
    assert await storage.get(put_key) == b"PK\x03\x04 zip"
    posted = await http.post(form.url, data=dict(form.fields), files={"file": ("a.png", b"\x89PNG", "image/png")})
    assert posted.status_code == 204, posted.text
    assert await storage.get(post_key) == b"\x89PNG"

    await asyncio.sleep(max(0.0, started + 3.2 - time.time()))
    late_key = storage.new_key(Purpose.SUBMISSIONS, extension="zip")
    expired = [
        await http.get(download.url),
        await http.put(upload.url, content=b"too late", headers=dict(upload.headers)),
        await http.post(form.url, data=dict(form.fields), files={"file": ("b.png", b"\x89PNG late", "image/png")}),
    ]
    assert [r.status_code for r in expired] == [403, 403, 403]
    assert await storage.get(put_key) == b"PK\x03\x04 zip"
    assert await storage.get(post_key) == b"\x89PNG"
    assert not await storage.exists(late_key)


async def test_tampered_signatures_are_refused(backend: Backend) -> None:
    storage, http = backend.storage, backend.http
    key = storage.new_key(Purpose.DOCUMENTS, extension="txt")
    await storage.put(key, b"secret exam answers", content_type="text/plain")

    download = await storage.presigned_get(key)
    got = await http.get(tamper(download.url))
    assert got.status_code == 403 and b"secret exam answers" not in got.content

    put_key = storage.new_key(Purpose.SUBMISSIONS, extension="txt")
    upload = await storage.presigned_put(put_key, content_type="text/plain")
    assert (await http.put(tamper(upload.url), content=b"x", headers=dict(upload.headers))).status_code == 403
    # The content type is part of what was signed.
    assert (await http.put(upload.url, content=b"<h1>", headers={"Content-Type": "text/html"})).status_code == 403
    assert not await storage.exists(put_key)

    post_key = storage.new_key(Purpose.IMAGES, extension="png")
    form = await storage.presigned_post(post_key, content_type="image/png", max_bytes=100)
    signature_field = "x-amz-signature" if "x-amz-signature" in form.fields else "token"
    file = {"file": ("a.png", b"\x89PNG", "image/png")}
    tampered = dict(form.fields) | {signature_field: tamper_field(form.fields[signature_field])}
    other_key = dict(form.fields) | {"key": storage.new_key(Purpose.IMAGES, extension="png")}
    other_type = dict(form.fields) | {"Content-Type": "text/html"}
    for fields in (tampered, other_key, other_type):
        assert (await http.post(form.url, data=fields, files=file)).status_code == 403
    assert not await storage.exists(post_key)
    assert not await storage.exists(other_key["key"])


async def test_presigned_put_with_checksum(backend: Backend) -> None:
    storage, http = backend.storage, backend.http
    data = b"final project"
    key = storage.new_key(Purpose.SUBMISSIONS, extension="txt")
    upload = await storage.presigned_put(key, content_type="text/plain", sha256=sha(data))
    assert set(upload.headers) == {"Content-Type", "x-amz-checksum-sha256"}

    wrong = await http.put(upload.url, content=b"final projecT", headers=dict(upload.headers))
    assert 400 <= wrong.status_code < 500
    assert not await storage.exists(key)

    ok = await http.put(upload.url, content=data, headers=dict(upload.headers))
    assert ok.status_code == 200, ok.text
    assert (await storage.head(key)).sha256 == sha(data)


async def test_presigned_post_enforces_its_content_length_range(backend: Backend) -> None:
    storage, http = backend.storage, backend.http
    fits, too_big = storage.new_key(Purpose.IMAGES, extension="png"), storage.new_key(Purpose.IMAGES, extension="png")
    for key, size in ((fits, 1000), (too_big, 1001)):
        form = await storage.presigned_post(key, content_type="image/png", max_bytes=1000, min_bytes=10)
        assert (form.min_bytes, form.max_bytes) == (10, 1000)
        files = {"file": ("avatar.png", b"p" * size, "image/png")}
        response = await http.post(form.url, data=dict(form.fields), files=files)
        if key == fits:
            assert response.status_code == 204, response.text
        else:
            assert response.status_code in (400, 413), response.text  # S3: 400 EntityTooLarge
    assert await storage.get(fits) == b"p" * 1000
    assert not await storage.exists(too_big)

    small = storage.new_key(Purpose.IMAGES, extension="png")
    form = await storage.presigned_post(small, content_type="image/png", max_bytes=1000, min_bytes=10)
    response = await http.post(form.url, data=dict(form.fields), files={"file": ("a.png", b"tiny", "image/png")})
    assert response.status_code == 400
    assert not await storage.exists(small)

    data = b"avatar bytes"
    checked = storage.new_key(Purpose.IMAGES, extension="png")
    form = await storage.presigned_post(checked, content_type="image/png", max_bytes=100, sha256=sha(data))
    bad = await http.post(form.url, data=dict(form.fields), files={"file": ("a.png", b"avatar bytez", "image/png")})
    assert 400 <= bad.status_code < 500 and not await storage.exists(checked)
    good = await http.post(form.url, data=dict(form.fields), files={"file": ("a.png", data, "image/png")})
    assert good.status_code == 204 and (await storage.head(checked)).sha256 == sha(data)

    with pytest.raises(InvalidInput):
        await storage.presigned_post(checked, content_type="image/png", max_bytes=10, min_bytes=11)
    with pytest.raises(InvalidInput):
        await storage.presigned_get(checked, ttl_seconds=0)


# -- multipart --------------------------------------------------------------------------------


def write_random_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size // (1024 * 1024)):
            block = os.urandom(1024 * 1024)
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


async def test_a_20_mb_file_goes_up_in_parts_with_its_checksum(backend: Backend, tmp_path: Path) -> None:
    storage = backend.storage
    source = tmp_path / "lecture.mp4"
    expected = write_random_file(source, 20 * 1024 * 1024)
    key = storage.new_key(Purpose.VIDEOS, extension="mp4")
    assert not await storage.exists(key)  # SDK clients and their models are loaded before measuring

    tracemalloc.start()
    started = time.perf_counter()
    info = await storage.put(key, source, content_type="video/mp4", sha256=expected)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert (info.size, info.sha256) == (20 * 1024 * 1024, expected)
    head = await storage.head(key)
    assert (head.size, head.sha256, head.content_type) == (20 * 1024 * 1024, expected, "video/mp4")
    if backend.kind == "s3":
        assert head.etag and head.etag.strip('"').endswith("-3")  # 8 + 8 + 4 MiB parts
    assert peak < 12 * 1024 * 1024, f"put held {peak / 2**20:.1f} MiB"  # never the whole 20 MB
    assert elapsed < 15

    copy = tmp_path / "copy.mp4"
    await storage.download(key, copy)
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == expected

    wrong = storage.new_key(Purpose.VIDEOS, extension="mp4")
    with pytest.raises(ChecksumMismatch):
        await storage.put(wrong, source, content_type="video/mp4", sha256=sha(b"another file"))
    assert not await storage.exists(wrong)


async def test_explicit_multipart_upload(storage: ObjectStorage) -> None:
    key = storage.new_key(Purpose.BACKUPS, extension="tar")
    first, second = os.urandom(MIN_PART_BYTES), os.urandom(1234)
    upload = await storage.create_multipart(key, content_type="application/x-tar")

    with pytest.raises(ChecksumMismatch):
        await storage.upload_part(upload, 1, first, sha256=sha(second))
    part1 = await storage.upload_part(upload, 1, first, sha256=sha(first))
    part2 = await storage.upload_part(upload, 2, second)  # checksum computed by the adapter
    assert (part1.sha256, part2.sha256, part2.size) == (sha(first), sha(second), 1234)
    assert not await storage.exists(key)  # nothing visible until completed

    with pytest.raises(InvalidInput) as unordered:
        await storage.complete_multipart(upload, [part2, part1])
    assert unordered.value.code == "storage.invalid_part"
    info = await storage.complete_multipart(upload, [part1, part2])

    assert (info.size, info.content_type) == (len(first) + len(second), "application/x-tar")
    assert info.sha256 in (None, sha(first + second))  # S3 keeps only a composite checksum
    assert hashlib.sha256(await storage.get(key, max_bytes=16 * 1024 * 1024)).hexdigest() == sha(first + second)
    with pytest.raises(UploadNotFound):
        await storage.upload_part(upload, 3, b"late")

    small_key = storage.new_key(Purpose.BACKUPS, extension="tar")
    small = await storage.create_multipart(small_key, content_type="application/x-tar")
    parts = [await storage.upload_part(small, n, b"x" * 100) for n in (1, 2)]
    with pytest.raises(InvalidInput) as too_small:
        await storage.complete_multipart(small, parts)
    assert too_small.value.code == "storage.part_too_small"
    await storage.abort_multipart(small)
    with pytest.raises(UploadNotFound):
        await storage.upload_part(small, 3, b"after abort")
    await storage.abort_multipart(small)  # aborting twice is fine
    assert not await storage.exists(small_key)


# -- failures ---------------------------------------------------------------------------------


async def test_unknown_bucket_is_a_typed_error(backend: Backend, tmp_path: Path) -> None:
    storage = backend.missing_bucket()
    key = storage.new_key(Purpose.DOCUMENTS, extension="txt")
    for attempt in (
        storage.put(key, b"x", content_type="text/plain"),
        storage.get(key),
        storage.head(key),
        storage.exists(key),
        storage.delete(key),
        storage.download(key, tmp_path / "out"),
        storage.create_multipart(key, content_type="text/plain"),
        storage.check(),
    ):
        with pytest.raises(UnknownBucket) as caught:
            await attempt
        assert caught.value.code == "storage.unknown_bucket"
        assert caught.value.kind == "unavailable"


async def test_unreachable_storage_is_a_typed_error(backend: Backend, tmp_path: Path) -> None:
    storage = backend.unreachable()
    key = storage.new_key(Purpose.DOCUMENTS, extension="txt")
    started = time.perf_counter()
    for attempt in (
        storage.put(key, b"x", content_type="text/plain"),
        storage.get(key),
        storage.head(key),
        storage.exists(key),
        storage.delete(key),
        storage.check(),
    ):
        with pytest.raises(StorageUnavailable) as caught:
            await attempt
        assert caught.value.code == "storage.unavailable"
    assert time.perf_counter() - started < 10


async def test_check_and_ready(backend: Backend) -> None:
    await backend.storage.check()
    assert backend.storage.name == "storage" and backend.storage.kind == backend.kind
    down, missing = backend.unreachable(), backend.missing_bucket()
    for broken, error in ((down, StorageUnavailable), (missing, UnknownBucket)):
        with pytest.raises(error):
            await broken.check()

    # The container reports storage through an AdapterCheck (not critical: /ready says "degraded").
    for target, expected in ((backend.storage, None), (down, "StorageUnavailable"), (missing, "UnknownBucket")):
        check = AdapterCheck("storage", target.kind, target, reuse_seconds=0)
        app = objects_app(backend.storage, health_checks=[check])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/ready")
        assert response.status_code == 200
        body = response.json()
        report = body["checks"]["storage"]
        assert report["kind"] == backend.kind
        if expected is None:
            assert (body["status"], report["status"]) == ("ok", "up")
        else:
            assert (body["status"], report["status"]) == ("degraded", "down")
            assert report["error"].startswith(expected), report


async def test_no_sdk_exception_or_secret_escapes(backend: Backend) -> None:
    storage = backend.storage
    assert "secret" not in repr(storage).lower() or backend.kind == "local"
    if backend.kind == "s3":
        assert backend.storage._credentials[1] not in repr(storage)  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as caught:
        await backend.unreachable().get(storage.new_key(Purpose.IMAGES))
    assert "secret" not in f"{caught.value.message} {caught.value.details}".lower()
    key = storage.new_key(Purpose.IMAGES, extension="png")
    parsed = urllib.parse.urlsplit((await storage.presigned_get(key)).url)
    if backend.kind == "s3":
        assert backend.storage._credentials[1] not in parsed.query  # type: ignore[attr-defined]
