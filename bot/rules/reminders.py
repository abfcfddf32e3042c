"""When reminders go out: the ladder before a deadline, in local time, never at night."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LADDER_DAYS = (7, 3, 1, 0)  # days before the deadline
REMINDER_TIME = time(10, 0)  # local
QUIET_FROM = time(22, 0)
QUIET_UNTIL = time(8, 0)
AFTER_QUIET = time(9, 0)


@dataclass(frozen=True)
class ZonePlan:
    """The user's time zone day by day: `home` up to and including `leaving` (the day they
    leave Kazakhstan), `zone` (their profile's) after it; `zone` throughout without a
    departure."""

    zone: ZoneInfo
    home: ZoneInfo | None = None
    leaving: date | None = None

    def on(self, day: date) -> ZoneInfo:
        if self.home is not None and self.leaving is not None and day <= self.leaving:
            return self.home
        return self.zone

    def at(self, moment: datetime) -> ZoneInfo:
        """The zone the user is in at `moment`."""
        return self.on(moment.astimezone(self.home).date()) if self.home else self.zone

    def switches_after(self, today: date) -> bool:
        """Whether the zone still changes: a departure ahead, to another zone."""
        return (
            self.home is not None
            and self.leaving is not None
            and self.leaving >= today
            and self.home.key != self.zone.key
        )


def as_plan(zone: ZoneInfo | ZonePlan) -> ZonePlan:
    return zone if isinstance(zone, ZonePlan) else ZonePlan(zone)


def step_name(days_before: int) -> str:
    return f"{days_before}d"


def in_quiet_hours(local: datetime) -> bool:
    return local.time() >= QUIET_FROM or local.time() < QUIET_UNTIL


def out_of_quiet_hours(local: datetime) -> datetime:
    """This moment, or the next 09:00 if it falls in the night (22:00–08:00): for "now"."""
    if local.time() >= QUIET_FROM:
        return datetime.combine(local.date() + timedelta(days=1), AFTER_QUIET, local.tzinfo)
    if local.time() < QUIET_UNTIL:
        return datetime.combine(local.date(), AFTER_QUIET, local.tzinfo)
    return local


def to_utc(local: datetime) -> datetime:
    """Local wall time to UTC; zoneinfo resolves DST gaps and folds."""
    return local.astimezone(UTC)


def on_day(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` local time on `day` in UTC; a night-time hour becomes 09:00 of that same day."""
    quiet = at >= QUIET_FROM or at < QUIET_UNTIL
    return to_utc(datetime.combine(day, AFTER_QUIET if quiet else at, zone))


def ladder(
    due_on: date,
    zone: ZoneInfo | ZonePlan,
    now: datetime,
    days_before: tuple[int, ...] = LADDER_DAYS,
    at: time = REMINDER_TIME,
) -> list[tuple[str, datetime]]:
    """(step, UTC send time) for each step of the ladder still ahead of `now`, each at `at`
    in the zone the user is in on its day."""
    plan = as_plan(zone)
    steps = []
    for days in sorted(set(days_before), reverse=True):
        day = due_on - timedelta(days=days)
        when = on_day(day, at, plan.on(day))
        if when > now:
            steps.append((step_name(days), when))
    return steps


def later(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    """`days` later at the same local wall time (kept across DST), not at night; UTC."""
    local = moment.astimezone(zone)
    return on_day(local.date() + timedelta(days=days), local.time(), zone)


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def days_left(due_on: date, zone: ZoneInfo, now: datetime) -> int:
    """Whole days from the user's today to the deadline (0 = today, negative = passed)."""
    return (due_on - local_today(now, zone)).days


def deadline_passed(due_on: date, zone: ZoneInfo, now: datetime) -> bool:
    return days_left(due_on, zone, now) < 0
