"""The last day to register a stay, under the rules in force on the day of entry."""

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
    # the last day of a stay capped per entry, when it comes before registration is due:
    # then registration matters only for a longer stay on other grounds (a visa, a permit)
    must_leave_by: date | None = None


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
    """Since the switch date: register yourself online by the Nth calendar day after
    crossing. Before it: the host notifies within N working days, except where the first
    days of a stay needed no registration (Uzbekistan: 30). A stay of at most
    `per_entry_days` that ends before the registration day is reported as `must_leave_by`."""
    leave_by = entered_on + timedelta(days=per_entry_days - 1) if per_entry_days else None
    if entered_on >= self_registration_from:
        last_day = entered_on + timedelta(days=self_registration_days)
        earlier = leave_by if leave_by is not None and leave_by < last_day else None
        return RegistrationDeadline("self_online", last_day, earlier)
    exempt = exempt_first_days.get(citizenship or "")
    if exempt:
        return RegistrationDeadline("exempt_then_register", entered_on + timedelta(days=exempt))
    return RegistrationDeadline(
        "host_notice", add_working_days(entered_on, host_notice_working_days)
    )


def address_change_deadline(moved_on: date, working_days: int) -> date:
    return add_working_days(moved_on, working_days)
