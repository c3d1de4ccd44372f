from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """The current time, always timezone-aware UTC."""

    def now(self) -> dt.datetime: ...
