"""Working days in Kazakhstan: weekends and public holidays (the `holidays` package) skipped.

The `holidays` package and its Kazakh table are loaded the first time a working day is
counted, not at start-up; each year's dates are kept once computed.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


@cache
def _holidays(year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays("KZ", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (start itself not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
