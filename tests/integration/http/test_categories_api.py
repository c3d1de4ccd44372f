from __future__ import annotations

import uuid

import httpx

AnyClient = httpx.AsyncClient


async def test_tree_is_public_and_lists_children_after_their_parent(client: AnyClient, auth: dict[str, str]) -> None:
    web = (await client.post("/api/v1/categories", json={"name": "Web Development"}, headers=auth)).json()
    await client.post("/api/v1/categories", json={"name": "Cloud"}, headers=auth)
    child = await client.post("/api/v1/categories", json={"name": "Frontend", "parent_id": web["id"]}, headers=auth)
    assert child.status_code == 201

    response = await client.get("/api/v1/categories")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["name"], i["depth"]) for i in items] == [("Web Development", 0), ("Frontend", 1), ("Cloud", 0)]
    assert items[1]["path"] == ["web-development", "frontend"] and items[1]["parent_id"] == web["id"]


async def test_a_created_category_is_readable_immediately(client: AnyClient, auth: dict[str, str]) -> None:
    assert (await client.get("/api/v1/categories")).json() == {"items": []}  # warms the cache
    created = (await client.post("/api/v1/categories", json={"name": "AI/ML"}, headers=auth)).json()
    assert (await client.get(f"/api/v1/categories/{created['id']}")).json()["slug"] == "ai-ml"
    assert [i["name"] for i in (await client.get("/api/v1/categories")).json()["items"]] == ["AI/ML"]


async def test_tree_supports_conditional_requests(client: AnyClient, auth: dict[str, str]) -> None:
    await client.post("/api/v1/categories", json={"name": "Data"}, headers=auth)
    first = await client.get("/api/v1/categories")
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = await client.get("/api/v1/categories", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    await client.post("/api/v1/categories", json={"name": "Security"}, headers=auth)
    changed = await client.get("/api/v1/categories", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_rename_move_and_delete(client: AnyClient, auth: dict[str, str]) -> None:
    web = (await client.post("/api/v1/categories", json={"name": "Web"}, headers=auth)).json()
    item = (await client.post("/api/v1/categories", json={"name": "Backend"}, headers=auth)).json()

    moved = await client.patch(
        f"/api/v1/categories/{item['id']}", json={"parent_id": web["id"], "name": "Back-end"}, headers=auth
    )
    assert moved.status_code == 200
    assert moved.json()["name"] == "Back-end" and moved.json()["depth"] == 1

    blocked = await client.delete(f"/api/v1/categories/{web['id']}", headers=auth)
    assert blocked.status_code == 409 and blocked.json()["code"] == "category.has_children"

    top = await client.patch(f"/api/v1/categories/{item['id']}", json={"parent_id": None}, headers=auth)
    assert top.json()["depth"] == 0
    assert (await client.delete(f"/api/v1/categories/{web['id']}", headers=auth)).status_code == 204
    assert (await client.get(f"/api/v1/categories/{web['id']}")).status_code == 404


async def test_writes_need_the_operator_token(client: AnyClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        response = await client.post("/api/v1/categories", json={"name": "X"}, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] in {"auth.unauthenticated", "auth.invalid_token"}
    assert (await client.get("/api/v1/categories")).json() == {"items": []}


async def test_domain_errors_keep_their_stable_codes(client: AnyClient, auth: dict[str, str]) -> None:
    await client.post("/api/v1/categories", json={"name": "Cloud"}, headers=auth)
    dup = await client.post("/api/v1/categories", json={"name": "cloud", "slug": "x"}, headers=auth)
    assert dup.status_code == 409
    assert dup.json() == {
        "type": "/problems/category.name_taken",
        "title": "Conflict",
        "status": 409,
        "code": "category.name_taken",
        "detail": "a category named 'cloud' already exists here",
        "instance": "/api/v1/categories",
        "details": {"name": "cloud"},
    }
    missing = await client.get(f"/api/v1/categories/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["code"] == "category.not_found"
    empty = await client.post("/api/v1/categories", json={"name": "   "}, headers=auth)
    assert empty.status_code == 422 and empty.json()["code"] == "category.name_empty"
