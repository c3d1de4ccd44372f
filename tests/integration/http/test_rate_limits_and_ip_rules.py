from __future__ import annotations

import httpx
import pytest

from core.security.application.ip_rules import AddIpRuleCommand
from entrypoints.bootstrap.containers import ApplicationContainer

AnyClient = httpx.AsyncClient


@pytest.mark.parametrize("http_overrides", [{"rate_limit_per_minute": 5}])
async def test_the_limit_answers_429_with_retry_after_and_ratelimit_headers(client: AnyClient) -> None:
    statuses = []
    for _ in range(5):
        response = await client.get("/api/v1/categories")
        statuses.append(response.status_code)
        assert response.headers["ratelimit-limit"] == "5"
        assert response.headers["ratelimit-policy"] == "5;w=60"
    assert statuses == [200] * 5
    assert response.headers["ratelimit-remaining"] == "0"

    limited = await client.get("/api/v1/categories")
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["code"] == "request.rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["ratelimit-remaining"] == "0"


@pytest.mark.parametrize("http_overrides", [{"rate_limit_per_minute": 2}])
async def test_probes_are_never_rate_limited(client: AnyClient) -> None:
    for _ in range(10):
        assert (await client.get("/health")).status_code == 200
    assert (await client.get("/ready")).status_code == 200


async def test_a_denied_address_is_blocked_before_routing(
    client: AnyClient, http_container: ApplicationContainer, auth: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/admin/ip-rules", json={"network": "127.0.0.0/8", "action": "deny"}, headers=auth
    )
    assert created.status_code == 201
    for path in ("/api/v1/categories", "/no/such/route"):
        blocked = await client.get(path)
        assert blocked.status_code == 403
        assert blocked.json()["code"] == "request.ip_blocked"
    # The operator locked themselves out over HTTP; the CLI (no HTTP) can always undo it.
    await http_container.security.remove_ip_rule()("127.0.0.0/8")
    client._transport.app.state.ip_rules.invalidate()  # type: ignore[attr-defined]
    assert (await client.get("/api/v1/categories")).status_code == 200


@pytest.mark.parametrize("http_overrides", [{"rate_limit_per_minute": 2}])
async def test_an_allowlisted_address_skips_rate_limits(
    client: AnyClient, http_container: ApplicationContainer
) -> None:
    await http_container.security.add_ip_rule()(AddIpRuleCommand("127.0.0.1", "allow", "load balancer"))
    assert [(await client.get("/api/v1/categories")).status_code for _ in range(6)] == [200] * 6


@pytest.mark.parametrize("http_overrides", [{"trusted_proxies": "127.0.0.1/32", "rate_limit_per_minute": 1000}])
async def test_forwarded_for_is_believed_only_from_trusted_proxies(
    client: AnyClient, http_container: ApplicationContainer
) -> None:
    await http_container.security.add_ip_rule()(AddIpRuleCommand("198.51.100.0/24", "deny"))
    spoofed_then_real = {"X-Forwarded-For": "10.9.9.9, 198.51.100.20"}
    assert (await client.get("/api/v1/categories", headers=spoofed_then_real)).status_code == 403
    # The client cannot hide behind an address it writes to the left of the real one.
    hiding = {"X-Forwarded-For": "198.51.100.20, 10.9.9.9"}
    assert (await client.get("/api/v1/categories", headers=hiding)).status_code == 200


async def test_ip_rule_admin_needs_the_operator_token_and_validates(client: AnyClient, auth: dict[str, str]) -> None:
    assert (await client.get("/api/v1/admin/ip-rules")).status_code == 401
    bad = await client.post("/api/v1/admin/ip-rules", json={"network": "0.0.0.0/0", "action": "deny"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["code"] == "ip_rule.too_broad"
    wrong = await client.post("/api/v1/admin/ip-rules", json={"network": "1.2.3.4", "action": "maybe"}, headers=auth)
    assert wrong.status_code == 422 and wrong.json()["code"] == "request.validation"
    listed = await client.get("/api/v1/admin/ip-rules", headers=auth)
    assert listed.json() == {"items": []}
