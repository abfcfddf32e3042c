"""When reminders go out: ladders, quiet hours, time zones and DST (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.rules.reminders import (
    days_left,
    deadline_passed,
    in_quiet_hours,
    ladder,
    later,
    on_day,
    out_of_quiet_hours,
)

ALMATY = ZoneInfo("Asia/Almaty")
SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_full_ladder_at_ten_in_almaty():
    steps = ladder(date(2026, 12, 21), ALMATY, utc(2026, 11, 21, 6))
    assert steps == [
        ("7d", utc(2026, 12, 14, 5)),
        ("3d", utc(2026, 12, 18, 5)),
        ("1d", utc(2026, 12, 20, 5)),
        ("0d", utc(2026, 12, 21, 5)),
    ]


def test_ladder_keeps_only_steps_still_ahead():
    now = utc(2026, 12, 19, 7)  # 12:00 in Almaty on the 19th
    assert [step for step, _ in ladder(date(2026, 12, 21), ALMATY, now)] == ["1d", "0d"]
    assert ladder(date(2026, 12, 21), ALMATY, utc(2026, 12, 21, 6)) == []  # 11:00 on the day


def test_ladder_in_seoul_is_at_ten_korean_time():
    steps = dict(ladder(date(2027, 1, 10), SEOUL, utc(2026, 11, 21)))
    assert steps["0d"] == utc(2027, 1, 10, 1)  # 10:00 KST = 01:00 UTC


def test_ladder_across_the_spring_dst_change_in_berlin():
    steps = dict(ladder(date(2026, 3, 29), BERLIN, utc(2026, 3, 1)))  # DST starts 29 March
    assert steps["1d"] == utc(2026, 3, 28, 9)  # 10:00 CET
    assert steps["0d"] == utc(2026, 3, 29, 8)  # 10:00 CEST


def test_ladder_across_the_autumn_dst_change_in_berlin():
    steps = dict(ladder(date(2026, 10, 25), BERLIN, utc(2026, 10, 1)))
    assert steps["1d"] == utc(2026, 10, 24, 8)  # 10:00 CEST
    assert steps["0d"] == utc(2026, 10, 25, 9)  # 10:00 CET


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [
        (21, 59, False),
        (22, 0, True),
        (23, 30, True),
        (0, 0, True),
        (7, 59, True),
        (8, 0, False),
        (12, 0, False),
    ],
)
def test_quiet_hours_are_22_to_8(hour, minute, quiet):
    assert in_quiet_hours(datetime(2026, 11, 21, hour, minute, tzinfo=ALMATY)) is quiet


@pytest.mark.parametrize(
    ("local", "moved"),
    [
        (datetime(2026, 11, 21, 23, 30), datetime(2026, 11, 22, 9, 0)),
        (datetime(2026, 11, 21, 3, 0), datetime(2026, 11, 21, 9, 0)),
        (datetime(2026, 11, 21, 7, 59), datetime(2026, 11, 21, 9, 0)),
        (datetime(2026, 11, 21, 14, 15), datetime(2026, 11, 21, 14, 15)),
        (datetime(2026, 12, 31, 22, 0), datetime(2027, 1, 1, 9, 0)),
    ],
)
def test_a_moment_at_night_moves_to_the_next_nine_oclock(local, moved):
    assert out_of_quiet_hours(local.replace(tzinfo=SEOUL)) == moved.replace(tzinfo=SEOUL)


def test_a_night_hour_on_a_fixed_day_becomes_nine_that_day():
    assert on_day(date(2026, 12, 21), time(23, 0), ALMATY) == utc(2026, 12, 21, 4)
    assert on_day(date(2026, 12, 21), time(6, 0), SEOUL) == utc(2026, 12, 21, 0)
    assert ladder(date(2026, 12, 21), ALMATY, utc(2026, 12, 1), (0,), time(23, 30)) == [
        ("0d", utc(2026, 12, 21, 4))
    ]  # never after the deadline day


def test_later_keeps_the_local_wall_time_and_the_day():
    assert later(utc(2026, 11, 21, 9), ALMATY, 1) == utc(2026, 11, 22, 9)  # 14:00 → 14:00
    assert later(utc(2026, 11, 21, 18, 30), ALMATY, 1) == utc(2026, 11, 22, 4)  # 23:30 → 09:00
    assert later(utc(2026, 3, 28, 19), BERLIN, 1) == utc(2026, 3, 29, 18)  # 20:00 across DST
    assert later(utc(2026, 2, 28, 5), ALMATY, 1) == utc(2026, 3, 1, 5)  # month end


def test_leap_day_and_days_left():
    assert dict(ladder(date(2028, 3, 1), ALMATY, utc(2028, 2, 1)))["1d"] == utc(2028, 2, 29, 5)
    assert days_left(date(2026, 11, 22), ALMATY, utc(2026, 11, 21, 18, 59)) == 1  # 23:59 local
    assert days_left(date(2026, 11, 22), ALMATY, utc(2026, 11, 21, 19, 0)) == 0  # 00:00 local
    assert not deadline_passed(date(2026, 11, 21), ALMATY, utc(2026, 11, 21, 18, 59))
    assert deadline_passed(date(2026, 11, 21), ALMATY, utc(2026, 11, 21, 19, 0))
