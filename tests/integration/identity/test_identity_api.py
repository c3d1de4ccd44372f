"""Identity acceptance, over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import time
import uuid
from typing import Any

import pyotp
import pytest

from core.identity.domain.roles import Role
from tests.integration.identity.conftest import PASSWORD, Identity


async def test_registration_needs_verification_before_sign_in(identity: Identity) -> None:
    await identity.register("ana@example.com", verify=False)
    refused = await identity.client.post("/api/v1/auth/login", json={"email": "ana@example.com", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["code"] == "auth.email_not_verified"
    await identity.deliver_mail()
    token = identity.token_from_last_mail("ana@example.com", "verify-email")
    assert (await identity.client.post("/api/v1/auth/verify-email", json={"token": token})).status_code == 200
    tokens = await identity.login("ana@example.com")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] <= 900
    me = await identity.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["status"] == "active" and me.json()["role"] == "student"


async def test_verification_tokens_are_single_use(identity: Identity) -> None:
    await identity.register("once@example.com", verify=False)
    await identity.deliver_mail()
    token = identity.token_from_last_mail("once@example.com", "verify-email")
    assert (await identity.client.post("/api/v1/auth/verify-email", json={"token": token})).status_code == 200
    again = await identity.client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 422 and again.json()["code"] == "auth.invalid_verify_email_token"


async def test_known_and_unknown_emails_get_identical_answers(identity: Identity) -> None:
    await identity.register("known@example.com")
    client = identity.client

    async def timed(path: str, body: dict[str, str]) -> tuple[int, dict[str, object], float]:
        started = time.perf_counter()
        response = await client.post(path, json=body)
        return response.status_code, response.json(), time.perf_counter() - started

    for path, known, unknown in [
        (
            "/api/v1/auth/login",
            {"email": "known@example.com", "password": "wrong password here"},
            {"email": "nobody@example.com", "password": "wrong password here"},
        ),
        (
            "/api/v1/auth/register",
            {"email": "known@example.com", "password": PASSWORD, "name": "X"},
            {"email": f"new{uuid.uuid4().hex[:6]}@example.com", "password": PASSWORD, "name": "X"},
        ),
        ("/api/v1/auth/password/forgot", {"email": "known@example.com"}, {"email": "nobody@example.com"}),
    ]:
        a, b = await timed(path, known), await timed(path, unknown)
        assert (a[0], _strip(a[1])) == (b[0], _strip(b[1])), path
        # Interleaved, so a burst of load elsewhere on the machine hits both sides alike.
        known_times: list[float] = []
        unknown_times: list[float] = []
        for _ in range(9):
            known_times.append((await timed(path, known))[2])
            fresh = {**unknown, "email": f"n{uuid.uuid4().hex[:8]}@example.com"} if "register" in path else unknown
            unknown_times.append((await timed(path, fresh))[2])
        # Both pay one Argon2 computation; a missing account is not measurably faster.
        assert abs(statistics.median(known_times) - statistics.median(unknown_times)) < 0.015, path


def _strip(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k != "instance"}


@pytest.mark.parametrize("identity_overrides", [{"trusted_proxies": "203.0.113.10/32"}])
async def test_failed_logins_are_throttled_per_account_and_address(identity: Identity) -> None:
    await identity.register("target@example.com")
    attacker = {"X-Forwarded-For": "198.51.100.66"}
    for _ in range(10):
        r = await identity.client.post(
            "/api/v1/auth/login",
            json={"email": "target@example.com", "password": "not the password!"},
            headers=attacker,
        )
        assert r.status_code == 401
    blocked = await identity.client.post(
        "/api/v1/auth/login", json={"email": "target@example.com", "password": PASSWORD}, headers=attacker
    )
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    # The owner, elsewhere, is not locked out by the attacker's failures.
    owner = await identity.login("target@example.com", **{"X-Forwarded-For": "192.0.2.44"})
    assert owner["access_token"]


async def test_refresh_rotates_and_reuse_revokes_the_family(identity: Identity) -> None:
    await identity.register("rot@example.com")
    first = await identity.login("rot@example.com")
    second = (await identity.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
    assert second["refresh_token"] != first["refresh_token"]
    # Replaying the spent token later (beyond the grace window) is theft: the session dies.
    identity.clock.offset = dt.timedelta(seconds=60)
    reuse = await identity.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["code"] == "auth.refresh_token_reused"
    victim = await identity.client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert victim.status_code == 401
    audit = await identity.container.identity.audit_log().search(_query("auth.refresh_reuse"), before=None, limit=5)
    assert len(audit) == 1


def _query(action: str):  # type: ignore[no-untyped-def]
    from ports.identity.audit import AuditQuery

    return AuditQuery(action=action)


async def test_exactly_one_of_two_concurrent_refreshes_wins(identity: Identity) -> None:
    await identity.register("race@example.com")
    tokens = await identity.login("race@example.com")
    results = await asyncio.gather(
        *(
            identity.client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 401]
    winner = next(r.json() for r in results if r.status_code == 200)
    # The race did not cost the session: the winner's new token still works.
    assert (
        await identity.client.post("/api/v1/auth/refresh", json={"refresh_token": winner["refresh_token"]})
    ).status_code == 200


async def test_password_reset_is_single_use_and_ends_sessions(identity: Identity) -> None:
    await identity.register("reset@example.com")
    old = await identity.login("reset@example.com")
    assert (
        await identity.client.post("/api/v1/auth/password/forgot", json={"email": "reset@example.com"})
    ).status_code == 202
    await identity.deliver_mail()
    token = identity.token_from_last_mail("reset@example.com", "reset-password")
    new_password = "a brand new passphrase 42"
    assert (
        await identity.client.post("/api/v1/auth/password/reset", json={"token": token, "password": new_password})
    ).status_code == 200
    again = await identity.client.post("/api/v1/auth/password/reset", json={"token": token, "password": new_password})
    assert again.status_code == 422
    assert (
        await identity.client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    ).status_code == 401
    assert (await identity.login("reset@example.com", new_password))["access_token"]


async def test_totp_second_factor_and_replay_rejection(identity: Identity) -> None:
    headers = await identity.signed_in("totp@example.com")
    enrol = (await identity.client.post("/api/v1/auth/2fa/enroll", headers=headers)).json()
    totp = pyotp.TOTP(enrol["secret"])
    confirmed_with = totp.now()
    codes = (
        await identity.client.post("/api/v1/auth/2fa/confirm", json={"code": confirmed_with}, headers=headers)
    ).json()["recovery_codes"]
    assert len(codes) == 10

    challenge = (
        await identity.client.post("/api/v1/auth/login", json={"email": "totp@example.com", "password": PASSWORD})
    ).json()
    assert challenge["second_factor_required"] is True
    # Replaying the code that confirmed enrolment must fail. The very same code, not "the
    # current one": a 30 s step boundary may fall between the two requests.
    replay = await identity.client.post(
        "/api/v1/auth/2fa/verify", json={"challenge": challenge["challenge"], "code": confirmed_with}
    )
    assert replay.status_code == 401
    ok = await identity.client.post(
        "/api/v1/auth/2fa/verify", json={"challenge": challenge["challenge"], "recovery_code": codes[0]}
    )
    assert ok.status_code == 200 and ok.json()["access_token"]
    challenge = (
        await identity.client.post("/api/v1/auth/login", json={"email": "totp@example.com", "password": PASSWORD})
    ).json()
    spent = await identity.client.post(
        "/api/v1/auth/2fa/verify", json={"challenge": challenge["challenge"], "recovery_code": codes[0]}
    )
    assert spent.status_code == 401


async def test_students_cannot_see_or_change_other_users(identity: Identity) -> None:
    alice = await identity.signed_in("alice@example.com")
    await identity.signed_in("bob@example.com")
    bob_id = await identity.user_id("bob@example.com")
    for method, path in [
        ("GET", f"/api/v1/admin/users/{bob_id}"),
        ("PATCH", f"/api/v1/admin/users/{bob_id}"),
        ("POST", f"/api/v1/admin/users/{bob_id}/suspend"),
        ("GET", "/api/v1/admin/audit"),
        ("GET", "/api/v1/admin/users"),
        ("POST", "/api/v1/admin/users/bulk"),
        ("GET", "/api/v1/admin/ip-rules"),
    ]:
        response = await identity.client.request(method, path, headers=alice, json={} if method != "GET" else None)
        assert response.status_code == 403, (method, path, response.status_code)
    other_session = await identity.client.delete("/api/v1/users/me/sessions/not-mine", headers=alice)
    assert other_session.status_code == 404


async def test_patching_my_role_changes_nothing(identity: Identity) -> None:
    headers = await identity.signed_in("sneaky@example.com")
    patched = await identity.client.patch(
        "/api/v1/users/me", headers=headers, json={"role": "admin", "status": "active", "name": "Sneaky"}
    )
    assert patched.status_code == 200
    assert patched.json()["role"] == "student" and patched.json()["name"] == "Sneaky"


async def test_only_a_super_admin_grants_admin(identity: Identity) -> None:
    admin = await identity.signed_in("admin@example.com", role=Role.ADMIN)
    root = await identity.signed_in("root@example.com", role=Role.SUPER_ADMIN)
    await identity.signed_in("teach@example.com")
    teacher = await identity.user_id("teach@example.com")
    admin_id = await identity.user_id("admin@example.com")
    assert (
        await identity.client.put(f"/api/v1/admin/users/{teacher}/role", json={"role": "instructor"}, headers=admin)
    ).status_code == 200
    assert (
        await identity.client.put(f"/api/v1/admin/users/{teacher}/role", json={"role": "admin"}, headers=admin)
    ).status_code == 403
    assert (
        await identity.client.put(f"/api/v1/admin/users/{admin_id}/role", json={"role": "super_admin"}, headers=admin)
    ).status_code == 403
    assert (
        await identity.client.put(f"/api/v1/admin/users/{teacher}/role", json={"role": "admin"}, headers=root)
    ).status_code == 200


async def test_a_suspended_user_loses_access_at_the_next_refresh(identity: Identity) -> None:
    admin = await identity.signed_in("boss@example.com", role=Role.ADMIN)
    await identity.register("late@example.com")
    tokens = await identity.login("late@example.com")
    late = await identity.user_id("late@example.com")
    suspended = await identity.client.post(
        f"/api/v1/admin/users/{late}/suspend", json={"reason": "spam"}, headers=admin
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    refresh = await identity.client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    relogin = await identity.client.post("/api/v1/auth/login", json={"email": "late@example.com", "password": PASSWORD})
    assert relogin.status_code == 403 and relogin.json()["code"] == "auth.account_disabled"


async def test_sessions_are_listed_and_revocable(identity: Identity) -> None:
    await identity.register("multi@example.com")
    first = await identity.login("multi@example.com", **{"User-Agent": "Mozilla/5.0 (X11; Linux) Firefox/130.0"})
    await identity.login("multi@example.com", **{"User-Agent": "Lyceum/2.1 (iPhone; iOS 18)"})
    headers = {"Authorization": f"Bearer {first['access_token']}"}
    sessions = (await identity.client.get("/api/v1/users/me/sessions", headers=headers)).json()["items"]
    assert len(sessions) == 2 and {s["device"] for s in sessions} == {"Firefox on Linux", "Lyceum app on iOS"}
    other = next(s for s in sessions if not s["current"])
    assert (
        await identity.client.delete(f"/api/v1/users/me/sessions/{other['id']}", headers=headers)
    ).status_code == 204
    assert len((await identity.client.get("/api/v1/users/me/sessions", headers=headers)).json()["items"]) == 1


async def test_invalid_tokens_are_refused(identity: Identity) -> None:
    import base64
    import json

    def b64(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': str(uuid.uuid4()), 'role': 'super_admin'})}."
    for token in (forged, "garbage", ""):
        response = await identity.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64


async def test_avatar_is_uploaded_through_storage_and_bound_to_its_uploader(identity: Identity) -> None:
    headers = await identity.signed_in("face@example.com")
    other = await identity.signed_in("thief@example.com")
    slot = (
        await identity.client.post(
            "/api/v1/users/me/avatar/upload", json={"content_type": "image/png"}, headers=headers
        )
    ).json()
    assert slot["key"].startswith("images/") and slot["max_bytes"] == 5 * 1024 * 1024
    upload_path = slot["url"].split("testserver.local", 1)[-1].replace("http://127.0.0.1:8000", "")
    stored = await identity.client.post(upload_path, data=slot["fields"], files={"file": ("me.png", PNG, "image/png")})
    assert stored.status_code in (200, 201, 204), stored.text
    stolen = await identity.client.put("/api/v1/users/me/avatar", json={"key": slot["key"]}, headers=other)
    assert stolen.status_code == 404
    mine = await identity.client.put("/api/v1/users/me/avatar", json={"key": slot["key"]}, headers=headers)
    assert mine.status_code == 200 and mine.json()["avatar_key"] == slot["key"]
    wrong_type = await identity.client.post(
        "/api/v1/users/me/avatar/upload", json={"content_type": "text/html"}, headers=headers
    )
    assert wrong_type.status_code == 422 and wrong_type.json()["code"] == "user.avatar_type"


@pytest.mark.parametrize("identity_overrides", [{"require_2fa_for_admins": True}])
async def test_admins_need_a_second_factor_when_the_platform_requires_it(identity: Identity) -> None:
    admin = await identity.signed_in("strict@example.com", role=Role.ADMIN)
    refused = await identity.client.get("/api/v1/admin/users", headers=admin)
    assert refused.status_code == 403 and refused.json()["code"] == "auth.2fa_required"
    enrol = (await identity.client.post("/api/v1/auth/2fa/enroll", headers=admin)).json()
    totp = pyotp.TOTP(enrol["secret"])
    codes = (await identity.client.post("/api/v1/auth/2fa/confirm", json={"code": totp.now()}, headers=admin)).json()[
        "recovery_codes"
    ]
    challenge = (
        await identity.client.post("/api/v1/auth/login", json={"email": "strict@example.com", "password": PASSWORD})
    ).json()
    tokens = (
        await identity.client.post(
            "/api/v1/auth/2fa/verify", json={"challenge": challenge["challenge"], "recovery_code": codes[0]}
        )
    ).json()
    allowed = await identity.client.get(
        "/api/v1/admin/users", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert allowed.status_code == 200


async def test_a_suspension_that_has_run_out_ends_at_the_next_sign_in(identity: Identity) -> None:
    admin = await identity.signed_in("chief@example.com", role=Role.ADMIN)
    await identity.register("paused@example.com")
    paused = await identity.user_id("paused@example.com")
    until = (identity.clock.now() + dt.timedelta(hours=1)).isoformat()
    await identity.client.post(f"/api/v1/admin/users/{paused}/suspend", json={"until": until}, headers=admin)
    early = await identity.client.post("/api/v1/auth/login", json={"email": "paused@example.com", "password": PASSWORD})
    assert early.status_code == 403
    identity.clock.offset = dt.timedelta(hours=2)
    tokens = await identity.login("paused@example.com")
    me = await identity.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["status"] == "active"


async def test_a_login_refused_at_the_hashers_gate_touches_neither_database_nor_cache(
    identity: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import event

    await identity.register("gate@example.com")
    hasher = identity.container.identity.hasher()
    monkeypatch.setattr(hasher, "max_wait_seconds", 0.0)  # nobody may queue
    gate = hasher._gate()
    taken = 0
    while gate._free:  # every hashing slot taken (computing, or queued right behind)
        assert await gate.enter(0.0, 0.0)
        taken += 1
    statements: list[str] = []
    cache_calls: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    cache = identity.container.infrastructure.cache()
    for name in ("get", "set", "incr", "delete", "ttl", "add"):
        original = getattr(cache, name)

        def spy(*args: object, __name: str = name, __original: Any = original, **kwargs: object) -> Any:
            cache_calls.append(__name)
            return __original(*args, **kwargs)

        monkeypatch.setattr(cache, name, spy)
    engine = identity.container.infrastructure.engine()
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        for email in ("gate@example.com", "nobody-here@example.com"):
            response = await identity.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            assert response.status_code == 503 and response.json()["code"] == "auth.busy", response.text
            assert response.headers["retry-after"] == "1"
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert statements == [] and cache_calls == []
    for _ in range(taken):
        gate.leave()
    monkeypatch.undo()
    assert (await identity.login("gate@example.com"))["access_token"]


async def test_every_login_attempt_is_audited(identity: Identity) -> None:
    await identity.register("audited@example.com")
    await identity.login("audited@example.com")
    wrong = await identity.client.post(
        "/api/v1/auth/login", json={"email": "audited@example.com", "password": "not the password!"}
    )
    assert wrong.status_code == 401
    entries = await identity.container.identity.audit_log().search(_query("auth.login"), before=None, limit=10)
    user_id = await identity.user_id("audited@example.com")
    assert [(e.outcome, e.subject_id) for e in entries] == [("failure", user_id), ("success", user_id)]
    assert all(e.ip and e.user_agent for e in entries)
