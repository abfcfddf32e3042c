"""Broadcast rules: which language a reader gets, how fast, how long, when to retry."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import LOCALES
from bot.rules.reminders import in_quiet_hours

FALLBACK = "ru"  # a reader whose language was not given gets Russian, then what there is


def content_locale(reader: str, given: Collection[str]) -> str:
    """The language of the content a reader of `reader` gets."""
    if reader in given:
        return reader
    if FALLBACK in given:
        return FALLBACK
    return next(code for code in (*LOCALES, *sorted(given)) if code in given)


def at_night(at: datetime, zones: Iterable[str]) -> list[tuple[str, datetime]]:
    """The zones (of a broadcast's recipients) where `at` falls in the hours reminders keep
    quiet (22:00–08:00), each with the local time there."""
    found = []
    for zone in zones:
        try:
            local = at.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            continue
        if in_quiet_hours(local):
            found.append((zone, local))
    return found


def batch_size(rate: float) -> int:
    """Deliveries claimed at once: about two seconds' worth at `rate` (a pause or another
    instance's share waits no longer), at least 20, at most 1000."""
    if rate <= 0:
        return 1000
    return max(20, min(1000, int(rate * 2)))


def retry_delay(attempt: int) -> timedelta:
    """After a network error or a 5xx: 2 s, 4 s, 8 s ... up to 5 minutes."""
    return min(timedelta(seconds=2**attempt), timedelta(minutes=5))
