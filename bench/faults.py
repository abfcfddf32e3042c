"""Reminder delivery under Bot API faults: achieved rate, lost and duplicated messages.

    python bench/faults.py [--reminders 1000] [--fault-rate 0.2] [--seed 1] [--limit 300]

1,000 reminders (one per user) fall due at once and go out through the real runner: the
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
Stops when no reminder is open, or after --limit seconds.
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
from storage.models import Reminder
from storage.records import PersonalRecord

SCHEDULED_AT_UTC = 4  # o'clock: 09:00 in Almaty, when the deadlines are recorded
DUE_AT_UTC = 6  # 11:00 in Almaty: the 7-day step (10:00) of every deadline is due
SAMPLE = 0.1  # seconds between looks at the queue


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


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=30.0, help="SEND_RATE, messages/s")
    parser.add_argument("--limit", type=float, default=300.0, help="seconds at most")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the faults are expected: their warnings are noise
    count = args.reminders
    clock = ShiftedClock(SCHEDULED_AT_UTC)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{folder}/faults.db",
            send_rate=args.rate,
            send_rate_per_chat=1.0,
        )
        app = await create_app(settings, clock=clock)
        due_on = clock.today() + timedelta(days=7)
        for user_id in range(1, count + 1):
            await app.users.save(user_id, locale=("kk", "ru", "en")[user_id % 3])
            title = PersonalRecord(title=f"Deadline {user_id}")
            await app.reminders.schedule(user_id, "personal", due_on, title, "personal:1")
        clock.set(DUE_AT_UTC)
        assert (await queue_state(app, clock.now())) == (count, count)

        session = LocalSession(record=False)
        session.faults = FaultMix(rate=args.fault_rate, seed=args.seed)
        bot = build_bot(settings, session=session)
        arrivals: list[float] = []

        def arrived(sent: Sent) -> None:
            if sent.name == "sendMessage":
                arrivals.append(time.perf_counter())

        session.listeners.append(arrived)
        runs: Counter[str] = Counter()

        def scheduler_event(event: JobEvent) -> None:
            skipped = event.code == EVENT_JOB_MAX_INSTANCES
            runs[f"{event.job_id} {'skipped' if skipped else 'ran'}"] += 1

        delivery = Delivery(app, bot)
        started = time.perf_counter()
        scheduler = await start_scheduler(delivery)
        scheduler.add_listener(scheduler_event, EVENT_JOB_EXECUTED | EVENT_JOB_MAX_INSTANCES)
        busy = 0.0
        try:
            while time.perf_counter() - started < args.limit:
                before = time.perf_counter()
                still_open, waiting = await queue_state(app, clock.now())
                if not still_open:
                    break
                await asyncio.sleep(SAMPLE)
                if waiting:
                    busy += time.perf_counter() - before
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

    reached = session.delivered
    lost = sum(1 for user_id in range(1, count + 1) if not reached[user_id])
    duplicates = sum(n - 1 for n in reached.values() if n > 1)
    explained = sum(min(n - 1, session.answers_lost[chat]) for chat, n in reached.items() if n > 1)
    calls = session.calls["sendMessage"]
    failed = session.failed
    delivered = sum(1 for n in reached.values() if n)
    last = (arrivals[-1] - started) if arrivals else elapsed
    target = 0.8 * args.rate
    rate = delivered / busy if busy else 0.0
    print(
        f"fault mix: {args.fault_rate:.0%} of sendMessage calls fail, evenly: "
        "429 (retry after 1-3 s), 500, 502 with an HTML body, dropped connection, "
        f"answer lost after delivery (seed {args.seed})"
    )
    print(
        f"reminders: {count:,} due at once; SEND_RATE {args.rate:g}/s (1/s per chat), "
        f"a tick every {settings.reminder_tick_seconds:g} s, batches of {settings.reminder_batch}"
    )
    print(
        f"calls: {calls:,} sendMessage ({calls / busy if busy else 0:.1f}/s while due), "
        f"{sum(failed.values()):,} failed ("
        + ", ".join(f"{kind}: {failed[kind]}" for kind in FAULT_KINDS)
        + ")"
    )
    print(
        f"achieved rate: {rate:.1f} msg/s while reminders were due ({delivered:,} delivered "
        f"in {busy:.1f} s): {'>=' if rate >= target else 'BELOW'} {target:.1f} "
        f"(80% of SEND_RATE {args.rate:g})"
    )
    print(
        f"whole run: {delivered:,} delivered, the last after {last:.1f} s = "
        f"{delivered / last if last else 0:.1f} msg/s (the last retries wait out their backoff)"
    )
    print(
        f"lost (never delivered): {lost}; reminders by status: "
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
