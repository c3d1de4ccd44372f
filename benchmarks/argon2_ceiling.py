"""The ceiling for logins: raw argon2-cffi verifies per second, all CPUs busy, nothing else.

Kept apart from the scenarios (imports argon2 only) because the process variant spawns fresh
interpreters that import this module.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import argon2

from benchmarks.cpu import CpuShare

# What adapters.identity.argon2.Argon2Hasher builds from the default settings (OWASP minimum).
PARAMETERS: dict[str, Any] = {
    "time_cost": 2,
    "memory_cost": 19456,
    "parallelism": 1,
    "hash_len": 32,
    "salt_len": 16,
    "type": argon2.Type.ID,
}
# Spawned processes import argon2 (and this module) before the window opens.
_PROCESS_START_S = 3.0
_THREAD_START_S = 0.1


def raw_hasher() -> argon2.PasswordHasher:
    return argon2.PasswordHasher(**PARAMETERS)


def describe() -> str:
    p = PARAMETERS
    return (
        f"Argon2id m={p['memory_cost']} KiB, t={p['time_cost']}, p={p['parallelism']}, "
        f"hash {p['hash_len']} B, salt {p['salt_len']} B"
    )


@dataclasses.dataclass(frozen=True)
class CeilingRun:
    mode: str  # "threads" or "processes"
    workers: int
    verifies: int
    duration_s: float
    # How late the slowest worker entered the window (should be ~0).
    late_start_s: float
    cpu: CpuShare | None = None

    @property
    def verifies_per_s(self) -> float:
        return round(self.verifies / self.duration_s, 1) if self.duration_s else 0.0


def _verify_window(encoded: str, password: str, start_at: float, stop_at: float) -> tuple[int, float]:
    """Verify back to back between two wall-clock instants; count those completed inside."""
    hasher = raw_hasher()
    while (wait := start_at - time.time()) > 0:
        time.sleep(min(wait, 0.01))
    late = max(0.0, time.time() - start_at)
    done = 0
    while time.time() < stop_at:
        hasher.verify(encoded, password)
        if time.time() <= stop_at:
            done += 1
    return done, late


def measure(encoded: str, password: str, *, mode: str, workers: int, duration_s: float) -> CeilingRun:
    """``workers`` threads (argon2-cffi releases the GIL inside the C call) or processes, each
    verifying ``encoded`` for ``duration_s``; the total verifies in the common window."""
    executor: Executor
    if mode == "threads":
        executor, lead = ThreadPoolExecutor(max_workers=workers), _THREAD_START_S
    elif mode == "processes":
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        lead = _PROCESS_START_S
    else:
        raise ValueError(f"unknown ceiling mode {mode!r}")
    with executor:
        start_at = time.time() + lead
        futures = [
            executor.submit(_verify_window, encoded, password, start_at, start_at + duration_s) for _ in range(workers)
        ]
        results = [future.result(timeout=lead + duration_s + 60) for future in futures]
    return CeilingRun(
        mode=mode,
        workers=workers,
        verifies=sum(done for done, _ in results),
        duration_s=duration_s,
        late_start_s=round(max(late for _, late in results), 3),
    )
