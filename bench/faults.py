"""Reminder delivery under Bot API faults: achieved rate, lost and duplicated messages.

    python bench/faults.py [--reminders 1000] [--per-user 1] [--broadcast]
                           [--fault-rate 0.2] [--seed 1] [--limit 300]

1,000 reminders (one per user, or `--per-user` K to each of 1,000/K users: a backlog after
downtime, or two deadlines' ladders on one morning, where each chat takes one message a
second) fall due at once and go out through the real runner: the
APScheduler job of `bot/runner.py`, `ReminderService.tick`, the rate limiter at SEND_RATE
30/s (1/s per chat) and the in-process Bot API stand-in of `bot/simulator.py`, which fails
20% of the sendMessage calls, evenly: a 429 (retry after 1-3 s), a 500, a 502 whose body is
an HTML page (aiogram raises ClientDecodeError), a connection dropped before the request
reached Telegram, and one dropped after delivery (the answer is lost, so the message goes
again: the only duplicate allowed). The app's clock is real time, set to 09:00 in Almaty
when the reminders are scheduled and moved to 11:00 when they fall due, so quiet hours
never hold them back whatever the hour of the run. Prints:
  - the achieved rate: reminders delivered (each once) per second of the time the sender
    had work, i.e. some reminder was due and not yet done with (claimed, or pending and
    due; sampled every 0.1 s), target >= 80% of SEND_RATE; time when every open reminder
    is waiting out its retry backoff is not counted. Also the rate over the whole run, to
    the last delivery, which includes those backoffs;
  - the calls made (failed ones included), and the failures by kind;
  - lost reminders (never delivered) and the reminders by status at the end (none should
    be left "sending"), duplicates and whether each one followed a lost answer;
  - the scheduler's runs, and the runs it skipped ("maximum number of running instances").
With `--broadcast` a broadcast to all of them starts at the same moment (its messages go
behind the reminders, in the same sender): the achieved rate then counts both, and lost
and duplicated are counted for both. Stops when no reminder is open and the broadcast has
ended, or after --limit seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES, JobEvent
from sqlalchemy import func, select

from bot.app import build_bot, create_app
from bot.config import Settings
from bot.runner import Delivery, start_scheduler
from bot.simulator import FAULT_KINDS, FaultMix, LocalSession, Sent
from storage.models import Broadcast, Reminder
from storage.records import Audience, Content, PersonalRecord

SCHEDULED_AT_UTC = 4  # o'clock: 09:00 in Almaty, when the deadlines are recorded
DUE_AT_UTC = 6  # 11:00 in Almaty: the 7-day step (10:00) of every deadline is due
SAMPLE = 0.1  # seconds between looks at the queue
ADMIN = 7  # the broadcast's author (not a recipient: user ids start at 1,000,000)
FIRST_USER = 1_000_000
NEWS = "News for everyone"


class ShiftedClock:
    """Real time, shifted to a chosen wall time of today."""

    def __init__(self, hour: int) -> None:
        self.set(hour)

    def set(self, hour: int) -> None:
        today = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
        self.offset = today - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def today(self) -> date:
        return self.now().date()


async def queue_state(app, now: datetime) -> tuple[int, int]:
    """(open reminders, reminders due and waiting to go: claimed, or pending and due)."""
    async with app.sessionmaker() as session:
        row = (
            await session.execute(
                select(
                    func.count().filter(Reminder.status.in_(("pending", "sending"))),
                    func.count().filter(
                        (Reminder.status == "sending")
                        | ((Reminder.status == "pending") & (Reminder.due_at <= now))
                    ),
                ).where(Reminder.step == "7d")
            )
        ).one()
    return row[0], row[1]


async def broadcast_open(app) -> bool:
    async with app.sessionmaker() as session:
        still = await session.scalar(
            select(func.count()).where(Broadcast.status.not_in(("done", "cancelled")))
        )
    return bool(still)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--per-user", type=int, default=1, help="reminders due per user")
    parser.add_argument("--broadcast", action="store_true", help="a broadcast to all, too")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=30.0, help="SEND_RATE, messages/s")
    parser.add_argument("--limit", type=float, default=300.0, help="seconds at most")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the faults are expected: their warnings are noise
    each = max(1, args.per_user)
    users = range(FIRST_USER, FIRST_USER + args.reminders // each)
    count = len(users) * each
    clock = ShiftedClock(SCHEDULED_AT_UTC)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{folder}/faults.db",
            send_rate=args.rate,
            send_rate_per_chat=1.0,
            admin_ids=str(ADMIN),
        )
        app = await create_app(settings, clock=clock)
        due_on = clock.today() + timedelta(days=7)
        for user_id in users:
            await app.users.save(user_id, locale=("kk", "ru", "en")[user_id % 3])
            for number in range(1, each + 1):
                title = PersonalRecord(title=f"Deadline {number}")
                await app.reminders.schedule(user_id, "personal", due_on, title, f"p:{number}")
        clock.set(DUE_AT_UTC)
        assert (await queue_state(app, clock.now())) == (count, count)
        if args.broadcast:
            authority = await app.broadcasts.authority(ADMIN)
            assert authority is not None
            news = {code: Content(kind="text", html=NEWS) for code in ("kk", "ru", "en")}
            await app.broadcasts.create(authority, Audience(), news, url=None, at=None)

        session = LocalSession(record=False)
        session.faults = FaultMix(rate=args.fault_rate, seed=args.seed)
        bot = build_bot(settings, session=session)
        arrivals: list[float] = []
        got: Counter[tuple[int, str]] = Counter()  # (chat, "reminder" | "broadcast")

        def arrived(sent: Sent) -> None:
            if sent.name == "sendMessage" and sent.chat_id != ADMIN:
                arrivals.append(time.perf_counter())
                kind = "broadcast" if NEWS in sent.text else "reminder"
                got[int(sent.chat_id or 0), kind] += 1

        session.listeners.append(arrived)
        runs: Counter[str] = Counter()

        def scheduler_event(event: JobEvent) -> None:
            skipped = event.code == EVENT_JOB_MAX_INSTANCES
            runs[f"{event.job_id} {'skipped' if skipped else 'ran'}"] += 1

        delivery = Delivery(app, bot)
        started = time.perf_counter()
        scheduler = await start_scheduler(delivery)
        scheduler.add_listener(scheduler_event, EVENT_JOB_EXECUTED | EVENT_JOB_MAX_INSTANCES)
        busy: list[tuple[float, float]] = []  # while some reminder was due
        try:
            while time.perf_counter() - started < args.limit:
                before = time.perf_counter()
                still_open, waiting = await queue_state(app, clock.now())
                if not still_open and not await broadcast_open(app):
                    break
                await asyncio.sleep(SAMPLE)
                if waiting:
                    busy.append((before, time.perf_counter()))
        finally:
            scheduler.shutdown(wait=False)
            await delivery.stop()
        elapsed = time.perf_counter() - started

        async with app.sessionmaker() as db:
            rows = await db.execute(
                select(Reminder.status, func.count())
                .where(Reminder.step == "7d")
                .group_by(Reminder.status)
            )
            statuses = {status: n for status, n in rows}
        await app.close()

    kinds = ("reminder", "broadcast") if args.broadcast else ("reminder",)
    expected = {"reminder": each, "broadcast": 1}
    lost = {k: sum(max(0, expected[k] - got[u, k]) for u in users) for k in kinds}
    extra = {u: sum(max(0, got[u, k] - expected[k]) for k in kinds) for u in users}
    duplicates = sum(extra.values())
    explained = sum(min(n, session.answers_lost[u]) for u, n in extra.items())
    calls = session.calls["sendMessage"]
    failed = session.failed
    delivered = {k: sum(min(got[u, k], expected[k]) for u in users) for k in kinds}
    last = (arrivals[-1] - started) if arrivals else elapsed
    target = 0.8 * args.rate
    window = sum(end - start for start, end in busy)
    in_window = sum(1 for at in arrivals if any(start <= at < end for start, end in busy))
    rate = in_window / window if window else 0.0
    print(
        f"fault mix: {args.fault_rate:.0%} of sendMessage calls fail, evenly: "
        "429 (retry after 1-3 s), 500, 502 with an HTML body, dropped connection, "
        f"answer lost after delivery (seed {args.seed})"
    )
    print(
        f"reminders: {count:,} due at once, {each} to each of {len(users):,} users"
        + (f", and a broadcast to all {len(users):,}" if args.broadcast else "")
        + f"; SEND_RATE {args.rate:g}/s (1/s per chat), "
        f"a tick every {settings.reminder_tick_seconds:g} s, batches of {settings.reminder_batch}"
    )
    print(
        f"calls: {calls:,} sendMessage ({calls / last if last else 0:.1f}/s to the last), "
        f"{sum(failed.values()):,} failed ("
        + ", ".join(f"{kind}: {failed[kind]}" for kind in FAULT_KINDS)
        + ")"
    )
    print(
        f"achieved rate: {rate:.1f} msg/s while reminders were due ({in_window:,} messages "
        f"in {window:.1f} s): {'>=' if rate >= target else 'BELOW'} {target:.1f} "
        f"(80% of SEND_RATE {args.rate:g})"
    )
    total = sum(delivered.values())
    print(
        f"whole run: {total:,} delivered, the last after {last:.1f} s = "
        f"{total / last if last else 0:.1f} msg/s (the last retries wait out their backoff)"
    )
    print(
        "lost (never delivered): "
        + ", ".join(f"{k}s {lost[k]} of {expected[k] * len(users):,}" for k in kinds)
        + "; reminders by status: "
        + ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
    )
    print(
        f"duplicated: {duplicates}, after an answer lost after delivery: {explained}, "
        f"otherwise: {duplicates - explained}"
    )
    print(
        "scheduler: "
        + (", ".join(f"{key} {n}" for key, n in sorted(runs.items())) or "no runs")
        + f"; stopped after {elapsed:.1f} s"
    )


if __name__ == "__main__":
    asyncio.run(main())
