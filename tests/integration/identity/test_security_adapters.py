"""Argon2id, the common-password list, JWT access tokens and TOTP: the real libraries."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import stat
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import argon2
import jwt
import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.identity.argon2 import OWASP_MIN_ITERATIONS, OWASP_MIN_MEMORY_KIB, Argon2Hasher, _Gate
from adapters.identity.blocklist import CommonPasswords
from adapters.identity.jwt import DEFAULT_KEY_FILE, JwtAccessTokens, load_or_create_keys, thumbprint
from adapters.identity.totp import PyotpTotp
from core.identity.domain.passwords import check_password
from core.shared.errors import InvalidInput, Unauthenticated, Unavailable
from entrypoints.bootstrap.settings import Settings

DEFAULTS = Settings()
NOW = dt.datetime(2026, 11, 26, 12, 0, 10, tzinfo=dt.UTC)
USER = uuid.UUID("0190c8a0-0000-7000-8000-0000000000aa")


@pytest.fixture(scope="module")
def hasher() -> Argon2Hasher:
    """The production configuration (settings defaults)."""
    return Argon2Hasher(
        DEFAULTS.argon2_memory_kib,
        DEFAULTS.argon2_iterations,
        DEFAULTS.argon2_parallelism,
        concurrency=DEFAULTS.password_hash_concurrency,
    )


# -- Argon2id ------------------------------------------------------------------------------------


async def test_hashes_are_argon2id_at_or_above_the_owasp_minimum(hasher: Argon2Hasher) -> None:
    params = argon2.extract_parameters(await hasher.hash("correct horse battery staple"))
    assert params.type is argon2.Type.ID
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism >= 1
    assert params.salt_len >= 16 and params.hash_len >= 32
    with pytest.raises(ValueError, match="OWASP"):
        Argon2Hasher(OWASP_MIN_MEMORY_KIB // 2, OWASP_MIN_ITERATIONS, 1)
    with pytest.raises(ValueError, match="OWASP"):
        Argon2Hasher(OWASP_MIN_MEMORY_KIB, 1, 1)


async def test_a_change_of_parameters_asks_for_a_rehash(hasher: Argon2Hasher) -> None:
    stored = await hasher.hash("correct horse battery staple")
    assert not hasher.needs_rehash(stored)
    stronger = Argon2Hasher(OWASP_MIN_MEMORY_KIB, OWASP_MIN_ITERATIONS + 1, 1, concurrency=1)
    assert stronger.needs_rehash(stored)
    assert await stronger.verify(stored, "correct horse battery staple")  # old hashes still verify
    assert not stronger.needs_rehash(await stronger.hash("correct horse battery staple"))
    assert hasher.needs_rehash("$2b$12$notargon2") and hasher.needs_rehash("")


async def test_verify_says_false_and_never_raises_for_a_wrong_password_or_bad_hash(hasher: Argon2Hasher) -> None:
    password = "Пароль с пробелами и ünïcödé ✓"  # noqa: RUF001 - Cyrillic on purpose
    stored = await hasher.hash(password)
    assert await hasher.verify(stored, password)
    assert not await hasher.verify(stored, password.replace("✓", "✗"))
    assert not await hasher.verify(stored, "")
    assert not await hasher.verify("not a hash", "anything")
    assert not await hasher.verify(stored[:-4], password)


async def test_burn_costs_what_a_verify_costs(hasher: Argon2Hasher) -> None:
    stored = await hasher.hash("correct horse battery staple")
    verify_times, burn_times = [], []
    for _ in range(20):
        started = time.perf_counter()
        await hasher.verify(stored, "wrong horse battery staple")
        verify_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        await hasher.burn()
        burn_times.append(time.perf_counter() - started)
    verify_median, burn_median = statistics.median(verify_times), statistics.median(burn_times)
    assert abs(burn_median - verify_median) <= max(0.004, 0.15 * verify_median), (verify_median, burn_median)


async def test_hashing_runs_off_the_event_loop(hasher: Argon2Hasher) -> None:
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.gather(*(hasher.hash(f"password number {i}") for i in range(2 * hasher.concurrency)))
    tick.cancel()
    assert len(gaps) > 5 and max(gaps) < 0.05


async def test_excess_load_gets_a_fast_refusal_not_a_long_queue() -> None:
    hasher = Argon2Hasher(OWASP_MIN_MEMORY_KIB, OWASP_MIN_ITERATIONS, 1, concurrency=1, max_wait_seconds=0.5)
    started = time.perf_counter()

    errors: list[Unavailable] = []

    async def attempt(i: int) -> tuple[bool, float]:
        try:
            await hasher.hash(f"password number {i}")
        except Unavailable as exc:
            errors.append(exc)
            return False, time.perf_counter() - started
        return True, time.perf_counter() - started

    outcomes = await asyncio.gather(*(attempt(i) for i in range(60)))
    served = [t for ok, t in outcomes if ok]
    refused = [t for ok, t in outcomes if not ok]
    assert {(e.code, e.kind, e.details["retry_after"]) for e in errors} == {("auth.busy", "unavailable", 1)}
    assert served and len(refused) >= 30, (len(served), len(refused))
    assert max(refused) < 0.7  # refused within the wait budget (0.5 s), most of them at once
    assert statistics.median(refused) < 0.1
    assert max(served) < 1.0  # nobody queued for seconds
    # Nothing leaked: afterwards a lone caller is served at once.
    started = time.perf_counter()
    assert await hasher.verify(await hasher.hash("correct horse battery"), "correct horse battery")
    assert time.perf_counter() - started < 0.5


async def test_the_gate_refuses_at_its_deadline_and_loses_no_slot_to_cancellation() -> None:
    gate = _Gate(1)
    assert await gate.enter(0.2, 0.0)  # holds the only slot
    started = time.perf_counter()
    assert not await gate.enter(0.2, 0.0)  # nobody leaves: refused at the deadline
    assert 0.15 < time.perf_counter() - started < 0.5

    gone = asyncio.create_task(gate.enter(5, 0.0))
    await asyncio.sleep(0.01)
    gone.cancel()  # a waiter that goes away must not keep or swallow the slot
    with pytest.raises(asyncio.CancelledError):
        await gone
    waiting = asyncio.create_task(gate.enter(5, 0.0))
    await asyncio.sleep(0.01)
    gate.leave()
    assert await asyncio.wait_for(waiting, 1)  # the slot went to the live waiter
    gate.leave()
    assert await gate.enter(0.01, 0.0)  # and is free again after


# -- common passwords ----------------------------------------------------------------------------


def test_common_long_passwords_are_refused_case_insensitively() -> None:
    blocklist = CommonPasswords()
    # Entries of zxcvbn's lists that are long enough to pass the length rule.
    for listed in (
        "1qaz2wsx3edc",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "leavemealone",
        "123456789987654321",
        "qazwsxedcrfv",
        "sonyericsson",
        "unfortunately",
        "responsibility",
    ):
        assert listed in blocklist and listed.upper() in blocklist
    # Trivial variations the 12-character minimum invites.
    for variation in (
        "123456789012",
        "098765432109",
        "abcdefghijklm",
        "passwordpassword",
        "aaaaaaaaaaaa",
        "abcabcabcabc",
        "Password1234",
        "dragon123456",
    ):
        assert variation in blocklist, variation
    with pytest.raises(InvalidInput) as err:
        check_password("QWERTY123456", blocklist=blocklist)
    assert err.value.code == "password.common"
    with pytest.raises(InvalidInput):
        check_password("  leavemealone  ", blocklist=blocklist)


def test_uncommon_passphrases_pass() -> None:
    blocklist = CommonPasswords()
    passphrase = f"kangaroo-mirror-{secrets.token_urlsafe(8)}"
    for fine in (
        passphrase,
        "correct horse battery staple",
        "Мой длинный пароль",
        "סיסמה ארוכה מאוד",
        "1234 5678 9012",
    ):
        assert fine not in blocklist
        assert check_password(fine, blocklist=blocklist) == fine
    assert 40_000 < len(blocklist) < 60_000
    assert "monkeys are great" in CommonPasswords(extra=["Monkeys Are Great"])


# -- JWT -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key1() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def key2() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _tokens(
    keys: list[tuple[str, Ed25519PrivateKey]],
    *,
    issuer: str = "lyceum",
    audience: str = "lyceum-api",
    lifetime: int = 900,
) -> JwtAccessTokens:
    return JwtAccessTokens(keys, issuer, audience, lifetime)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**changes: Any) -> dict[str, Any]:
    issued = int(NOW.timestamp())
    claims: dict[str, Any] = {
        "iss": "lyceum",
        "aud": "lyceum-api",
        "sub": str(USER),
        "role": "student",
        "sid": "session-1",
        "iat": issued,
        "nbf": issued,
        "exp": issued + 900,
        "jti": "j1",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _hand_made(header: dict[str, Any], claims: dict[str, Any], sign: Any) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


def _invalid(tokens: JwtAccessTokens, token: str, now: dt.datetime = NOW) -> str:
    with pytest.raises(Unauthenticated) as err:
        tokens.verify(token, now=now)
    return err.value.code


def test_access_tokens_round_trip_with_every_claim(key1: Ed25519PrivateKey) -> None:
    tokens = _tokens([("k1", key1)])
    token = tokens.issue(user_id=USER, role="instructor", session_id="s-42", now=NOW)

    claims = tokens.verify(token, now=NOW + dt.timedelta(minutes=14))
    assert (claims.user_id, claims.role, claims.session_id) == (USER, "instructor", "s-42")
    assert claims.expires_at == NOW.replace(microsecond=0) + dt.timedelta(seconds=900)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": "k1", "typ": "at+jwt"}
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"sub", "role", "sid", "iat", "nbf", "exp", "iss", "aud", "jti"}
    assert (
        payload["jti"]
        != jwt.decode(
            tokens.issue(user_id=USER, role="instructor", session_id="s-42", now=NOW),
            options={"verify_signature": False},
        )["jti"]
    )


def test_only_eddsa_is_accepted(key1: Ed25519PrivateKey) -> None:
    tokens = _tokens([("k1", key1)])
    header = {"kid": "k1", "typ": "at+jwt"}
    # alg=none, no signature at all.
    assert _invalid(tokens, _hand_made({**header, "alg": "none"}, _claims(), lambda _: b"")) == "auth.invalid_token"
    # HS256 keyed with the public key, in every encoding an attacker could find it in.
    public = key1.public_key()
    for secret in (
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    ):
        forged = _hand_made(
            {**header, "alg": "HS256"},
            _claims(role="admin"),
            lambda data, s=secret: hmac.new(s, data, hashlib.sha256).digest(),
        )
        assert _invalid(tokens, forged) == "auth.invalid_token"
    # RS256 with the attacker's own key under our kid.
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rs256 = jwt.encode(_claims(role="admin"), attacker, algorithm="RS256", headers=header)
    assert _invalid(tokens, rs256) == "auth.invalid_token"
    # EdDSA named in the header but another key's signature.
    other = jwt.encode(_claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers=header)
    assert _invalid(tokens, other) == "auth.invalid_token"


def test_claims_are_checked(key1: Ed25519PrivateKey) -> None:
    tokens = _tokens([("k1", key1)])
    header = {"kid": "k1", "typ": "at+jwt"}

    def signed(**changes: Any) -> str:
        return jwt.encode(_claims(**changes), key1, algorithm="EdDSA", headers=header)

    assert tokens.verify(signed(), now=NOW).user_id == USER
    for bad in (
        signed(aud="another-api"),
        signed(aud=["lyceum-api", "another-api"]),
        signed(iss="https://evil.example"),
        signed(nbf=int(NOW.timestamp()) + 120),  # not yet valid
        signed(iat=int(NOW.timestamp()) + 120),  # issued in the future
        signed(jti=None),
        signed(sub="not-a-uuid"),
        signed(role=None),
        signed(exp=str(int(NOW.timestamp()) + 900)),
        jwt.encode(_claims(), key1, algorithm="EdDSA", headers={"kid": "k1"}),  # not typed as an access token
        jwt.encode(_claims(), key1, algorithm="EdDSA", headers={"typ": "at+jwt"}),  # no kid
        "",
        "not.a.token",
    ):
        assert _invalid(tokens, bad) == "auth.invalid_token", bad
    # Another service's issuer and audience, same key: still not ours.
    assert (
        _invalid(
            tokens, _tokens([("k1", key1)], issuer="other").issue(user_id=USER, role="student", session_id="s", now=NOW)
        )
        == "auth.invalid_token"
    )
    assert (
        _invalid(
            tokens,
            _tokens([("k1", key1)], audience="other").issue(user_id=USER, role="student", session_id="s", now=NOW),
        )
        == "auth.invalid_token"
    )
    # A changed claim breaks the signature.
    head, _body, signature = signed().split(".")
    lifted = _b64(json.dumps(_claims(role="super_admin")).encode())
    assert _invalid(tokens, f"{head}.{lifted}.{signature}") == "auth.invalid_token"
    # Small clock skew between servers is tolerated for nbf/iat, not for exp.
    assert tokens.verify(signed(nbf=int(NOW.timestamp()) + 10, iat=int(NOW.timestamp()) + 10), now=NOW)


def test_expiry(key1: Ed25519PrivateKey) -> None:
    tokens = _tokens([("k1", key1)], lifetime=900)
    token = tokens.issue(user_id=USER, role="student", session_id="s", now=NOW)
    assert tokens.verify(token, now=NOW + dt.timedelta(seconds=899))
    assert _invalid(tokens, token, NOW + dt.timedelta(seconds=900)) == "auth.token_expired"
    assert _invalid(tokens, token, NOW + dt.timedelta(days=1)) == "auth.token_expired"
    # Issued "later" than the verifier's clock by more than the skew allowance: not valid yet.
    assert _invalid(tokens, token, NOW - dt.timedelta(minutes=2)) == "auth.invalid_token"
    # A forged token is 'invalid', never 'expired': expiry is judged only after the signature.
    forged = jwt.encode(
        _claims(exp=int(NOW.timestamp()) - 5),
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": "k1", "typ": "at+jwt"},
    )
    assert _invalid(tokens, forged) == "auth.invalid_token"


def test_keys_rotate_by_kid(key1: Ed25519PrivateKey, key2: Ed25519PrivateKey) -> None:
    before = _tokens([("k1", key1)])
    during = _tokens([("k2", key2), ("k1", key1)])
    after = _tokens([("k2", key2)])
    old = before.issue(user_id=USER, role="student", session_id="s", now=NOW)
    new = during.issue(user_id=USER, role="student", session_id="s", now=NOW)

    assert jwt.get_unverified_header(new)["kid"] == "k2" == during.signing_kid
    assert during.verify(old, now=NOW).user_id == USER  # still in the ring
    assert during.verify(new, now=NOW).user_id == USER
    assert after.verify(new, now=NOW).user_id == USER
    assert _invalid(after, old) == "auth.invalid_token"  # k1 retired: unknown kid
    assert _invalid(before, new) == "auth.invalid_token"  # k2 not known yet
    # A known kid with another key's signature does not pass either.
    swapped = jwt.encode(_claims(), key2, algorithm="EdDSA", headers={"kid": "k1", "typ": "at+jwt"})
    assert _invalid(during, swapped) == "auth.invalid_token"
    with pytest.raises(ValueError, match="kid"):
        _tokens([("k1", key1), ("k1", key2)])
    with pytest.raises(ValueError, match="at least one"):
        _tokens([])


def _write_pem(path: Path, key: Any) -> Path:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path


def test_a_key_is_created_once_in_the_data_dir_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    [(kid, key)] = load_or_create_keys(None, data_dir)
    path = data_dir / DEFAULT_KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in data_dir.iterdir()] == [DEFAULT_KEY_FILE]  # no temporary file left behind
    [(kid_again, key_again)] = load_or_create_keys(None, data_dir)
    assert kid == kid_again == thumbprint(key) and len(kid) == 43
    tokens = _tokens([(kid, key)])
    assert (
        _tokens([(kid_again, key_again)])
        .verify(tokens.issue(user_id=USER, role="student", session_id="s", now=NOW), now=NOW)
        .user_id
        == USER
    )
    assert load_or_create_keys("", data_dir)[0][0] == kid  # an empty setting counts as unset


def test_configured_keys_are_read_in_order(tmp_path: Path, key1: Ed25519PrivateKey, key2: Ed25519PrivateKey) -> None:
    first, second = _write_pem(tmp_path / "new.pem", key2), _write_pem(tmp_path / "old.pem", key1)
    keys = load_or_create_keys(f" 2026-11={first}, 2026-05={second} ", tmp_path / "unused")
    assert [kid for kid, _ in keys] == ["2026-11", "2026-05"]
    assert keys[0][1].public_key() == key2.public_key()
    assert not (tmp_path / "unused").exists()
    for bad in (f"{first}", f"={first}", "k=", f"a={first},a={second}", f"k={tmp_path / 'missing.pem'}"):
        with pytest.raises(ValueError, match=r"kid=path\.pem|distinct kids|cannot read"):
            load_or_create_keys(bad, tmp_path)
    rsa_path = _write_pem(tmp_path / "rsa.pem", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(ValueError, match="Ed25519"):
        load_or_create_keys(f"k={rsa_path}", tmp_path)


# -- TOTP ----------------------------------------------------------------------------------------


def test_totp_secrets_and_enrolment_material() -> None:
    totp = PyotpTotp()
    secret = totp.new_secret()
    assert len(base64.b32decode(secret)) == 20 and secret != totp.new_secret()
    uri = totp.provisioning_uri(secret, account="ada@example.org", issuer="Lyceum")
    assert uri.startswith("otpauth://totp/Lyceum:ada%40example.org?secret=" + secret)
    assert "issuer=Lyceum" in uri
    png = totp.qr_png(uri)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 200


def test_codes_match_the_current_and_adjacent_steps_only() -> None:
    totp = PyotpTotp(valid_window=1)
    secret = totp.new_secret()
    reference = pyotp.TOTP(secret)
    step = int(NOW.timestamp()) // 30

    def code(offset: int) -> str:
        return reference.at(NOW + dt.timedelta(seconds=30 * offset))

    assert totp.matching_step(secret, code(0), now=NOW) == step
    assert totp.matching_step(secret, code(-1), now=NOW) == step - 1
    assert totp.matching_step(secret, code(1), now=NOW) == step + 1
    assert totp.matching_step(secret, f" {code(0)[:3]} {code(0)[3:]} ", now=NOW) == step
    for other in (code(-2), code(2), code(-10)):
        if other not in {code(-1), code(0), code(1)}:  # a 1-in-a-million collision is not a failure
            assert totp.matching_step(secret, other, now=NOW) is None
    wrong = f"{(int(code(0)) + 1) % 1_000_000:06d}"
    if wrong not in {code(-1), code(1)}:
        assert totp.matching_step(secret, wrong, now=NOW) is None
    for malformed in ("", "12345", "1234567", "abcdef", "\uff11\uff12\uff13\uff14\uff15\uff16"):  # fullwidth
        assert totp.matching_step(secret, malformed, now=NOW) is None
    assert PyotpTotp(valid_window=0).matching_step(secret, code(-1), now=NOW) in (None, step)


async def test_admission_up_front_refuses_fast_and_counts_who_was_admitted() -> None:
    hasher = Argon2Hasher(OWASP_MIN_MEMORY_KIB, OWASP_MIN_ITERATIONS, 1, concurrency=1, max_wait_seconds=0.5)
    gate = hasher._gate()
    with hasher.admitted():  # idle: admitted, holding a place until its hash starts
        assert gate.reserved == 1
        assert await hasher.verify(await hasher.hash("correct horse battery"), "correct horse battery")
        assert gate.reserved == 0  # the first hash used the place
    with hasher.admitted():
        pass  # no hash asked for (say, a throttled sign-in): the place is given back
    assert gate.reserved == 0
    with pytest.raises(RuntimeError), hasher.admitted():
        raise RuntimeError("the block failed")
    assert gate.reserved == 0

    taken = 0
    while gate._free:  # the thread is busy and a hash is queued behind it
        assert await gate.enter(0.5, 0.0)
        taken += 1
    assert taken == 2
    hasher._seconds_per_hash = 0.1  # a turn of 0.1 s: room for a few more within 0.5 s
    admitted, refused = 0, None
    with contextlib.ExitStack() as stack:
        for _ in range(10):
            try:
                stack.enter_context(hasher.admitted())
            except Unavailable as exc:
                refused = exc
                break
            admitted += 1
        # Those admitted before count as ahead of the next: the queue's length is bounded even
        # though none of them has reached the gate yet.
        assert 1 <= admitted < 5 and gate.reserved == admitted
    assert refused is not None and (refused.code, refused.details["retry_after"]) == ("auth.busy", 1)
    assert gate.reserved == 0
    for _ in range(taken):
        gate.leave()
    with hasher.admitted():  # free again
        pass


async def test_each_hashing_thread_has_the_next_hash_queued_behind_the_current_one() -> None:
    hasher = Argon2Hasher(OWASP_MIN_MEMORY_KIB, OWASP_MIN_ITERATIONS, 1, concurrency=1, max_wait_seconds=5)
    stored = await hasher.hash("correct horse battery staple")
    submitted: list[float] = []
    original = hasher._executor.submit

    def submit(*args: Any, **kwargs: Any) -> Any:
        submitted.append(time.perf_counter())
        return original(*args, **kwargs)

    hasher._executor.submit = submit  # type: ignore[method-assign]
    started = time.perf_counter()
    await asyncio.gather(*(hasher.verify(stored, "correct horse battery staple") for _ in range(4)))
    elapsed = time.perf_counter() - started
    # Two are handed to the single thread at once; the others as soon as a slot frees.
    assert len(submitted) == 4 and submitted[1] - started < 0.01 < submitted[2] - started < elapsed


def test_a_remembered_token_is_still_checked_for_time_and_a_tampered_copy_is_not_remembered(
    key1: Ed25519PrivateKey,
) -> None:
    tokens = _tokens([("k1", key1)])
    token = tokens.issue(user_id=USER, role="student", session_id="s", now=NOW)
    assert tokens.verify(token, now=NOW).user_id == USER
    assert tokens.verify(token, now=NOW).user_id == USER  # from memory this time
    # Expiry and not-before are checked on every use, remembered or not.
    assert _invalid(tokens, token, NOW + dt.timedelta(seconds=900)) == "auth.token_expired"
    assert _invalid(tokens, token, NOW - dt.timedelta(hours=1)) == "auth.invalid_token"
    # A copy with one signature byte changed is a different string: checked, refused, not kept.
    head, _, signature = token.rpartition(".")
    forged = f"{head}.{('A' if signature[0] != 'A' else 'B')}{signature[1:]}"
    for _ in range(2):
        assert _invalid(tokens, forged) == "auth.invalid_token"
    assert forged not in tokens._verified
