"""The 90-in-180-days rule: days used, days left, the last day allowed on this entry.

Both the day of entry and the day of exit count as days of stay. On any day D, the days
stayed in the 180 days ending on D may not exceed 90; leaving and coming back does not
reset the count. Some nationals may also stay at most 30 days per entry.

Days left agree with the last allowed day: in the country, today is a day used, and the
days left are those after it up to the last allowed day (last day − today). Out of the
country, they are the days of an entry made today, today being its day 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Trip = tuple[date, date | None]  # entered, left (None: still in Kazakhstan)


def stay_days(trips: Iterable[Trip], today: date) -> set[date]:
    """Every day spent in the country (an open trip runs to today)."""
    days: set[date] = set()
    for entered, left in trips:
        end = left or today
        days.update(entered + timedelta(days=n) for n in range((end - entered).days + 1))
    return days


def used_in_window(days: set[date], on: date, window: int = 180) -> int:
    start = on - timedelta(days=window - 1)
    return sum(1 for day in days if start <= day <= on)


@dataclass(frozen=True)
class StayPicture:
    used: int  # in the 180 days ending today
    left: int  # in the country: last_allowed_day − today; away: the days of an entry today
    in_country: bool
    last_allowed_day: date | None  # on the current entry: the last lawful day (past if over)
    overstay: bool
    days_over: int  # days stayed after the last lawful day (0 unless overstay)
    full_allowance_from: date | None  # the 180-day window is empty again, leaving today
    full_allowance_if_staying: date | None  # the same, leaving on the last allowed day
    entered: date | None = None  # the current entry, if in the country

    @property
    def over_since_entry(self) -> bool:
        """Over the limit from the day of entry: no lawful day on this entry at all."""
        return (
            self.overstay
            and self.entered is not None
            and self.last_allowed_day is not None
            and self.last_allowed_day < self.entered
        )


def stay_picture(
    trips: list[Trip],
    today: date,
    *,
    per_entry_days: int | None,
    window: int = 180,
    max_days: int = 90,
) -> StayPicture:
    days = stay_days(trips, today)
    used = used_in_window(days, today, window)
    open_trip = next((entered for entered, left in trips if left is None), None)
    last_allowed = None
    if open_trip is not None:
        last_allowed = last_allowed_day(days, open_trip, today, per_entry_days, window, max_days)
    overstay = used > max_days or (last_allowed is not None and last_allowed < today)
    days_over = (today - last_allowed).days if overstay and last_allowed is not None else 0
    if overstay and last_allowed is None:  # over 90/180 counting trips already ended
        days_over = used - max_days
    if overstay:
        left = 0
    elif last_allowed is not None:
        left = (last_allowed - today).days
    else:
        left = entry_today_days(days, today, per_entry_days, window, max_days)
    last_day = max(days) if days else None
    staying = (
        last_allowed + timedelta(days=window)
        if last_allowed is not None and not overstay and last_allowed > today
        else None
    )
    return StayPicture(
        used=used,
        left=left,
        in_country=open_trip is not None,
        last_allowed_day=last_allowed,
        overstay=overstay,
        days_over=days_over,
        full_allowance_from=last_day + timedelta(days=window) if last_day else None,
        full_allowance_if_staying=staying,
        entered=open_trip,
    )


def entry_today_days(
    days: set[date], today: date, per_entry_days: int | None, window: int, max_days: int
) -> int:
    """How many days, today included, one who is away may stay on an entry made today."""
    staying = days | {today}
    if used_in_window(staying, today, window) > max_days:
        return 0
    last = last_allowed_day(staying, today, today, per_entry_days, window, max_days)
    return (last - today).days + 1


Band = Literal["warning", "fine", "expulsion"]


def overstay_band(days_over: int, warning_up_to: int, fine_up_to: int) -> Band:
    """What art. 517 provides for an overstay of this many days: a warning up to
    `warning_up_to` days, a fine up to `fine_up_to`, expulsion (with an entry ban) beyond."""
    if days_over <= warning_up_to:
        return "warning"
    if days_over <= fine_up_to:
        return "fine"
    return "expulsion"


def last_allowed_day(
    days: set[date],
    entered: date,
    today: date,
    per_entry_days: int | None,
    window: int = 180,
    max_days: int = 90,
) -> date:
    """The latest day one may still be in the country on the entry that began `entered`,
    staying every day from today on (the day before the first day that would break a rule;
    if today already breaks one, the last day that did not)."""
    cap = entered + timedelta(days=per_entry_days - 1) if per_entry_days else None
    staying = set(days)
    day = today
    if used_in_window(staying, day, window) > max_days or (cap and day > cap):
        while day >= entered and (
            used_in_window(staying, day, window) > max_days or (cap and day > cap)
        ):
            day -= timedelta(days=1)
        return day
    while True:
        following = day + timedelta(days=1)
        staying.add(following)
        if (cap and following > cap) or used_in_window(staying, following, window) > max_days:
            return day
        day = following


def overlapping(trips: list[Trip], new: Trip, today: date) -> Trip | None:
    """A recorded trip that shares a day with the new one (only one trip can be open)."""
    start, end = new[0], new[1] or today
    for trip in trips:
        if trip[1] is None and new[1] is None:
            return trip
        if trip[0] <= end and start <= (trip[1] or today):
            return trip
    return None
