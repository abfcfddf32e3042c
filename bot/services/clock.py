"""Time is injected: services ask a clock, tests move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Time as it goes, starting from `start`: the console's `--at` shows the bot on a day
    other than today (staff preview a deadline or the 1st of a month; tests pin it)."""

    def __init__(self, start: datetime, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._shift: timedelta = start - self._base.now()

    def now(self) -> datetime:
        return self._base.now() + self._shift


def clock_at(at: datetime | None, timezone: str) -> Clock | None:
    """The clock `--at` asks for (a naive moment is in `timezone`), or None for the system's."""
    if at is None:
        return None
    return ShiftedClock(at if at.tzinfo else at.replace(tzinfo=ZoneInfo(timezone)))
