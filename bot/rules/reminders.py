"""When reminders go out: the ladder before a deadline, in local time, never at night."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LADDER_DAYS = (7, 3, 1, 0)  # days before the deadline
REMINDER_TIME = time(10, 0)  # local
QUIET_FROM = time(22, 0)
QUIET_UNTIL = time(8, 0)
AFTER_QUIET = time(9, 0)


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
    zone: ZoneInfo,
    now: datetime,
    days_before: tuple[int, ...] = LADDER_DAYS,
    at: time = REMINDER_TIME,
) -> list[tuple[str, datetime]]:
    """(step, UTC send time) for each step of the ladder still ahead of `now`."""
    steps = []
    for days in sorted(set(days_before), reverse=True):
        when = on_day(due_on - timedelta(days=days), at, zone)
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
