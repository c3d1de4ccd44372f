"""Common passwords (NIST SP 800-63B 5.1.1.2), from the lists zxcvbn ships.

Sources: zxcvbn's ``passwords`` (30,000 most common leaked passwords) and ``us_tv_and_film``
(19,160 words and phrases most used in film and TV subtitles, which is where memorable
passwords come from). Left out: ``english_wikipedia`` (encyclopedia vocabulary such as
"municipality" or "championship": words, not passwords people pick), and the first-name and
surname lists (short names; with a 12-character minimum they would block almost nothing).

With a 12-character minimum, only about 1,200 entries can match a password as is, so
``__contains__`` also refuses trivial variations that a length rule invites:
- a unit repeated ("passwordpassword", "abcabcabcabc", "aaaaaaaaaaaa"),
- a straight run of digits or letters ("123456789012", "987654321098", "abcdefghijkl"),
- a listed entry followed only by digits ("password1234", "dragon123456").
Everything is case-folded, matching ``core.identity.domain.passwords.check_password``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable

SOURCES = ("passwords", "us_tv_and_film")
MAX_TRIVIAL_UNIT = 4  # any unit this short repeated is trivial, listed or not
MIN_BASE_BEFORE_DIGITS = 4


@functools.cache
def _entries() -> frozenset[str]:
    """Built once per process (~50,000 strings)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(word.casefold() for source in SOURCES for word in FREQUENCY_LISTS[source])


class CommonPasswords:
    """ports.identity.security.PasswordBlocklist."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        extra_entries = {e.casefold() for e in extra}
        self._entries = _entries() | extra_entries if extra_entries else _entries()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, candidate: object) -> bool:
        if not isinstance(candidate, str) or not candidate:
            return False
        folded = candidate.casefold()
        return (
            folded in self._entries
            or self._repeated(folded)
            or _straight_run(folded)
            or self._listed_then_digits(folded)
        )

    def _repeated(self, value: str) -> bool:
        # The smallest period p of value: value == value[:p] * k (k >= 2).
        period = (value + value).find(value, 1)
        if period >= len(value):
            return False
        unit = value[:period]
        return period <= MAX_TRIVIAL_UNIT or unit in self._entries

    def _listed_then_digits(self, value: str) -> bool:
        base = value.rstrip("0123456789")
        return base != value and len(base) >= MIN_BASE_BEFORE_DIGITS and base in self._entries


def _straight_run(value: str) -> bool:
    """Each character one after the previous (digits wrap 9 -> 0), or each one before it."""
    if len(value) < 3:
        return False
    steps = {_step(a, b) for a, b in itertools.pairwise(value)}
    return steps in ({1}, {-1})


def _step(a: str, b: str) -> int | None:
    if a.isascii() and b.isascii() and a.isdigit() and b.isdigit():
        diff = (int(b) - int(a)) % 10
        return 1 if diff == 1 else -1 if diff == 9 else None
    if a.isascii() and b.isascii() and a.isalpha() and b.isalpha():
        diff = ord(b) - ord(a)
        return diff if diff in (1, -1) else None
    return None
