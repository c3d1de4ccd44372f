"""Property: any Unicode password of 12-128 characters hashes and verifies with the real
Argon2id at the OWASP minimum, and one differing only at character 73 does not verify
(bcrypt would have cut both at 72 bytes). The NIST rules accept it unless it is common."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from adapters.identity.argon2 import OWASP_MIN_ITERATIONS, OWASP_MIN_MEMORY_KIB, Argon2Hasher
from adapters.identity.blocklist import CommonPasswords
from core.identity.domain.passwords import MAX_LENGTH, MIN_LENGTH, check_password, normalize
from core.shared.errors import InvalidInput

HASHER = Argon2Hasher(OWASP_MIN_MEMORY_KIB, OWASP_MIN_ITERATIONS, 1, concurrency=2)
BLOCKLIST = CommonPasswords()

_characters = st.characters(codec="utf-8")  # any code point but lone surrogates


def _passwords(min_size: int) -> st.SearchStrategy[str]:
    return st.text(_characters, min_size=min_size, max_size=MAX_LENGTH).filter(
        lambda p: min_size <= len(normalize(p)) <= MAX_LENGTH
    )


async def _hash_and_verify(password: str, long_password: str, variant: str) -> tuple[bool, bool, bool]:
    stored, stored_long = await asyncio.gather(HASHER.hash(password), HASHER.hash(long_password))
    return await asyncio.gather(
        HASHER.verify(stored, password), HASHER.verify(stored_long, long_password), HASHER.verify(stored_long, variant)
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(password=_passwords(MIN_LENGTH), long_password=_passwords(73), replacement=_characters)
def test_unicode_passwords_hash_verify_and_differ_at_character_73(
    password: str, long_password: str, replacement: str
) -> None:
    folded = normalize(password).casefold()
    if folded in BLOCKLIST or folded.strip() in BLOCKLIST:
        with pytest.raises(InvalidInput) as err:
            check_password(password, blocklist=BLOCKLIST)
        assert err.value.code == "password.common"
    else:
        assert check_password(password, blocklist=BLOCKLIST) == normalize(password)

    # What the use cases hash is the NFKC form; change only its 73rd character.
    hashed = normalize(long_password)
    variant = hashed[:72] + replacement + hashed[73:]
    assume(normalize(variant) != hashed)

    ok, ok_long, variant_ok = asyncio.run(_hash_and_verify(normalize(password), hashed, normalize(variant)))
    assert ok and ok_long
    assert not variant_ok
