"""Peak resident memory of a server's process tree, sampled in a background thread."""

from __future__ import annotations

import dataclasses
import threading
from types import TracebackType

import psutil

MIB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class RssPeak:
    """Peaks in MiB: the largest single process (what a worker's budget applies to) and the
    whole tree (what the machine has to provide)."""

    largest_mb: float = 0.0
    total_mb: float = 0.0
    samples: int = 0

    def merge(self, other: RssPeak) -> RssPeak:
        return RssPeak(
            max(self.largest_mb, other.largest_mb),
            max(self.total_mb, other.total_mb),
            self.samples + other.samples,
        )


class RssSampler:
    """``with RssSampler(pid) as s: ...`` then read ``s.peak``.

    The tree is re-listed on every sample because servers may (re)spawn workers at any time.
    """

    def __init__(self, pid: int, *, interval_s: float = 0.1) -> None:
        self._root_pid = pid
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)
        self._largest = 0
        self._total = 0
        self._samples = 0

    def __enter__(self) -> RssSampler:
        self._sample()  # at least one sample even for a run shorter than the interval
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sample()

    @property
    def peak(self) -> RssPeak:
        return RssPeak(round(self._largest / MIB, 1), round(self._total / MIB, 1), self._samples)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def _sample(self) -> None:
        try:
            root = psutil.Process(self._root_pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        sizes = []
        for process in processes:
            try:
                sizes.append(process.memory_info().rss)
            except psutil.Error:  # a worker exiting between listing and reading
                continue
        if not sizes:
            return
        self._largest = max(self._largest, max(sizes))
        self._total = max(self._total, sum(sizes))
        self._samples += 1
