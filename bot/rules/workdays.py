"""Working days in Kazakhstan: weekends, public holidays and the days off given for them.

Each year comes from the calendar in bot/content/calendar.json (holidays, the next working
day off for a holiday on a weekend, the government's transfers), with its source. A year
not in that file falls back to the `holidays` package, loaded only then; such a year, and a
year whose transfers are not published yet, is "unsettled": a deadline counted across it
may shift, and the screen says so."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from pydantic import BaseModel

from bot.content import load
from bot.content.facts import FactSource


class CalendarYear(BaseModel):
    holidays: list[date]
    days_off: list[date]  # weekend holidays moved to the next working day, and transfers
    working_weekends: list[date]  # a Saturday or Sunday made a working day by a transfer
    transfers_published: bool
    note: str
    source: FactSource
    checked_on: date


class Calendar(BaseModel):
    about: str
    years: dict[int, CalendarYear]


def calendar() -> Calendar:
    return load("calendar.json", Calendar)


@cache
def _package_days_off(year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays("KZ", years=year))


def is_working_day(day: date) -> bool:
    known = calendar().years.get(day.year)
    if known is None:
        return day.weekday() < 5 and day not in _package_days_off(day.year)
    if day in known.working_weekends:
        return True
    return day.weekday() < 5 and day not in known.holidays and day not in known.days_off


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (start itself not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def unsettled_years(start: date, end: date) -> list[int]:
    """The years from `start` to `end` whose days off are not settled: not in our calendar,
    or their transfers not published yet."""
    years = calendar().years
    return [
        year
        for year in range(start.year, end.year + 1)
        if year not in years or not years[year].transfers_published
    ]
