"""Bad input never gets a stack trace or HTML: always RFC 9457 problem+json with the right status."""

from __future__ import annotations

import httpx
import pytest

AnyClient = httpx.AsyncClient
JSON = {"content-type": "application/json"}


def _is_problem(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["code"] == code and body["type"] == f"/problems/{code}"
    assert isinstance(body["title"], str) and body["title"]
    return body


async def test_malformed_json_is_400(client: AnyClient, auth: dict[str, str]) -> None:
    response = await client.post("/api/v1/categories", content=b'{"name": "x"', headers={**auth, **JSON})
    _is_problem(response, 400, "request.malformed_body")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"name": 42}', "name"),
        (b'{"name": "ok", "parent_id": "not-a-uuid"}', "parent_id"),
        (b'{"name": "ok", "unknown": true}', "data"),
        (b'["name"]', "data"),
        (b"{}", "data"),
    ],
)
async def test_wrong_types_unknown_and_missing_fields_are_422(
    client: AnyClient, auth: dict[str, str], body: bytes, field: str
) -> None:
    problem = _is_problem(
        await client.post("/api/v1/categories", content=body, headers={**auth, **JSON}), 422, "request.validation"
    )
    params = problem["invalid_params"]
    assert isinstance(params, list) and params
    assert params[0]["name"] == field and params[0]["reason"]


async def test_oversize_body_is_413(client: AnyClient, auth: dict[str, str]) -> None:
    body = b'{"name": "' + b"x" * 4096 + b'"}'
    _is_problem(
        await client.post("/api/v1/categories", content=body, headers={**auth, **JSON}), 413, "request.too_large"
    )


async def test_unknown_route_is_404_and_wrong_method_is_405(client: AnyClient) -> None:
    _is_problem(await client.get("/api/v1/nothing-here"), 404, "request.not_found")
    response = await client.put("/api/v1/categories")
    _is_problem(response, 405, "request.method_not_allowed")
    assert "GET" in response.headers["allow"]


async def test_malformed_path_id_is_a_problem_not_a_crash(client: AnyClient) -> None:
    response = await client.get("/api/v1/categories/123")
    assert response.headers["content-type"] == "application/problem+json"
    assert response.status_code in (400, 404)


async def test_unexpected_errors_are_500_without_internals(client: AnyClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.catalog.application import categories

    async def explode(self: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(categories.GetCategoryTree, "__call__", explode)
    body = _is_problem(await client.get("/api/v1/categories"), 500, "server.error")
    assert "secret" not in str(body)
