"""The labour permit for household work: tax in advance, validity, renewal."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(start: date, months: int) -> date:
    """A permit from `start` for `months` months is valid through this day."""
    return add_months(start, months) - timedelta(days=1)


@dataclass(frozen=True)
class PermitTax:
    months: int
    mci: int  # tenge, of the payment year
    mci_year: int
    mci_known: bool  # False: the payment year's MCI is not in our data yet
    per_month: int
    total: int


def permit_tax(
    months: int, paid_on: date, mci_by_year: dict[int, int], mci_per_month: int
) -> PermitTax:
    """Individual income tax paid in advance: `mci_per_month` MCI for each month, at the MCI
    of the year of payment (the last known one when that year's is not in the data)."""
    mci, year, known = mci_of(paid_on.year, mci_by_year)
    per_month = mci_per_month * mci
    return PermitTax(months, mci, year, known, per_month, per_month * months)


def mci_of(year: int, mci_by_year: dict[int, int]) -> tuple[int, int, bool]:
    """The MCI in tenge for `year`: (amount, the year it is of, whether that is `year`).
    A year not in the data yet gets the latest earlier one."""
    if year in mci_by_year:
        return mci_by_year[year], year, True
    earlier = [known for known in mci_by_year if known <= year]
    used = max(earlier, default=min(mci_by_year))
    return mci_by_year[used], used, False


def months_used(first_start: date, valid_through: date) -> int:
    """Whole months covered from the first issue to the current end."""
    months = 0
    while valid_until(first_start, months + 1) <= valid_through:
        months += 1
    return months
