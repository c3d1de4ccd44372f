"""The local object store's signed URLs, served by the HTTP app, end to end (ASGI transport)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.storage.local_fs import LocalObjectStorage
from ports.shared.storage import Purpose
from tests.integration.storage.conftest import LOCAL_BASE_URL, local_storage, objects_app

PROBLEM = "application/problem+json"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(tmp_path: Path, clock: Clock) -> LocalObjectStorage:
    storage = local_storage(tmp_path / "objects", clock=clock, max_object_bytes=4 * 1024 * 1024)
    await storage.ensure_buckets()
    return storage


@pytest.fixture
async def client(store: LocalObjectStorage) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=objects_app(store))
    async with httpx.AsyncClient(transport=transport, base_url=LOCAL_BASE_URL) as http:
        yield http


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert (body["status"], body["code"]) == (status, code), body


def leftovers(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "objects" / ".tmp").iterdir())


async def test_download_streams_the_object_with_its_headers(
    store: LocalObjectStorage, client: httpx.AsyncClient
) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    key = store.new_key(Purpose.VIDEOS, extension="mp4")
    await store.put(key, data, content_type="video/mp4")
    url = (await store.presigned_get(key, filename="Lecture 1.mp4")).url
    assert url.startswith(f"{LOCAL_BASE_URL}/objects/")

    response = await client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and response.content == data
    headers = response.headers
    assert headers["content-type"] == "video/mp4"
    assert headers["content-length"] == str(len(data))
    assert "content-encoding" not in headers  # never gzipped: lengths and ranges stay true
    assert headers["content-disposition"] == "attachment; filename=\"Lecture 1.mp4\"; filename*=UTF-8''Lecture%201.mp4"
    assert headers["accept-ranges"] == "bytes"
    assert headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in headers["content-security-policy"]
    assert "last-modified" in headers


async def test_download_is_streamed_in_chunks(store: LocalObjectStorage) -> None:
    """httpx's ASGI transport buffers bodies, so speak ASGI directly and count the messages."""
    data = os.urandom(3 * 1024 * 1024)
    key = store.new_key(Purpose.VIDEOS, extension="mp4")
    await store.put(key, data, content_type="video/mp4")
    path = "/objects/" + (await store.presigned_get(key)).url.rsplit("/", 1)[1]
    sent: list[dict[str, Any]] = []
    requested, finished = False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()  # as a server does, report the disconnect once the response is sent
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"lyceum.test")],
        "client": ("127.0.0.1", 1234),
        "server": ("lyceum.test", 80),
    }
    await objects_app(store)(scope, receive, send)  # type: ignore[arg-type]
    bodies = [m["body"] for m in sent if m["type"] == "http.response.body"]
    assert sent[0]["status"] == 200
    assert b"".join(bodies) == data
    assert len([b for b in bodies if b]) == 3 and max(map(len, bodies)) == 1024 * 1024


async def test_byte_ranges(store: LocalObjectStorage, client: httpx.AsyncClient) -> None:
    data = os.urandom(10_000)
    key = store.new_key(Purpose.VIDEOS, extension="mp4")
    await store.put(key, data, content_type="video/mp4")
    url = (await store.presigned_get(key)).url

    first = await client.get(url, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and first.content == data[:100]
    assert first.headers["content-range"] == "bytes 0-99/10000" and first.headers["content-length"] == "100"
    suffix = await client.get(url, headers={"Range": "bytes=-10"})
    assert suffix.status_code == 206 and suffix.content == data[-10:]
    assert suffix.headers["content-range"] == "bytes 9990-9999/10000"
    tail = await client.get(url, headers={"Range": "bytes=9000-"})
    assert tail.status_code == 206 and tail.content == data[9000:]
    for ignored in ("bytes=abc", "bytes=0-1,5-6", "items=0-1"):
        whole = await client.get(url, headers={"Range": ignored})
        assert whole.status_code == 200 and whole.content == data
    outside = await client.get(url, headers={"Range": "bytes=10000-"})
    assert_problem(outside, 416, "storage.range_not_satisfiable")
    assert outside.headers["content-range"] == "bytes */10000"


async def test_bad_expired_and_misused_tokens_are_403(
    store: LocalObjectStorage, client: httpx.AsyncClient, clock: Clock
) -> None:
    key = store.new_key(Purpose.DOCUMENTS, extension="txt")
    await store.put(key, b"grades", content_type="text/plain")
    url = (await store.presigned_get(key, ttl_seconds=60)).url
    token = url.rsplit("/", 1)[1]
    version, payload, mac = token.split(".")

    assert (await client.get(url)).status_code == 200
    for bad in (
        "nonsense",
        f"{version}.{payload}.{mac[:-2]}",
        f"{version}.{payload}.{mac[:10]}{'A' if mac[10] != 'A' else 'B'}{mac[11:]}",
        f"{version}.{payload[:-4]}AAAA.{mac}",
        f"v2.{payload}.{mac}",
        "v1." + "A" * 5000 + ".x",
    ):
        assert_problem(await client.get(f"/objects/{bad}"), 403, "storage.invalid_signature")
    put_url = (await store.presigned_put(key, content_type="text/plain")).url
    assert_problem(await client.get(put_url), 403, "storage.invalid_signature")  # a PUT grant is not a GET grant
    assert_problem(
        await client.put(url, content=b"x", headers={"Content-Type": "text/plain"}), 403, "storage.invalid_signature"
    )

    clock.now += 60
    assert (await client.get(url)).status_code == 200  # valid through its last second
    clock.now += 1
    assert_problem(await client.get(url), 403, "storage.url_expired")

    gone = store.new_key(Purpose.DOCUMENTS, extension="txt")
    assert_problem(await client.get((await store.presigned_get(gone)).url), 404, "storage.not_found")


async def test_put_upload(store: LocalObjectStorage, client: httpx.AsyncClient, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024)  # far above the app's JSON body limit (2 KiB here)
    key = store.new_key(Purpose.SUBMISSIONS, extension="zip")
    upload = await store.presigned_put(key, content_type="application/zip")

    response = await client.put(upload.url, content=data, headers=dict(upload.headers))
    assert response.status_code == 200, response.text
    digest = hashlib.sha256(data).hexdigest()
    assert response.headers["etag"] == f'"{digest}"'
    assert response.headers["x-amz-checksum-sha256"] == base64.b64encode(bytes.fromhex(digest)).decode()
    assert await store.get(key, max_bytes=len(data)) == data

    too_big = store.new_key(Purpose.SUBMISSIONS, extension="zip")
    upload = await store.presigned_put(too_big, content_type="application/zip")
    response = await client.put(upload.url, content=os.urandom(4 * 1024 * 1024 + 1), headers=dict(upload.headers))
    assert_problem(response, 413, "storage.too_large")
    assert not await store.exists(too_big)

    wrong_type = await client.put(upload.url, content=b"<script>", headers={"Content-Type": "text/html"})
    assert_problem(wrong_type, 403, "storage.policy_violation")
    no_type = await client.put(upload.url, content=b"zip")
    assert_problem(no_type, 403, "storage.policy_violation")
    assert not await store.exists(too_big)
    assert leftovers(tmp_path) == []


async def test_put_upload_with_checksum(store: LocalObjectStorage, client: httpx.AsyncClient, tmp_path: Path) -> None:
    data = b"essay.docx bytes"
    digest = hashlib.sha256(data).hexdigest()
    key = store.new_key(Purpose.SUBMISSIONS, extension="docx")
    upload = await store.presigned_put(key, content_type="application/octet-stream", sha256=digest)
    headers = dict(upload.headers)

    corrupted = await client.put(upload.url, content=b"essay.docx bytez", headers=headers)
    assert_problem(corrupted, 422, "storage.checksum_mismatch")
    other = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    swapped = await client.put(upload.url, content=b"other", headers=headers | {"x-amz-checksum-sha256": other})
    assert_problem(swapped, 403, "storage.policy_violation")
    assert not await store.exists(key)

    assert (await client.put(upload.url, content=data, headers=headers)).status_code == 200
    assert (await store.head(key)).sha256 == digest

    unsigned = store.new_key(Purpose.SUBMISSIONS, extension="docx")
    upload = await store.presigned_put(unsigned, content_type="text/plain")
    claimed = {"Content-Type": "text/plain", "x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(digest)).decode()}
    assert_problem(await client.put(upload.url, content=b"not it", headers=claimed), 422, "storage.checksum_mismatch")
    malformed = {"Content-Type": "text/plain", "x-amz-checksum-sha256": "not base64!"}
    assert_problem(await client.put(upload.url, content=b"x", headers=malformed), 422, "storage.checksum_mismatch")
    assert not await store.exists(unsigned)
    assert leftovers(tmp_path) == []


async def test_form_upload(store: LocalObjectStorage, client: httpx.AsyncClient, tmp_path: Path, clock: Clock) -> None:
    key = store.new_key(Purpose.IMAGES, extension="png")
    form = await store.presigned_post(key, content_type="image/png", max_bytes=50_000, min_bytes=10, ttl_seconds=30)
    assert form.url == f"{LOCAL_BASE_URL}/objects/upload"
    image = os.urandom(50_000)

    response = await client.post(form.url, data=dict(form.fields), files={"file": ("me.png", image, "image/png")})
    assert response.status_code == 204, response.text
    assert response.headers["etag"] == f'"{hashlib.sha256(image).hexdigest()}"'
    assert await store.get(key) == image

    again = store.new_key(Purpose.IMAGES, extension="png")
    form = await store.presigned_post(again, content_type="image/png", max_bytes=50_000, min_bytes=10, ttl_seconds=30)
    fields = dict(form.fields)
    big = await client.post(form.url, data=fields, files={"file": ("me.png", os.urandom(50_001), "image/png")})
    assert_problem(big, 413, "storage.too_large")
    small = await client.post(form.url, data=fields, files={"file": ("me.png", b"tiny", "image/png")})
    assert_problem(small, 400, "storage.too_small")
    assert not await store.exists(again)
    assert leftovers(tmp_path) == []

    assert_problem(await client.post(form.url, data=fields), 400, "request.bad")  # no file part
    assert_problem(await client.post(form.url, json=fields), 400, "request.bad")  # not a form
    truncated = b'--xyz\r\nContent-Disposition: form-data; name="key"\r\n\r\n' + again.encode()
    assert_problem(
        await client.post(form.url, content=truncated, headers={"Content-Type": "multipart/form-data; boundary=xyz"}),
        400,
        "request.bad",
    )
    many = {f"x-field-{n}": "v" for n in range(20)} | fields
    assert_problem(await client.post(form.url, data=many, files={"file": b"0123456789"}), 400, "request.bad")
    no_token = {k: v for k, v in fields.items() if k != "token"}
    assert_problem(
        await client.post(form.url, data=no_token, files={"file": b"0123456789"}), 403, "storage.invalid_signature"
    )

    clock.now += 31
    late = await client.post(form.url, data=fields, files={"file": ("me.png", b"0123456789", "image/png")})
    assert_problem(late, 403, "storage.url_expired")
    assert not await store.exists(again)


async def test_routes_are_404_when_objects_live_on_s3() -> None:
    app = objects_app(object())  # not a SignedObjectServer, like the S3 adapter
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=LOCAL_BASE_URL) as http:
        assert_problem(await http.get("/objects/v1.abc.def"), 404, "request.not_found")
        assert_problem(await http.put("/objects/v1.abc.def", content=b"x"), 404, "request.not_found")
