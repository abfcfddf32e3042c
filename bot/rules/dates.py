"""Dates as people type them: 21.11.2026, 21/11/2026, 2026-11-21, 21.11.26, today, завтра."""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import Enum

DAY_FIRST = re.compile(r"^(\d{1,2})[./\-](\d{1,2})[./\-](\d{4}|\d{2})$")
YEAR_FIRST = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
RELATIVE_DAYS = {
    "today": 0,
    "сегодня": 0,
    "бүгін": 0,
    "бугин": 0,
    "tomorrow": 1,
    "завтра": 1,
    "ертең": 1,
    "ертен": 1,
    "yesterday": -1,
    "вчера": -1,
    "кеше": -1,
}


class DateProblem(Enum):
    UNREADABLE = "unreadable"  # not a date at all
    IMPOSSIBLE = "impossible"  # 31.02.2026
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"


class DateInputError(ValueError):
    def __init__(self, problem: DateProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def parse_date(
    text: str, today: date, earliest: date | None = None, latest: date | None = None
) -> date:
    """The date in `text`, within [earliest, latest]; DateInputError says what is wrong."""
    cleaned = text.strip().casefold().rstrip(".")
    if cleaned in RELATIVE_DAYS:
        found = today + timedelta(days=RELATIVE_DAYS[cleaned])
    else:
        found = _numeric(cleaned.replace(" ", ""))
    if earliest is not None and found < earliest:
        raise DateInputError(DateProblem.TOO_EARLY)
    if latest is not None and found > latest:
        raise DateInputError(DateProblem.TOO_LATE)
    return found


def _numeric(text: str) -> date:
    if match := YEAR_FIRST.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := DAY_FIRST.match(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
    else:
        raise DateInputError(DateProblem.UNREADABLE)
    try:
        return date(year, month, day)
    except ValueError:
        raise DateInputError(DateProblem.IMPOSSIBLE) from None
