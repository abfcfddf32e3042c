"""Deadlines and their reminder ladders: scheduling, the user's controls, and delivery.

Features call `schedule()` / `cancel()`; scheduling the same dedupe key again replaces the
ladder. One periodic `tick()` claims due reminders in batches, renders each in the user's
current language and time zone, sends it and marks it, one by one, so a crash can repeat at
most what was in flight.

Delivery owns its retries: a send is one request (no sleeping inside a tick), and whatever
goes wrong with one reminder stays with it: a flood wait or a transient error (5xx, a
gateway's HTML page, a dropped connection) reschedules it with backoff, anything else backs
off longer, and after the last attempt it is closed as failed with the reason. Only a flood
wait of a few seconds is waited out inside the request, once.

Every process that delivers is an instance: its claims carry its id and it keeps a
heartbeat row. Each tick first puts back what stopped instances held: those whose heartbeat
is older than HEARTBEAT_TIMEOUT, and at once those on this machine whose process is gone
(this instance's previous run after a crash). The lease stays as the last resort.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.countries import timezone_of
from bot.metrics import REMINDERS
from bot.retry import answered_ok, flood_waits_only
from bot.rules.reminders import (
    LADDER_DAYS,
    REMINDER_TIME,
    ZonePlan,
    deadline_passed,
    in_quiet_hours,
    ladder,
    later,
    on_day,
    out_of_quiet_hours,
    to_utc,
)
from bot.scripting import attach, note_reader
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
from storage.unit import transaction
from storage.writer import GroupWriter

log = logging.getLogger(__name__)
DEPARTURE = "departure"  # the key of an emigrant's departure day (the checklist's)
R = TypeVar("R", bound=Record)
Render = Callable[[Deadline, Profile, datetime], tuple[str, InlineKeyboardMarkup]]
# the services delivering in this process, by instance id (the rest of this machine's
# instances are told alive or dead by their process id)
RUNNING: weakref.WeakValueDictionary[str, ReminderService] = weakref.WeakValueDictionary()


@dataclass
class TickReport:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    rescheduled: int = 0
    failed: int = 0
    released: int = 0  # claims of stopped instances put back before claiming
    abandoned: int = 0  # claims released by others meanwhile (this instance was presumed dead)


class Countdown:
    """Sets `event` once each of `count` reminders has made its call (or needed none)."""

    def __init__(self, count: int, event: asyncio.Event | None) -> None:
        self.left = count
        self.event = event

    def token(self) -> Callable[[], None]:
        """For one reminder: call it when its call goes; calls after the first do nothing."""
        used = False

        def went() -> None:
            nonlocal used
            if not used:
                used = True
                self.left -= 1
                if self.left == 0 and self.event is not None:
                    self.event.set()

        return went


def this_node() -> str | None:
    """This machine's boot and pid namespace: where another process's id can be checked
    (None where there is no /proc: then only heartbeats tell)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None
    return f"{boot}/{namespace}"


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False


def describe(error: BaseException) -> str:
    """The error's type and first words, for the log and `last_error`."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}"[:255]


class ReminderService:
    MAX_ATTEMPTS = 5  # for errors that will not pass by themselves (400s, bugs)
    MAX_TRANSIENT_ATTEMPTS = 12  # 5xx, gateway pages, dropped connections: about 40 minutes
    TRANSIENT_BACKOFF = timedelta(seconds=1)  # doubled each attempt, up to MAX_BACKOFF
    MAX_BACKOFF = timedelta(minutes=10)
    FLOOD_WAIT_IN_REQUEST = timedelta(seconds=5)  # waited once in the request; longer: rescheduled
    PAUSE_ALL_AFTER = timedelta(seconds=30)  # a longer flood wait holds every reminder
    HEARTBEAT_TIMEOUT = timedelta(minutes=1)  # an instance silent this long has stopped
    CONFIRM_EVERY = timedelta(seconds=10)  # while delivering, check we are still alive
    LEASE = timedelta(minutes=5)  # the last resort: a claim this old is put back anyway

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
        # this process as an instance: claims carry the id, a heartbeat row keeps it alive
        self.instance_id = str(uuid.uuid4())
        self.host, self.node, self.pid = socket.gethostname(), this_node(), os.getpid()
        self._registered = False
        self._epoch = 0  # bumped when others presumed us dead and took our claims back
        self._confirmed_at: datetime | None = None
        self._confirming = asyncio.Lock()

    async def zone_of(self, user_id: int) -> ZoneInfo:
        """The zone the user is in now (see `plan_of`)."""
        return (await self.plan_of(user_id)).at(self.clock.now())

    async def plan_of(self, user_id: int, leaving: date | None = None) -> ZonePlan:
        """The user's zones: their profile's, and before a departure they recorded (or
        `leaving`) Kazakhstan's, where they still are, up to that day."""
        profile = await self.users.get(user_id)
        zone = ZoneInfo(profile.timezone if profile else self.users.default_timezone)
        if leaving is None and profile is not None:
            departure = await self.active_by_key(user_id, DEPARTURE)
            leaving = departure.due_on if departure is not None else None
        if leaving is None:
            return ZonePlan(zone)
        return ZonePlan(zone, ZoneInfo(timezone_of(None)), leaving)  # Kazakhstan's

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
        plan = await self.plan_of(user_id)
        if dedupe_key == DEPARTURE:  # a new departure day: the other reminders follow it
            old, plan = plan, await self.plan_of(user_id, leaving=due_on)
            await self.replan(user_id, old, plan)
        steps = ladder(due_on, plan, self.clock.now(), days_before, at)
        async with transaction(self._sessionmaker) as session:
            repository = ReminderRepository(session)
            deadline_id = await repository.save_deadline(
                user_id, dedupe_key, kind, payload, due_on, self.clock.now()
            )
            await repository.replace_ladder(deadline_id, user_id, steps)
        self._changed(user_id)
        return deadline_id

    def _changed(self, user_id: int) -> None:
        """The user's deadlines changed: the guides read them again."""
        if self.users.caches is not None:
            self.users.caches.forget(user_id)

    async def cancel(self, user_id: int, dedupe_key: str) -> bool:
        """The deadline no longer exists: remove it with its reminders."""
        async with transaction(self._sessionmaker) as session:
            removed = await ReminderRepository(session).delete_deadline(user_id, dedupe_key)
        self._changed(user_id)
        return removed

    # --- what the user controls -------------------------------------------------------

    async def upcoming(self, user_id: int) -> list[tuple[Deadline, list[Reminder]]]:
        async with self._sessionmaker() as session:
            return await ReminderRepository(session).upcoming(user_id)

    async def pending(self, user_id: int, dedupe_key: str) -> list[datetime]:
        """When the reminders still ahead for the user's deadline with this key go out."""
        for deadline, reminders in await self.upcoming(user_id):
            if deadline.dedupe_key == dedupe_key:
                return [reminder.due_at for reminder in reminders]
        return []

    async def active_by_key(self, user_id: int, dedupe_key: str) -> Any | None:
        """The user's active deadline with this key (a plain row), e.g. their permit."""
        rows = await self._active_of(user_id)
        return next((row for row in rows if row.dedupe_key == dedupe_key), None)

    async def record(self, user_id: int, dedupe_key: str, model: type[R]) -> R | None:
        """The typed record of the user's active deadline with this key, e.g. their permit."""
        row = await self.active_by_key(user_id, dedupe_key)
        return model.model_validate(row.payload) if row is not None else None

    async def _active_of(self, user_id: int) -> list[Any]:
        async def load() -> list[Any]:
            return await self._active.load(user_id) or []

        caches = self.users.caches
        return await (load() if caches is None else caches.get(user_id, "active", load))

    async def _fetch_active(self, user_ids: list[int]) -> dict[int, list[Any]]:
        async with self._sessionmaker() as session:
            return await ReminderRepository(session).active_of(user_ids)

    async def deadline(self, user_id: int, deadline_id: int) -> Deadline | None:
        async with self._sessionmaker() as session:
            return await ReminderRepository(session).deadline(user_id, deadline_id)

    async def close(self, user_id: int, deadline_id: int, status: str) -> Deadline | None:
        """ "done" (the user did it) or "off" (no reminders wanted): the ladder stops."""
        async with transaction(self._sessionmaker) as session:
            repository = ReminderRepository(session)
            deadline = await repository.deadline(user_id, deadline_id)
            if deadline is not None:
                await repository.close_deadline(deadline, status)
        self._changed(user_id)
        return deadline

    async def snooze(self, user_id: int, deadline_id: int, days: int) -> datetime | None:
        """Move the next reminder `days` later (or add one); None if past the deadline."""
        zone = await self.zone_of(user_id)
        async with transaction(self._sessionmaker) as session:
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
        async with transaction(self._sessionmaker) as session:
            repository = ReminderRepository(session)
            deadline = await repository.active_deadline(user_id, deadline_id)
            if deadline is None:
                return None
            when = self._within_deadline(later(self.clock.now(), zone, days), deadline.due_on, zone)
            if when is not None:
                await repository.drop_open(deadline_id, step="again")
                await repository.add(deadline_id, user_id, "again", when)
        return when

    async def retime(self, user_id: int, new: ZoneInfo) -> None:
        """Before the profile's time zone changes to `new`: pending reminders keep their
        local wall time (those before a departure stay in Kazakhstan's time)."""
        plan = await self.plan_of(user_id)
        await self.replan(user_id, plan, replace(plan, zone=new))

    async def replan(self, user_id: int, old: ZonePlan, new: ZonePlan) -> None:
        """Pending reminders keep their local wall time, each in the zone of its day."""
        if old == new:
            return
        async with transaction(self._sessionmaker) as session:
            for _deadline, pending in await ReminderRepository(session).upcoming(user_id):
                for reminder in pending:
                    wall = reminder.due_at.astimezone(old.at(reminder.due_at))
                    reminder.due_at = on_day(wall.date(), wall.time(), new.on(wall.date()))

    def _within_deadline(self, when: datetime, due_on: date, zone: ZoneInfo) -> datetime | None:
        """No reminder after the deadline day: at the latest its morning, if still ahead."""
        if when.astimezone(zone).date() <= due_on:
            return when
        last = on_day(due_on, REMINDER_TIME, zone)
        return last if last > self.clock.now() else None

    # --- delivery -------------------------------------------------------------------

    async def tick(self, bot: Bot, dispatched: asyncio.Event | None = None) -> TickReport:
        """Put back what stopped instances held, claim the due reminders and deliver them.

        A tick lasts as long as its batch needs at the rate limit: no request backs off
        inside it (a flood wait of a few seconds excepted). `dispatched` is set once every
        reminder claimed has made its call (or needed none): only answers are left then,
        and the next tick may claim (the runner's drain does)."""
        attach(bot, self.users)  # each reader's script (bot/scripting.py)
        now = self.clock.now()
        if self._pause_end(now) is not None:
            return TickReport()
        await self.heartbeat()
        async with transaction(self._sessionmaker) as session:
            repository = ReminderRepository(session)
            released = await self._release_stopped(repository, now)
            await repository.release_stale(now - self.LEASE)
            claimed = await repository.claim(now, self.batch_size, by=self.instance_id)
            ids = {row.deadline_id for row in claimed}
            deadlines = await repository.deadlines(ids)
            # after downtime several steps of one deadline may be due: only the last is sent
            latest = await repository.latest_due(ids, now) if ids else {}
        report = TickReport(claimed=len(claimed), released=released)
        if not claimed:
            return report
        epoch, countdown = self._epoch, Countdown(len(claimed), dispatched)
        await asyncio.gather(*(self.users.get(uid) for uid in {r.user_id for r in claimed}))
        jobs = []
        for row in claimed:
            went = countdown.token()
            if row.due_at >= latest.get(row.deadline_id, row.due_at):
                deadline = deadlines.get(row.deadline_id)
                jobs.append(self._deliver(bot, row, deadline, now, epoch, report, went))
            else:
                jobs.append(self._skip(row, report, went))
        await asyncio.gather(*jobs)
        for outcome in ("sent", "failed", "rescheduled", "skipped"):
            REMINDERS.labels(outcome).inc(getattr(report, outcome))
        return report

    async def seconds_to_next(self) -> float | None:
        """Seconds until a pending reminder falls due (or a flood pause ends), if any."""
        async with self._sessionmaker() as session:
            due = await ReminderRepository(session).next_due()
        if due is None:
            return None
        now = self.clock.now()
        return (max(due, self._pause_end(now) or due) - now).total_seconds()

    async def _deliver(
        self,
        bot: Bot,
        row: Claimed,
        deadline: Any | None,
        now: datetime,
        epoch: int,
        report: TickReport,
        went: Callable[[], None],
    ) -> None:
        """One reminder. Nothing raised here reaches the tick: it is this reminder's."""
        async with self._slots:
            try:
                await self._attempt(bot, row, deadline, now, epoch, report, went)
            except Exception as error:
                log.warning(
                    "reminder %s: delivery failed: %s", row.id, describe(error), exc_info=True
                )
                try:
                    await self._failed(row, error, report)
                except Exception as again:  # the database too: the claim waits for recovery
                    log.error("reminder %s: the failure was not recorded: %s", row.id, again)
            finally:
                went()

    async def _skip(self, row: Claimed, report: TickReport, went: Callable[[], None]) -> None:
        try:
            await self._close(row.id, "skipped", "a later step was due", report)
        except Exception as error:  # the claim waits for recovery
            log.error("reminder %s: not closed as skipped: %s", row.id, describe(error))
        finally:
            went()

    async def _attempt(
        self,
        bot: Bot,
        row: Claimed,
        deadline: Any | None,
        now: datetime,
        epoch: int,
        report: TickReport,
        went: Callable[[], None],
    ) -> None:
        profile = await self.users.get(row.user_id)
        if deadline is None or deadline.status != "active":
            return await self._close(row.id, "cancelled", "deadline closed", report)
        if profile is None or not profile.is_active:
            return await self._close(row.id, "cancelled", "user inactive", report)
        zone = (await self.plan_of(row.user_id)).at(now)
        if deadline_passed(deadline.due_on, zone, now):
            return await self._close(row.id, "skipped", "deadline passed", report)
        local = now.astimezone(zone)
        if in_quiet_hours(local):
            due = to_utc(out_of_quiet_hours(local))
            return await self._reschedule(row, due, row.attempts, None, report)
        if (pause_end := self._pause_end(now)) is not None:
            return await self._reschedule(row, pause_end, row.attempts, None, report)
        text, markup = self.render(deadline, profile, now)
        note_reader(row.user_id, profile)  # its script is known: the send looks nothing up
        await self.limiter.wait(row.user_id)
        went()  # its call goes now: the next tick may claim
        if not await self.still_ours(epoch):
            report.abandoned += 1  # another instance has it now: leave it alone
            return None
        try:
            # retries are ours (rescheduled); the request waits out only a short flood limit
            with flood_waits_only(self.FLOOD_WAIT_IN_REQUEST.total_seconds()):
                await bot.send_message(row.user_id, text, reply_markup=markup)
        except TelegramRetryAfter as error:  # keeps its rate slot: Telegram asked us to slow
            wait = timedelta(seconds=error.retry_after)
            until = self.clock.now() + wait
            self.limiter.hold(error.retry_after, everyone=False)  # broadcasts wait too
            if wait > self.PAUSE_ALL_AFTER:  # a long flood wait: every reminder holds
                self._paused_until = max(until, self._paused_until or until)
            return await self._reschedule(row, until, row.attempts, "flood limit", report)
        except TelegramForbiddenError:
            self.limiter.refund()
            await self.user_blocked(row.user_id)
            return await self._close(row.id, "cancelled", "user blocked the bot", report)
        except ClientDecodeError as error:
            if not answered_ok(error):  # a gateway's error page, not Telegram's answer
                self.limiter.refund()
                return await self._failed(row, error, report)
            log.warning("reminder %s: sent, but the answer was unreadable", row.id)
        except Exception as error:  # 5xx, a dropped connection, 400s, anything else
            self.limiter.refund()  # no message that we know of: the slot goes to the next
            return await self._failed(row, error, report)
        report.sent += 1
        try:
            await self._writer.write(MARK_SENT, {"rid": row.id, "by": self.instance_id, "at": now})
        except Exception as error:  # sent all the same: no retry; the claim waits for recovery
            log.error("reminder %s: sent, but not marked: %s", row.id, describe(error))
        return None

    def _pause_end(self, now: datetime) -> datetime | None:
        """When the pause Telegram asked for ends, while it lasts."""
        until = self._paused_until
        return until if until is not None and now < until else None

    async def _failed(self, row: Claimed, error: Exception, report: TickReport) -> None:
        """Try again later (sooner for what passes by itself), or give up with the reason.
        The backoff counts from now, not from the tick's start."""
        attempts = row.attempts + 1
        reason = describe(error)
        transient = isinstance(error, (TelegramNetworkError, TelegramServerError))
        transient |= isinstance(error, ClientDecodeError)
        if attempts >= (self.MAX_TRANSIENT_ATTEMPTS if transient else self.MAX_ATTEMPTS):
            log.warning("reminder %s given up after %d attempts: %s", row.id, attempts, reason)
            await self._writer.write(
                MARK_CLOSED,
                {"rid": row.id, "by": self.instance_id, "status": "failed", "error": reason},
            )
            report.failed += 1
            return
        if transient:
            backoff = min(self.TRANSIENT_BACKOFF * 2 ** (attempts - 1), self.MAX_BACKOFF)
        else:
            backoff = timedelta(minutes=2**attempts)
        level = logging.INFO if transient else logging.WARNING
        log.log(level, "reminder %s: %s; attempt %d in %s", row.id, reason, attempts + 1, backoff)
        await self._reschedule(row, self.clock.now() + backoff, attempts, reason, report)

    async def _reschedule(
        self, row: Claimed, due: datetime, attempts: int, error: str | None, report: TickReport
    ) -> None:
        params = {
            "rid": row.id,
            "by": self.instance_id,
            "due": due,
            "attempts": attempts,
            "error": error,
        }
        await self._writer.write(RESCHEDULE, params)
        report.rescheduled += 1

    async def _close(self, rid: int, status: str, reason: str, report: TickReport) -> None:
        params = {"rid": rid, "by": self.instance_id, "status": status, "error": reason}
        await self._writer.write(MARK_CLOSED, params)
        report.skipped += 1

    async def user_blocked(self, user_id: int) -> None:
        """Telegram answered 403: the user is inactive and their reminders stop (broadcasts
        call this too)."""
        await self.users.save(user_id, is_active=False)
        async with transaction(self._sessionmaker) as session:
            await ReminderRepository(session).cancel_all_for(user_id)

    # --- instances: heartbeats, and the claims of those that stopped -----------------

    async def heartbeat(self) -> None:
        """Tell the other instances this one is alive (every tick; the runner's job too)."""
        async with self._confirming:
            await self._check_in()

    async def stop(self) -> None:
        """A clean stop: this instance's claims go back to the queue at once."""
        await self._writer.drain()
        async with transaction(self._sessionmaker) as session:
            released = await ReminderRepository(session).unregister(self.instance_id)
        RUNNING.pop(self.instance_id, None)
        self._registered = False
        if released:
            log.info("stopping: %d claimed reminders put back", released)

    async def _check_in(self) -> None:
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            repository = ReminderRepository(session)
            if self._registered and await repository.beat(self.instance_id, now):
                alive = True
            else:
                alive = False
                await repository.register(self.instance_id, self.host, self.node, self.pid, now)
        if not alive and self._registered:  # our row was gone: others took our claims back
            log.warning("instance %s was presumed dead: its claims were put back", self.instance_id)
            self._epoch += 1
        RUNNING[self.instance_id] = self
        self._registered, self._confirmed_at = True, now

    @property
    def epoch(self) -> int:
        """Claims taken now are still ours while `still_ours(epoch)` says so."""
        return self._epoch

    async def still_ours(self, epoch: int) -> bool:
        """Whether the claims taken at `epoch` are still this instance's (a heartbeat at
        most every CONFIRM_EVERY finds out, e.g. after the process hung for a minute)."""
        async with self._confirming:
            confirmed = self._confirmed_at
            if confirmed is None or self.clock.now() - confirmed >= self.CONFIRM_EVERY:
                await self._check_in()
        return epoch == self._epoch

    async def release_stopped(self) -> int:
        """Forget instances that stopped and put their reminder claims back (broadcasts
        then put back their deliveries: claims of instances that no longer exist)."""
        async with transaction(self._sessionmaker) as session:
            return await self._release_stopped(ReminderRepository(session), self.clock.now())

    async def _release_stopped(self, repository: ReminderRepository, now: datetime) -> int:
        """Put back the claims of instances whose heartbeat stopped, or whose process on
        this machine is gone; forget those instances."""
        stale, gone = [], []
        for row in await repository.instances():
            if row.id == self.instance_id:
                continue
            if row.seen_at < now - self.HEARTBEAT_TIMEOUT:
                stale.append(row.id)
            elif self.node is not None and row.node == self.node:
                ours = row.pid == self.pid
                if (ours and row.id not in RUNNING) or (not ours and process_gone(row.pid)):
                    gone.append(row.id)
        # dropped first, only if still stale: one that beat meanwhile keeps its claims
        dropped = await repository.drop_instances(stale, seen_before=now - self.HEARTBEAT_TIMEOUT)
        dropped += await repository.drop_instances(gone)
        released = await repository.release_claims_of(dropped)
        if dropped:
            log.warning(
                "%d claimed reminders of %d stopped instance(s) put back: %s",
                released,
                len(dropped),
                ", ".join(dropped),
            )
        return released
