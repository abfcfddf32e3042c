"""The last day to register a stay, under the rules in force on the day of entry.

Days are counted as for the stay limits: the day of entry is day 1, so "no later than the
30th calendar day" ends on entry + 29 (KNOWLEDGE.md, "Counting days"; the order itself
does not say how the days are counted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.rules.workdays import add_working_days

Rule = Literal["self_online", "host_notice", "exempt_then_register"]


@dataclass(frozen=True)
class RegistrationDeadline:
    rule: Rule
    last_day: date
    # the last day of a stay capped per entry, when it comes no later than registration:
    # then registration matters only for a longer stay on other grounds (a visa, a permit)
    must_leave_by: date | None = None


def day_of_stay(entered_on: date, number: int) -> date:
    """The date of day `number` of a stay that began on `entered_on` (day 1)."""
    return entered_on + timedelta(days=number - 1)


def registration_deadline(
    entered_on: date,
    citizenship: str | None,
    *,
    self_registration_from: date,
    self_registration_days: int,
    host_notice_working_days: int,
    exempt_first_days: dict[str, int],
    per_entry_days: int | None = None,
) -> RegistrationDeadline:
    """Since the switch date: register yourself online by day N of the stay (the day of
    entry is day 1). Before it: the host notifies within N working days, except where the
    first N days of a stay needed no registration (Uzbekistan: 30). A stay of at most
    `per_entry_days` that ends no later than the registration day is reported as
    `must_leave_by`."""
    leave_by = day_of_stay(entered_on, per_entry_days) if per_entry_days else None
    if entered_on >= self_registration_from:
        last_day = day_of_stay(entered_on, self_registration_days)
        earlier = leave_by if leave_by is not None and leave_by <= last_day else None
        return RegistrationDeadline("self_online", last_day, earlier)
    exempt = exempt_first_days.get(citizenship or "")
    if exempt:
        return RegistrationDeadline("exempt_then_register", day_of_stay(entered_on, exempt))
    return RegistrationDeadline(
        "host_notice", add_working_days(entered_on, host_notice_working_days)
    )


def address_change_deadline(moved_on: date, working_days: int) -> date:
    return add_working_days(moved_on, working_days)
