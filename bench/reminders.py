"""Reminder delivery at scale: claim time among 1,000,000 pending rows, delivery rate, memory.

    python bench/reminders.py [--pending 1000000] [--deliver 20000]

Builds an SQLite file with `--pending` reminders (four per deadline) for 10,000 users,
all in the future except the first step of `--deliver` deadlines. Prints:
  - one claim of a due batch (500 due among all the pending rows), median of 20, in ms
    (target <= 20 ms, index-backed);
  - the end-to-end delivery rate through the in-process Bot API stand-in with rate
    limiting off, for `--deliver` due reminders (target >= 2,000 reminders/s);
    the app's clock reads 11:00 in Almaty (06:00 UTC, today) when the bench starts, so no
    reminder is held back by quiet hours whatever the hour of the run;
  - peak RSS (target <= 200 MB) and what `import aiogram` alone takes.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.updates import framework_floor_mb
from bot.app import build_bot, create_app
from bot.config import Settings
from bot.simulator import LocalSession

try:
    from storage.repositories.reminders import ReminderRepository
except ImportError:  # commits before the repositories became a package
    from storage.repositories import ReminderRepository  # type: ignore[no-redef]

USERS = 10_000
DAYTIME_UTC = 6  # o'clock: 11:00 in Almaty, outside the users' quiet hours (22:00-08:00)
STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite


class DaytimeClock:
    """Today at DAYTIME_UTC when the bench starts, then running at real speed: the
    reminders must not fall into Almaty's quiet hours whatever the hour of the run."""

    def __init__(self) -> None:
        today = datetime.now(UTC)
        self.start = today.replace(hour=DAYTIME_UTC, minute=0, second=0, microsecond=0)
        self.started = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.started)


def fill(path: Path, pending: int, due_now: int, now: datetime) -> None:
    """Users, deadlines and reminders written straight with sqlite3 (setup, not measured)."""
    connection = sqlite3.connect(path)
    stamp = now.strftime(STAMP)
    connection.executemany(
        "INSERT INTO users (id, locale, timezone, is_active, created_at, updated_at) "
        "VALUES (?, ?, 'Asia/Almaty', 1, ?, ?)",
        ((uid, ("kk", "ru", "en")[uid % 3], stamp, stamp) for uid in range(1, USERS + 1)),
    )
    deadlines = pending // 4
    connection.executemany(
        "INSERT INTO deadlines (id, user_id, dedupe_key, kind, payload, due_on, status, "
        "created_at, updated_at) VALUES (?, ?, ?, 'personal', ?, ?, 'active', ?, ?)",
        (
            (
                d,
                d % USERS + 1,
                f"personal:{d}",
                f'{{"title": "Deadline {d}"}}',
                (now + timedelta(days=60 + d % 300)).date().isoformat(),
                stamp,
                stamp,
            )
            for d in range(1, deadlines + 1)
        ),
    )

    def reminders():
        for number in range(pending):
            deadline, step = number // 4 + 1, number % 4
            if deadline <= due_now and step == 0:  # the first step of early deadlines is due
                due = now - timedelta(seconds=1 + number % 50)
            else:
                due = now + timedelta(days=30 + number % 300, seconds=number % 86_400)
            yield deadline, deadline % USERS + 1, f"{number % 4}d", due.strftime(STAMP)

    connection.executemany(
        "INSERT INTO reminders (deadline_id, user_id, step, due_at, status, attempts) "
        "VALUES (?, ?, ?, ?, 'pending', 0)",
        reminders(),
    )
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


async def claim_times(app, now: datetime, batch: int, runs: int) -> list[float]:
    """Claim the due batch, put it back, again: the claim alone is timed."""
    times = []
    for _ in range(runs):
        async with app.sessionmaker() as session, session.begin():
            started = time.perf_counter()
            claimed = await ReminderRepository(session).claim(now, batch)
            times.append((time.perf_counter() - started) * 1000)
            assert len(claimed) == batch, len(claimed)
            await session.rollback()
    return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--deliver", type=int, default=20_000)
    args = parser.parse_args()
    clock = DaytimeClock()
    now = clock.now().replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/reminders.db"
        settings = Settings(_env_file=None, database_url=url, send_rate=0, send_rate_per_chat=0)
        app = await create_app(settings, clock=clock)
        started = time.perf_counter()
        fill(Path(folder) / "reminders.db", args.pending, args.deliver, now)
        print(f"setup: {args.pending:,} pending reminders in {time.perf_counter() - started:.0f} s")

        # 500 due among them: claim, measured
        times = await claim_times(app, now - timedelta(seconds=40), 500, runs=20)
        print(
            f"claim of 500 due among {args.pending:,}: median {statistics.median(times):.1f} ms,"
            f" worst {max(times):.1f} ms   (target <= 20 ms)"
        )

        # deliver every due one, end to end
        bot = build_bot(settings, session=LocalSession(record=False))
        sent, started = 0, time.perf_counter()
        while (report := await app.reminders.tick(bot)).claimed:
            sent += report.sent
        elapsed = time.perf_counter() - started
        print(
            f"delivered: {sent:,} reminders in {elapsed:.2f} s = {sent / elapsed:,.0f}/s"
            "   (target >= 2,000/s, rate limiting off)"
        )
        await app.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS: {peak:.0f} MB   (target <= 200 MB); `import aiogram` alone: "
        f"{framework_floor_mb():.0f} MB"
    )


if __name__ == "__main__":
    asyncio.run(main())
