"""Reminder delivery under Bot API faults, and recovery after a crash or a silent instance.

Everything goes through the real ReminderService (and the runner's drain and jobs) with the
in-process Bot API stand-in and the injectable clock. Where the rate matters, the rate
limiter runs on the same fake clock: its waits move the clock instead of sleeping, so a
tick's length and the achieved rate are counted in simulated seconds, never measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import PROJECT_ROOT
from bot.app import build_bot, create_app
from bot.runner import Delivery
from bot.services.reminders import ReminderService
from bot.services.sender import RateLimiter
from bot.simulator import BAD_GATEWAY_PAGE, FaultMix, LocalSession
from storage.models import Reminder, ReminderInstance
from storage.records import PersonalRecord
from tests.conftest import FakeClock

DEADLINE = date(2026, 12, 21)
DUE = datetime(2026, 12, 14, 5, tzinfo=UTC)  # the 7-day step: 10:00 in Almaty
SEND_RATE = 30.0


async def due_reminders(app, users: range) -> None:
    """One deadline per user; the clock must then be set to DUE."""
    for user_id in users:
        await app.users.save(user_id, locale="en")
        await app.reminders.schedule(
            user_id, "personal", DEADLINE, PersonalRecord(title=f"Deadline {user_id}"), "p:1"
        )
    await app.writer.barrier()  # profiles are written behind: another instance reads the rows


async def step_statuses(app) -> Counter[str]:
    """Statuses of the 7-day steps (the ones due)."""
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(Reminder.status, func.count())
            .where(Reminder.step == "7d")
            .group_by(Reminder.status)
        )
    return Counter({status: n for status, n in rows})


async def errors_by_user(app) -> dict[int, str | None]:
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(Reminder.user_id, Reminder.last_error).where(Reminder.step == "7d")
        )
    return {user_id: error for user_id, error in rows}


async def next_due(app) -> datetime:
    async with app.sessionmaker() as session:
        due = await session.scalar(
            select(func.min(Reminder.due_at)).where(Reminder.status == "pending")
        )
    assert due is not None
    return due


def simulated(clock: FakeClock):
    """(monotonic, sleep) on the fake clock: a wait moves the clock to its end."""

    def monotonic() -> float:
        return clock.now().timestamp()

    async def sleep(seconds: float) -> None:
        clock.set(max(clock.now(), clock.now() + timedelta(seconds=seconds)))
        await asyncio.sleep(0)

    return monotonic, sleep


class Gate:
    """A rate limiter's sleep that lets `passes` calls through, then holds the rest (the
    first held holds the line; the others wait behind it)."""

    def __init__(self, passes: int) -> None:
        self.passes = passes
        self.opened = asyncio.Event()
        self.waiting = 0

    async def __call__(self, seconds: float) -> None:
        if self.passes > 0:
            self.passes -= 1
            return
        self.waiting += 1
        await self.opened.wait()


def gated_limiter(passes: int) -> tuple[RateLimiter, Gate]:
    """The first call goes at once, `passes` more after it; the others wait for the gate."""
    gate = Gate(passes)
    return RateLimiter(1000, 0, clock=lambda: 0.0, sleep=gate), gate


async def until(condition, rounds: int = 1000) -> None:
    """Let the app run (its database calls go through a thread) until `condition()` holds."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


# --- item 4: faults stay with their reminder; ticks never wait on retries --------------


async def test_any_failure_stays_with_its_reminder_and_is_retried_later(app, bot, clock, sleeps):
    await due_reminders(app, range(1, 11))
    clock.set(DUE)
    session = bot.session
    session.fail_next(502, "Bad Gateway", body=BAD_GATEWAY_PAGE, method="sendMessage")
    session.fail_next(500, "Internal Server Error", method="sendMessage")
    session.fail_next(0, "Server disconnected", method="sendMessage")
    session.fail_next(0, "Server disconnected", delivered=True, method="sendMessage")
    session.fail_next(0, "", error=RuntimeError("a bug in a view"), method="sendMessage")
    session.fail_next(429, "Too Many Requests", retry_after=20, method="sendMessage")

    report = await app.reminders.tick(bot)  # before: ClientDecodeError escaped the tick

    assert (report.claimed, report.sent, report.rescheduled, report.failed) == (10, 4, 6, 0)
    assert sleeps == []  # nothing slept inside the tick: no backoff, no 20 s flood wait
    assert await step_statuses(app) == {"sent": 4, "pending": 6}  # nothing left claimed
    reasons = sorted(error.split(":")[0] for error in (await errors_by_user(app)).values() if error)
    assert reasons == [
        "ClientDecodeError",
        "RuntimeError",
        "TelegramNetworkError",
        "TelegramNetworkError",
        "TelegramServerError",
        "flood limit",
    ]
    clock.advance(seconds=3)  # transient errors come back after seconds
    assert (await app.reminders.tick(bot)).sent == 4
    clock.advance(seconds=20)  # the flood wait
    assert (await app.reminders.tick(bot)).sent == 1
    clock.advance(minutes=3)  # an unknown error backs off for minutes
    assert (await app.reminders.tick(bot)).sent == 1
    assert await step_statuses(app) == {"sent": 10}
    delivered = session.delivered
    assert sorted(delivered) == list(range(1, 11))
    assert sum(delivered.values()) == 11  # once each, and twice where the answer was lost
    assert all(delivered[chat] == 2 for chat in session.answers_lost)


async def test_under_the_fault_mix_nothing_is_lost_and_ticks_keep_the_rate(settings, clock):
    app = await create_app(settings, clock=clock)
    try:
        await due_reminders(app, range(1, 301))
        clock.set(DUE)
        monotonic, sleep = simulated(clock)
        app.reminders.limiter = RateLimiter(SEND_RATE, 1.0, clock=monotonic, sleep=sleep)
        session = LocalSession(record=False)
        # longer flood waits than a request waits out: every retry is the service's own
        session.faults = FaultMix(rate=0.2, seed=7, retry_after=(6, 10))
        in_request: list[float] = []

        async def request_sleep(seconds: float) -> None:
            in_request.append(seconds)
            await sleep(seconds)

        bot = build_bot(settings, session=session, sleep=request_sleep)
        busy, ticks, delivered_in_ticks = timedelta(), 0, 0
        while (still := await step_statuses(app))["pending"] + still["sending"]:
            started, calls = clock.now(), session.calls["sendMessage"]
            arrived = len(session.delivered)
            report = await app.reminders.tick(bot)  # before: raised ClientDecodeError
            if not report.claimed:
                clock.set(await next_due(app))  # idle: nothing due until then
                continue
            ticks += 1
            took = clock.now() - started
            made = session.calls["sendMessage"] - calls
            # a tick lasts what its calls take at the rate limit, no more
            assert took.total_seconds() <= (made + 1) / SEND_RATE, (ticks, took, made)
            busy += took
            delivered_in_ticks += len(session.delivered) - arrived
            assert ticks < 50
        assert in_request == []  # no request backed off or waited inside a tick
        assert await step_statuses(app) == {"sent": 300}  # nothing lost, nothing failed
        assert session.failed.total() >= 60  # the faults did happen
        duplicated = {chat: n - 1 for chat, n in session.delivered.items() if n > 1}
        assert duplicated == {chat: n for chat, n in session.answers_lost.items()}
        rate = delivered_in_ticks / busy.total_seconds()
        assert rate >= 0.8 * SEND_RATE, rate
    finally:
        await app.close()


async def test_transient_errors_are_given_up_after_the_last_attempt_with_the_reason(
    app, bot, clock
):
    await due_reminders(app, range(1, 2))
    clock.set(DUE)
    attempts = ReminderService.MAX_TRANSIENT_ATTEMPTS
    bot.session.fail_next(502, body=BAD_GATEWAY_PAGE, method="sendMessage", times=attempts)
    for _ in range(attempts):
        report = await app.reminders.tick(bot)
        assert report.claimed == 1
        clock.set(await next_due(app) if report.rescheduled else clock.now())
    assert report.failed == 1
    assert await step_statuses(app) == {"failed": 1}
    [error] = (await errors_by_user(app)).values()
    assert error is not None and error.startswith("ClientDecodeError")


async def test_the_scheduler_jobs_return_at_once_and_the_desk_does_not_wait(app, bot, clock):
    await due_reminders(app, range(1, 6))
    clock.set(DUE)
    bot.session.hold("sendMessage")  # Telegram hangs: every reminder stays in flight
    delivery = Delivery(app, bot)
    await delivery.reminders()  # starts delivery and returns: the job never overlaps itself
    await until(lambda: bot.session.in_flight == 5)
    await delivery.reminders()  # while it runs, a run starts nothing more
    await delivery.desk()
    await delivery.tasks["desk"]  # the desk's timers ran while reminders were in flight
    assert not delivery.tasks["reminders"].done()
    bot.session.release()
    await delivery.tasks["reminders"]
    assert await step_statuses(app) == {"sent": 5}
    await delivery.stop()


# --- item 5: recovery ------------------------------------------------------------------

CRASHING = """
import asyncio, json, sys
from datetime import datetime
from bot.app import build_bot, create_app
from bot.config import Settings
from bot.services.sender import RateLimiter
from bot.simulator import LocalSession

class Clock:
    def now(self):
        return datetime.fromisoformat(sys.argv[2])

class Gate:  # the rate limit lets three calls go; the rest wait
    def __init__(self):
        self.passes = 2
    async def __call__(self, seconds):
        if self.passes:
            self.passes -= 1
        else:
            await asyncio.Event().wait()

async def main():
    settings = Settings(_env_file=None, database_url=sys.argv[1], send_rate=0)
    app = await create_app(settings, clock=Clock())
    app.reminders.limiter = RateLimiter(1000, 0, clock=lambda: 0.0, sleep=Gate())
    session = LocalSession()
    session.hold("sendMessage", after_delivery=True)  # delivered; the answers never come
    bot = build_bot(settings, session=session)
    tick = asyncio.create_task(app.reminders.tick(bot))
    while session.in_flight < 3:
        if tick.done():
            tick.result()  # it failed: the traceback tells why
        await asyncio.sleep(0.01)
    print(json.dumps(sorted(session.delivered)), flush=True)
    await asyncio.Event().wait()  # killed here

asyncio.run(main())
"""


async def test_after_a_crash_the_next_start_sends_what_the_dead_process_held(app, bot, clock):
    await due_reminders(app, range(1, 21))
    clock.set(DUE)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CRASHING,
        app.settings.database_url,
        clock.now().isoformat(),
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    try:  # a start takes a second or two, far longer on a loaded machine
        line = await asyncio.wait_for(child.stdout.readline(), timeout=300)
    except TimeoutError:
        child.kill()
        pytest.fail("the crashing process had not put 3 reminders in flight after 300 s")
    in_flight = json.loads(line)
    assert len(in_flight) == 3 and await step_statuses(app) == {"sending": 20}
    child.kill()  # SIGKILL: no clean stop
    await child.wait()

    report = await app.reminders.tick(bot)  # the first tick after start-up, same second

    assert (report.claimed, report.sent) == (20, 20)  # before: 0, until the 5-minute lease
    assert report.released == 20
    assert await step_statuses(app) == {"sent": 20}
    delivered = Counter(bot.session.delivered) + Counter(in_flight)
    assert sorted(delivered) == list(range(1, 21))  # nothing lost
    assert sorted(chat for chat, n in delivered.items() if n > 1) == in_flight  # only those
    async with app.sessionmaker() as session:  # the dead instance is forgotten
        assert await session.scalar(select(func.count()).select_from(ReminderInstance)) == 1


async def test_a_silent_instance_loses_its_claims_and_sends_none_of_them_late(settings, clock):
    first, second = [await create_app(settings, clock=clock) for _ in range(2)]
    try:
        await due_reminders(first, range(1, 11))
        clock.set(DUE)
        first.reminders.limiter, gate = gated_limiter(passes=1)
        hung = LocalSession()
        hung.hold("sendMessage", after_delivery=True)
        stuck = asyncio.create_task(first.reminders.tick(build_bot(settings, session=hung)))
        await until(lambda: hung.in_flight == 2 and gate.waiting)  # 8 wait for the rate
        other = build_bot(settings, session=LocalSession())

        clock.advance(seconds=30)  # a silence shorter than the heartbeat timeout
        assert (await second.reminders.tick(other)).claimed == 0
        clock.advance(seconds=31)  # the first instance's heartbeat has stopped for a minute
        report = await second.reminders.tick(other)
        assert report.sent == 10  # before: 0, until the 5-minute lease
        assert report.released == 10

        gate.opened.set()  # the first instance wakes up
        hung.release()
        late = await stuck
        assert (late.sent, late.abandoned) == (2, 8)  # only what was in flight went twice
        assert await step_statuses(first) == {"sent": 10}
        assert sorted(hung.delivered) == sorted(
            chat for chat, n in (hung.delivered + other.session.delivered).items() if n > 1
        )
        assert other.session.delivered.total() == 10 and hung.delivered.total() == 2
    finally:
        for app in (first, second):
            await app.close()


async def test_a_clean_stop_puts_its_claims_back_at_once(settings, clock):
    first, second = [await create_app(settings, clock=clock) for _ in range(2)]
    try:
        await due_reminders(first, range(1, 6))
        clock.set(DUE)
        hung = LocalSession()
        hung.hold("sendMessage")
        bot = build_bot(settings, session=hung)
        delivery = Delivery(first, bot)
        await delivery.reminders()
        await until(lambda: hung.in_flight == 5)
        await delivery.stop()  # what `run` does on the way out
        assert await step_statuses(first) == {"pending": 5}
        other = build_bot(settings, session=LocalSession())
        assert (await second.reminders.tick(other)).sent == 5
    finally:
        for app in (first, second):
            await app.close()
