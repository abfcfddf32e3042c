"""Deadlines and their reminder ladders: scheduling, the user's controls, and delivery.

Features call `schedule()` / `cancel()`; scheduling the same dedupe key again replaces the
ladder. One periodic `tick()` claims due reminders in batches, renders each in the user's
current language and time zone, sends it and marks it, one by one, so a crash can repeat at
most what was in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.reminders import (
    LADDER_DAYS,
    REMINDER_TIME,
    deadline_passed,
    in_quiet_hours,
    ladder,
    later,
    on_day,
    out_of_quiet_hours,
    to_utc,
)
from bot.services.clock import Clock
from bot.services.sender import RateLimiter
from bot.services.users import Profile, UserService
from storage.loader import BatchLoader
from storage.models import Deadline, Reminder
from storage.records import Record
from storage.repositories.reminders import (
    MARK_CLOSED,
    MARK_SENT,
    RESCHEDULE,
    Claimed,
    ReminderRepository,
)
from storage.writer import GroupWriter

log = logging.getLogger(__name__)
R = TypeVar("R", bound=Record)
Render = Callable[[Deadline, Profile, datetime], tuple[str, InlineKeyboardMarkup]]


@dataclass
class TickReport:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    rescheduled: int = 0
    failed: int = 0


class ReminderService:
    MAX_ATTEMPTS = 5
    LEASE = timedelta(minutes=5)  # a claim older than this belonged to a process that died

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        writer: GroupWriter,
        users: UserService,
        clock: Clock,
        limiter: RateLimiter,
        render: Render,
        batch_size: int = 500,
        concurrency: int = 200,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._writer = writer
        self.users = users
        self.clock = clock
        self.limiter = limiter
        self.render = render
        self.batch_size = batch_size
        self._slots = asyncio.Semaphore(concurrency)
        self._paused_until: datetime | None = None  # Telegram asked for a long pause
        self._active: BatchLoader[int, list[Any]] = BatchLoader(self._fetch_active)

    async def zone_of(self, user_id: int) -> ZoneInfo:
        profile = await self.users.get(user_id)
        return ZoneInfo(profile.timezone if profile else self.users.default_timezone)

    # --- what features call ---------------------------------------------------------

    async def schedule(
        self,
        user_id: int,
        kind: str,
        due_on: date,
        record: Record,
        dedupe_key: str,
        days_before: tuple[int, ...] = LADDER_DAYS,
        at: time = REMINDER_TIME,
    ) -> int:
        """Remind the user before `due_on`; the same key again replaces, never duplicates.

        `record` is what the feature keeps on the deadline (storage/records.py)."""
        payload = record.model_dump(mode="json")
        steps = ladder(due_on, await self.zone_of(user_id), self.clock.now(), days_before, at)
        async with self._sessionmaker() as session, session.begin():
            repository = ReminderRepository(session)
            deadline_id = await repository.save_deadline(user_id, dedupe_key, kind, payload, due_on)
            await repository.replace_ladder(deadline_id, user_id, steps)
        return deadline_id

    async def cancel(self, user_id: int, dedupe_key: str) -> bool:
        """The deadline no longer exists: remove it with its reminders."""
        async with self._sessionmaker() as session, session.begin():
            return await ReminderRepository(session).delete_deadline(user_id, dedupe_key)

    # --- what the user controls -------------------------------------------------------

    async def upcoming(self, user_id: int) -> list[tuple[Deadline, list[Reminder]]]:
        async with self._sessionmaker() as session:
            return await ReminderRepository(session).upcoming(user_id)

    async def active_by_key(self, user_id: int, dedupe_key: str) -> Any | None:
        """The user's active deadline with this key (a plain row), e.g. their permit."""
        rows = await self._active.load(user_id) or []
        return next((row for row in rows if row.dedupe_key == dedupe_key), None)

    async def record(self, user_id: int, dedupe_key: str, model: type[R]) -> R | None:
        """The typed record of the user's active deadline with this key, e.g. their permit."""
        row = await self.active_by_key(user_id, dedupe_key)
        return model.model_validate(row.payload) if row is not None else None

    async def _fetch_active(self, user_ids: list[int]) -> dict[int, list[Any]]:
        async with self._sessionmaker() as session:
            return await ReminderRepository(session).active_of(user_ids)

    async def deadline(self, user_id: int, deadline_id: int) -> Deadline | None:
        async with self._sessionmaker() as session:
            return await ReminderRepository(session).deadline(user_id, deadline_id)

    async def close(self, user_id: int, deadline_id: int, status: str) -> Deadline | None:
        """ "done" (the user did it) or "off" (no reminders wanted): the ladder stops."""
        async with self._sessionmaker() as session, session.begin():
            repository = ReminderRepository(session)
            deadline = await repository.deadline(user_id, deadline_id)
            if deadline is not None:
                await repository.close_deadline(deadline, status)
        return deadline

    async def snooze(self, user_id: int, deadline_id: int, days: int) -> datetime | None:
        """Move the next reminder `days` later (or add one); None if past the deadline."""
        zone = await self.zone_of(user_id)
        async with self._sessionmaker() as session, session.begin():
            repository = ReminderRepository(session)
            deadline = await repository.active_deadline(user_id, deadline_id)
            if deadline is None:
                return None
            upcoming = await repository.next_open(deadline_id)
            start = max(upcoming.due_at, self.clock.now()) if upcoming else self.clock.now()
            when = self._within_deadline(later(start, zone, days), deadline.due_on, zone)
            if when is None or (upcoming is not None and when <= upcoming.due_at):
                return None  # it cannot move any later before the deadline
            if upcoming is not None:
                upcoming.due_at = when
            else:
                await repository.add(deadline_id, user_id, "again", when)
        return when

    async def remind_again(self, user_id: int, deadline_id: int, days: int = 1) -> datetime | None:
        """One more reminder `days` from now, at the same local time (not at night).

        Pressing it again moves that reminder rather than adding another."""
        zone = await self.zone_of(user_id)
        async with self._sessionmaker() as session, session.begin():
            repository = ReminderRepository(session)
            deadline = await repository.active_deadline(user_id, deadline_id)
            if deadline is None:
                return None
            when = self._within_deadline(later(self.clock.now(), zone, days), deadline.due_on, zone)
            if when is not None:
                await repository.drop_open(deadline_id, step="again")
                await repository.add(deadline_id, user_id, "again", when)
        return when

    async def retime(self, user_id: int, old: ZoneInfo, new: ZoneInfo) -> None:
        """After a change of time zone, pending reminders keep their local wall time."""
        async with self._sessionmaker() as session, session.begin():
            for _deadline, pending in await ReminderRepository(session).upcoming(user_id):
                for reminder in pending:
                    wall = reminder.due_at.astimezone(old)
                    reminder.due_at = on_day(wall.date(), wall.time(), new)

    def _within_deadline(self, when: datetime, due_on: date, zone: ZoneInfo) -> datetime | None:
        """No reminder after the deadline day: at the latest its morning, if still ahead."""
        if when.astimezone(zone).date() <= due_on:
            return when
        last = on_day(due_on, REMINDER_TIME, zone)
        return last if last > self.clock.now() else None

    # --- delivery -------------------------------------------------------------------

    async def tick(self, bot: Bot) -> TickReport:
        """Claim the reminders that are due and deliver them."""
        now = self.clock.now()
        if self._pause_end(now) is not None:
            return TickReport()
        async with self._sessionmaker() as session, session.begin():
            repository = ReminderRepository(session)
            await repository.release_stale(now - self.LEASE)
            claimed = await repository.claim(now, self.batch_size)
            ids = {row.deadline_id for row in claimed}
            deadlines = await repository.deadlines(ids)
            # after downtime several steps of one deadline may be due: only the last is sent
            latest = await repository.latest_due(ids, now) if ids else {}
        report = TickReport(claimed=len(claimed))
        await asyncio.gather(*(self.users.get(uid) for uid in {row.user_id for row in claimed}))
        jobs = []
        for row in claimed:
            if row.due_at >= latest.get(row.deadline_id, row.due_at):
                jobs.append(self._deliver(bot, row, deadlines.get(row.deadline_id), now, report))
            else:
                jobs.append(self._close(row.id, "skipped", "a later step was due", report))
        await asyncio.gather(*jobs)
        return report

    async def _deliver(
        self, bot: Bot, row: Claimed, deadline: Any | None, now: datetime, report: TickReport
    ) -> None:
        async with self._slots:
            profile = await self.users.get(row.user_id)
            if deadline is None or deadline.status != "active":
                return await self._close(row.id, "cancelled", "deadline closed", report)
            if profile is None or not profile.is_active:
                return await self._close(row.id, "cancelled", "user inactive", report)
            zone = ZoneInfo(profile.timezone)
            if deadline_passed(deadline.due_on, zone, now):
                return await self._close(row.id, "skipped", "deadline passed", report)
            local = now.astimezone(zone)
            if in_quiet_hours(local):
                due = to_utc(out_of_quiet_hours(local))
                return await self._reschedule(row, due, row.attempts, None, report)
            if (pause_end := self._pause_end(now)) is not None:
                return await self._reschedule(row, pause_end, row.attempts, None, report)
            text, markup = self.render(deadline, profile, now)
            await self.limiter.wait(row.user_id)
            try:
                await bot.send_message(row.user_id, text, reply_markup=markup)
            except TelegramForbiddenError:
                await self._user_blocked(row.user_id)
                return await self._close(row.id, "cancelled", "user blocked the bot", report)
            except TelegramRetryAfter as error:  # longer than the request layer waits
                self._paused_until = now + timedelta(seconds=error.retry_after)
                return await self._reschedule(
                    row, self._paused_until, row.attempts, "flood limit", report
                )
            except (TelegramAPIError, TelegramNetworkError) as error:
                return await self._failed(row, now, f"{type(error).__name__}: {error}", report)
            await self._writer.write(MARK_SENT, {"rid": row.id, "at": now})
            report.sent += 1

    def _pause_end(self, now: datetime) -> datetime | None:
        """When the pause Telegram asked for ends, while it lasts."""
        until = self._paused_until
        return until if until is not None and now < until else None

    async def _failed(self, row: Claimed, now: datetime, error: str, report: TickReport) -> None:
        attempts = row.attempts + 1
        if attempts >= self.MAX_ATTEMPTS:
            log.warning("reminder %s given up after %d attempts: %s", row.id, attempts, error)
            await self._writer.write(
                MARK_CLOSED, {"rid": row.id, "status": "failed", "error": error[:255]}
            )
            report.failed += 1
            return
        backoff = timedelta(minutes=2**attempts)
        await self._reschedule(row, now + backoff, attempts, error[:255], report)

    async def _reschedule(
        self, row: Claimed, due: datetime, attempts: int, error: str | None, report: TickReport
    ) -> None:
        params = {"rid": row.id, "due": due, "attempts": attempts, "error": error}
        await self._writer.write(RESCHEDULE, params)
        report.rescheduled += 1

    async def _close(self, rid: int, status: str, reason: str, report: TickReport) -> None:
        await self._writer.write(MARK_CLOSED, {"rid": rid, "status": status, "error": reason})
        report.skipped += 1

    async def _user_blocked(self, user_id: int) -> None:
        await self.users.save(user_id, is_active=False)
        async with self._sessionmaker() as session, session.begin():
            await ReminderRepository(session).cancel_all_for(user_id)
