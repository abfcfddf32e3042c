"""The labour permit for household work: tax in advance, validity, renewal."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.content.facts import Reading


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(start: date, months: int) -> date:
    """A permit from `start` for `months` months is valid through this day."""
    return add_months(start, months) - timedelta(days=1)


@dataclass(frozen=True)
class TaxPart:
    """The months of one calendar year, each taxed at that year's MCI."""

    year: int
    months: int
    mci: Reading  # inexact when the year's MCI is not in the data yet
    per_month: int

    @property
    def amount(self) -> int:
        return self.per_month * self.months


@dataclass(frozen=True)
class PermitTax:
    parts: tuple[TaxPart, ...]

    @property
    def total(self) -> int:
        return sum(part.amount for part in self.parts)

    @property
    def missing_years(self) -> list[int]:
        return [part.year for part in self.parts if not part.mci.exact]


def permit_tax(
    start: date, months: int, mci_on: Callable[[date], Reading], mci_per_month: int
) -> PermitTax:
    """Individual income tax paid in advance: `mci_per_month` MCI for each month of work, at
    the MCI of 1 January of the year that month begins in (a permit from 15 Dec 2025 for 3
    months: one month at the 2025 MCI, two at the 2026 MCI)."""
    by_year: dict[int, int] = {}
    for month in range(months):
        year = add_months(start, month).year
        by_year[year] = by_year.get(year, 0) + 1
    parts = []
    for year, count in by_year.items():
        mci = mci_on(date(year, 1, 1))
        parts.append(TaxPart(year, count, mci, mci_per_month * mci.value))
    return PermitTax(tuple(parts))


def months_used(first_start: date, valid_through: date) -> int:
    """Whole months covered from the first issue to the current end."""
    months = 0
    while valid_until(first_start, months + 1) <= valid_through:
        months += 1
    return months
