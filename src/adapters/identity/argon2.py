"""Argon2id password hashing (argon2-cffi) off the event loop, with admission control.

Hashing is CPU-bound by design, so the useful concurrency is the number of cores: more threads
only make every login slower. Each thread also has one hash queued behind the one it computes,
so it goes on to the next the moment it is done instead of idling until the event loop (busy
with other requests) hands it one. Callers beyond that wait in a short FIFO queue; one that
would wait longer than ``max_wait_seconds`` (judged up front from the measured cost of a hash,
and enforced by a deadline) gets ``Unavailable("auth.busy")`` at once. Overload then answers
with a fast 503 and ``Retry-After`` instead of a queue that grows to seconds for everybody.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from core.shared.errors import Unavailable

# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1 (the floor).
OWASP_MIN_MEMORY_KIB = 19456
OWASP_MIN_ITERATIONS = 2

T = TypeVar("T")
# Hashes waiting in the executor behind each running one (no loop round trip between two).
QUEUED_PER_THREAD = 1
# The gate on which the current task was admitted up front (Argon2Hasher.admitted).
_RESERVATION: ContextVar[_Gate | None] = ContextVar("argon2_reservation", default=None)


def available_cpus() -> int:
    """CPUs this process may run on (affinity and cpusets included), not the host's total."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Argon2Hasher:
    """ports.identity.security.PasswordHasher with Argon2id."""

    def __init__(
        self,
        memory_kib: int,
        iterations: int,
        parallelism: int,
        *,
        concurrency: int = 0,
        max_wait_seconds: float = 0.3,
        yield_cpu: bool = False,
    ) -> None:
        """``yield_cpu``: the hashing threads run at idle priority, so the event loop (and the
        server's I/O threads) preempt them the moment they have work; hashes use what CPU is
        left. Without it, a login storm makes every other request wait its turn for a core."""
        if memory_kib < OWASP_MIN_MEMORY_KIB or iterations < OWASP_MIN_ITERATIONS or parallelism < 1:
            raise ValueError(
                f"Argon2id parameters below the OWASP minimum (m>={OWASP_MIN_MEMORY_KIB} KiB, "
                f"t>={OWASP_MIN_ITERATIONS}, p>=1): m={memory_kib}, t={iterations}, p={parallelism}"
            )
        self._hasher = argon2.PasswordHasher(
            time_cost=iterations,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=argon2.Type.ID,
        )
        self.concurrency = concurrency if concurrency > 0 else available_cpus()
        self.max_wait_seconds = max_wait_seconds
        self._executor = ThreadPoolExecutor(
            max_workers=self.concurrency,
            thread_name_prefix="argon2",
            initializer=_yield_cpu if yield_cpu else None,
        )
        # A real hash of a random secret with the same parameters: burn() verifies against it,
        # so 'no such account' costs exactly what 'wrong password' costs. Timing it also seeds
        # the cost estimate the admission control uses.
        started = time.perf_counter()
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(24))
        self._seconds_per_hash = time.perf_counter() - started
        # One gate per event loop (futures belong to a loop); in production there is one loop.
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gate] = weakref.WeakKeyDictionary()

    # -- port ------------------------------------------------------------------------------------

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """False for a wrong password or an unreadable hash; never raises for either."""
        return await self._run(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters (or is not an Argon2 hash)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True

    async def burn(self) -> None:
        await self._run(self._verify, self._dummy_hash, "not the password of anyone at all")

    # -- admission control (core.identity.application.authentication.Admission) ----------------

    @contextlib.contextmanager
    def admitted(self) -> Iterator[None]:
        """Admit a caller that will ask for a hash soon, or raise ``Unavailable("auth.busy")`` now.

        Sign-in enters this before it does anything else (cache, database), so under overload
        a refusal costs next to nothing. An admitted caller holds a place in the queue until
        its hash starts (or the block ends without one): callers admitted meanwhile count it
        among those ahead of them, so a crowd arriving at once cannot all be admitted, pile
        up on the database and be refused at the gate only after that work.
        """
        gate = self._gate()
        if gate.would_refuse(self.max_wait_seconds, self._seconds_per_hash / self.concurrency):
            raise _busy()
        gate.reserved += 1
        token = _RESERVATION.set(gate)
        try:
            yield
        finally:
            if _RESERVATION.get() is gate:  # no hash was asked for: give the place back
                gate.reserved -= 1
            _RESERVATION.reset(token)

    # -- internals -------------------------------------------------------------------------------

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except VerificationError:
            return False
        except (InvalidHashError, ValueError):
            # A corrupt or foreign hash: still spend a verify's time, then refuse.
            with contextlib.suppress(VerificationError):
                self._hasher.verify(self._dummy_hash, password)
            return False

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        gate = self._gate()
        if _RESERVATION.get() is gate:  # admitted up front: its place becomes a real one
            _RESERVATION.set(None)
            gate.reserved -= 1
        if not await gate.enter(self.max_wait_seconds, self._seconds_per_hash / self.concurrency):
            raise _busy()
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._timed, function, *args)
        # The slot is held until the thread is done, even if the caller gives up meanwhile:
        # the CPU is busy either way, and the next caller must not be told otherwise.
        future.add_done_callback(gate.leave)
        return await asyncio.shield(future)

    def _timed(self, function: Callable[..., T], *args: object) -> T:
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            # Exponentially weighted: follows load and CPU contention without jumping around.
            self._seconds_per_hash = 0.8 * self._seconds_per_hash + 0.2 * (time.perf_counter() - started)

    def _gate(self) -> _Gate:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            # Slots for the hashes being computed and for those queued right behind them.
            gate = self._gates[loop] = _Gate((1 + QUEUED_PER_THREAD) * self.concurrency, running=self.concurrency)
        return gate


def _yield_cpu() -> None:
    """Run the calling thread at idle priority (Linux applies the policy per thread)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or refused: the lowest nice value instead
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def _busy() -> Unavailable:
    return Unavailable("auth.busy", "the server is busy signing people in; try again in a moment", {"retry_after": 1})


class _Gate:
    """A FIFO semaphore that refuses instead of queueing too long.

    ``enter`` returns False when the expected wait already exceeds ``max_wait``, or when
    ``max_wait`` passes without a slot. The expected wait is the seconds one slot-turn takes
    times the callers that will hash before us beyond the ``running`` ones: slot holders,
    waiters, and callers admitted up front (``reserved``) that have not asked yet.
    The deadline resolves the waiter's future instead of cancelling the task, so a slot handed
    over at the last moment is never lost.
    """

    def __init__(self, slots: int, *, running: int | None = None) -> None:
        self._slots = self._free = slots
        self._running = slots if running is None else running
        self.reserved = 0
        self._waiters: collections.deque[asyncio.Future[bool]] = collections.deque()

    def would_refuse(self, max_wait: float, seconds_per_turn: float) -> bool:
        """Whether a caller arriving now would be expected to wait longer than ``max_wait``."""
        ahead = (self._slots - self._free) + len(self._waiters) + self.reserved
        return max(0, ahead + 1 - self._running) * seconds_per_turn > max_wait

    async def enter(self, max_wait: float, seconds_per_turn: float) -> bool:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        if self.would_refuse(max_wait, seconds_per_turn):
            return False
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        deadline = loop.call_later(max_wait, _refuse, waiter)
        try:
            granted = await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self.leave()  # handed a slot just as the caller went away: pass it on
            raise
        finally:
            deadline.cancel()
            if not _holds_or_waits(waiter):
                _discard(self._waiters, waiter)
        return granted

    def leave(self, _done: object = None) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)
                return
        self._free += 1


def _holds_or_waits(waiter: asyncio.Future[bool]) -> bool:
    return not waiter.done() or (not waiter.cancelled() and waiter.result())


def _refuse(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


def _discard(waiters: collections.deque[asyncio.Future[bool]], waiter: asyncio.Future[bool]) -> None:
    with contextlib.suppress(ValueError):
        waiters.remove(waiter)
