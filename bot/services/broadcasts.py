"""Staff broadcasts: who may send to whom, and the delivery engine.

A broadcast is a row; when it starts (at once, or when its time comes) its recipients
become one delivery row each, added in keyset batches from the users table, so users who
joined since scheduling are included and those who left are not. Delivery claims batches
of rows like reminders do (the same instance ids and heartbeats), sends each through the
one rate-limited sender behind the reminders, and marks it; a crash repeats at most what
was in flight. The outcome of a send:
- sent; 403 → the user is marked inactive and counted as blocked; another 400 → failed;
- 429 → every sender holds for `retry_after` and broadcasts slow down; the row waits;
- network errors, 5xx, a gateway's page → retried with backoff, then failed.

The progress message of the staff member who sent it is edited at most every
PROGRESS_EVERY (one instance edits at a time); at the end they get a summary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import BROADCASTS
from bot.retry import answered_ok, flood_waits_only
from bot.rules.broadcasts import batch_size, content_locale, retry_delay
from bot.scripting import attach
from bot.services.cases import CaseService
from bot.services.clock import Clock
from bot.services.reminders import ReminderService, describe
from bot.services.sender import RateLimiter
from bot.services.users import UserService
from storage.cache import BoundedCache
from storage.models import Broadcast
from storage.records import Audience, Content
from storage.repositories.broadcasts import (
    MARK_CLOSED,
    MARK_SENT,
    RETRY,
    BroadcastRepository,
    Claimed,
    audience_where,
)
from storage.unit import transaction
from storage.writer import GroupWriter

log = logging.getLogger(__name__)
UNKNOWN = "unknown"  # whether its author may still send it: not for this process to say


def failure_reason(error: Exception) -> str:
    """Why a delivery failed, as a code the summary names in the staff member's language
    (Telegram's own words go to the log)."""
    if isinstance(error, TelegramBadRequest):
        return "chat_not_found" if "chat not found" in str(error).lower() else "refused"
    if isinstance(error, TelegramNetworkError):
        return "network"
    if isinstance(error, (TelegramServerError, ClientDecodeError)):
        return "server"
    return "other"


@dataclass(frozen=True)
class Authority:
    """What a staff member may reach: admins everyone, attachés their countries' emigrants."""

    staff_id: int
    admin: bool
    countries: frozenset[str] = frozenset()

    @property
    def scope(self) -> frozenset[str]:
        """The countries the audience is limited to (empty: no limit)."""
        return frozenset() if self.admin else self.countries


@dataclass
class Progress:
    """Where a broadcast stands, for its progress message and summary."""

    total: int
    counts: dict[str, int]
    rate: float  # messages a second lately
    eta: float | None  # seconds left at that rate

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0)

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)

    @property
    def blocked(self) -> int:
        return self.counts.get("blocked", 0)

    @property
    def remaining(self) -> int:
        return self.counts.get("pending", 0) + self.counts.get("sending", 0)


class BroadcastView(Protocol):
    """What the engine sends in words, rendered in the reader's language."""

    def link_markup(self, url: str, locale: str) -> InlineKeyboardMarkup: ...

    def progress(
        self, broadcast: Broadcast, progress: Progress, locale: str, final: bool
    ) -> tuple[str, InlineKeyboardMarkup | None]: ...

    def summary(self, broadcast: Broadcast, locale: str, zone: str) -> str: ...

    def withdrawn(self, broadcast: Broadcast, locale: str, reason: str) -> str: ...


@dataclass
class TickReport:
    started: int = 0
    claimed: int = 0
    sent: int = 0
    finished: int = 0


class BroadcastService:
    MAX_TRANSIENT_ATTEMPTS = 8  # network errors, 5xx: about 8 minutes of retries
    PROGRESS_EVERY = timedelta(seconds=4)
    ADD_BATCH = 5000  # recipients added per transaction when a broadcast starts
    KEEP_DELIVERIES = timedelta(days=90)  # then only a broadcast's counts stay
    PURGE_EVERY = timedelta(hours=1)
    RECOVER_EVERY = timedelta(seconds=10)  # looks for claims of stopped instances
    START_STALLS = timedelta(minutes=1)  # a start this old was cut short: another goes on
    LISTED_REASONS = 5

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        writer: GroupWriter,
        users: UserService,
        reminders: ReminderService,
        cases: CaseService,
        limiter: RateLimiter,
        view: BroadcastView,
        default_locale: str,
        *,
        paid_allowed: bool = False,
        concurrency: int = 200,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._writer = writer
        self.users = users
        self.reminders = reminders
        self.cases = cases
        self.limiter = limiter
        self.view = view
        self.default_locale = default_locale
        self.paid_allowed = paid_allowed
        self.clock: Clock = reminders.clock
        self._slots = asyncio.Semaphore(concurrency)
        self._left: set[int] = set()  # due, but for an instance that knows their author
        self._halted: dict[int, str] = {}  # paused or cancelled here while rows were in flight
        # users who deleted their data while this process ran (bounded: a claim is minutes old)
        self._gone: BoundedCache[int, bool] = BoundedCache(10_000)
        self._rates: dict[int, tuple[datetime, int]] = {}  # last progress: when, how many sent
        self._purged_at: datetime | None = None
        self._recovered_at: datetime | None = None
        users.on_delete.append(lambda user_id: self._gone.put(user_id, True))

    @property
    def instance_id(self) -> str:
        return self.reminders.instance_id

    # --- who may send to whom --------------------------------------------------------

    async def authority(self, staff_id: int) -> Authority | None:
        """Asked on the server for every staff step: roles can change between two presses."""
        if self.cases.is_admin(staff_id):
            return Authority(staff_id, admin=True)
        countries = await self.cases.countries_of(staff_id)
        if not countries:
            return None
        return Authority(staff_id, admin=False, countries=frozenset(countries))

    def may_manage(self, authority: Authority, broadcast: Broadcast) -> bool:
        """Admins manage every broadcast; an attaché their own, while they still serve its
        countries."""
        if authority.admin:
            return True
        return broadcast.author_id == authority.staff_id and set(broadcast.scope) <= set(
            authority.countries
        )

    def allows(self, authority: Authority, audience: Audience) -> bool:
        """Whether the audience stays within what the staff member may reach."""
        if authority.admin:
            return True
        if audience.role not in (None, "emigrant"):
            return False
        return audience.country is None or audience.country in authority.countries

    def _where(self, authority: Authority, audience: Audience) -> Any:
        return audience_where(audience, authority.scope, self.default_locale)

    # --- audiences -----------------------------------------------------------------------

    async def count(self, authority: Authority, audience: Audience) -> int:
        await self._writer.barrier()  # profiles saved a moment ago are counted
        async with self._sessionmaker() as session:
            return await BroadcastRepository(session).count(self._where(authority, audience))

    async def count_by_locale(self, authority: Authority, audience: Audience) -> dict[str, int]:
        await self._writer.barrier()
        async with self._sessionmaker() as session:
            return await BroadcastRepository(session).count_by_locale(
                self._where(authority, audience), self.default_locale
            )

    async def count_by_script(self, authority: Authority, audience: Audience) -> dict[str, int]:
        """Kazakh readers of the audience who get it converted, by script (latn, arab)."""
        async with self._sessionmaker() as session:
            return await BroadcastRepository(session).count_by_script(
                self._where(authority, audience)
            )

    async def common_values(
        self, authority: Authority, audience: Audience, column: str, limit: int = 12
    ) -> list[tuple[str, int]]:
        """The commonest citizenships or countries of work among the audience (the filter
        itself set aside), to offer as choices."""
        wider = audience.model_copy(
            update={"citizenship" if column == "citizenship" else "country": None}
        )
        await self._writer.barrier()
        async with self._sessionmaker() as session:
            return await BroadcastRepository(session).most_common(
                column, self._where(authority, wider), limit
            )

    async def zones(self, authority: Authority, audience: Audience) -> dict[str, int]:
        """The audience's time zones, with how many people live by each."""
        await self._writer.barrier()
        async with self._sessionmaker() as session:
            found = await BroadcastRepository(session).most_common(
                "timezone", self._where(authority, audience), 1000
            )
        return dict(found)

    def seconds_for(self, recipients: int, paid: bool = False) -> float:
        return self.limiter.seconds_for(recipients, paid)

    # --- creating and managing ------------------------------------------------------------

    async def create(
        self,
        authority: Authority,
        audience: Audience,
        contents: dict[str, Content],
        url: str | None,
        at: datetime | None,
        paid: bool = False,
    ) -> Broadcast:
        """A broadcast to start at `at` (None: now). The audience is counted when it starts."""
        if not self.allows(authority, audience):
            raise PermissionError("audience outside the staff member's countries")
        now = self.clock.now()
        broadcast = Broadcast(
            author_id=authority.staff_id,
            status="scheduled",
            audience=audience.model_dump(mode="json"),
            scope=sorted(authority.scope),
            contents={code: content.model_dump(mode="json") for code, content in contents.items()},
            url=url,
            paid=paid and self.paid_allowed and authority.admin,
            scheduled_at=at or now,
            created_at=now,
            total=0,
            results={},
        )
        async with transaction(self._sessionmaker) as session:
            await BroadcastRepository(session).create(broadcast)
        return broadcast

    async def get(self, broadcast_id: int) -> Broadcast | None:
        async with self._sessionmaker() as session:
            return await BroadcastRepository(session).get(broadcast_id)

    async def recent(self, authority: Authority, limit: int) -> list[Broadcast]:
        """Admins see everyone's; an attaché their own."""
        author = None if authority.admin else authority.staff_id
        async with self._sessionmaker() as session:
            return await BroadcastRepository(session).recent(author, limit)

    async def pause(self, broadcast_id: int) -> bool:
        async with transaction(self._sessionmaker) as session:
            moved = await BroadcastRepository(session).move(broadcast_id, ("running",), "paused")
        if moved:
            self._halted[broadcast_id] = "paused"
        return moved

    async def resume(self, broadcast_id: int) -> bool:
        async with transaction(self._sessionmaker) as session:
            moved = await BroadcastRepository(session).move(broadcast_id, ("paused",), "running")
        if moved:
            self._halted.pop(broadcast_id, None)
        return moved

    async def cancel(self, broadcast_id: int) -> bool:
        """Stop a scheduled, running or paused broadcast; what was not sent is not sent."""
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            repository = BroadcastRepository(session)
            moved = await repository.move(
                broadcast_id,
                ("scheduled", "starting", "running", "paused"),
                "cancelled",
                finished_at=now,
            )
            if moved:
                await repository.cancel_pending(broadcast_id)
        if moved:
            self._halted[broadcast_id] = "cancelled"
        return moved

    async def progress(self, broadcast: Broadcast) -> Progress:
        """Counts by status, the rate since this process last looked, the time left."""
        now = self.clock.now()
        async with self._sessionmaker() as session:
            counts = await BroadcastRepository(session).counts(broadcast.id)
        done = sum(n for status, n in counts.items() if status not in ("pending", "sending"))
        last = self._rates.get(broadcast.id)
        started = broadcast.started_at or now
        if last is not None and now > last[0]:
            rate = (done - last[1]) / (now - last[0]).total_seconds()
        elif now > started:
            rate = done / (now - started).total_seconds()
        else:
            rate = 0.0
        self._rates[broadcast.id] = (now, done)
        remaining = counts.get("pending", 0) + counts.get("sending", 0)
        eta = remaining / rate if rate > 0 else None
        total = broadcast.total or sum(counts.values())
        return Progress(total, counts, rate, eta)

    # --- sending ---------------------------------------------------------------------------

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        content: Content,
        url: str | None,
        locale: str,
        paid: bool = False,
    ) -> Message:
        """The message as every reader of `locale` gets it (previews go through here too)."""
        markup = self.view.link_markup(url, locale) if url else None
        paid_flag = True if paid else None
        if content.kind == "text":
            return await bot.send_message(
                chat_id, content.html, reply_markup=markup, allow_paid_broadcast=paid_flag
            )
        senders: dict[str, Callable[..., Awaitable[Message]]] = {
            "photo": bot.send_photo,
            "document": bot.send_document,
            "video": bot.send_video,
        }
        send_media = senders[content.kind]
        assert content.file_id  # every media content has one (storage.records.Content)
        return await send_media(
            chat_id,
            content.file_id,
            caption=content.html or None,
            reply_markup=markup,
            allow_paid_broadcast=paid_flag,
        )

    async def drain(self, bot: Bot) -> TickReport:
        """Ticks until nothing is left to send now (retries due later wait for the next run)."""
        total = TickReport()
        while True:
            report = await self.tick(bot)
            total.started += report.started
            total.claimed += report.claimed
            total.sent += report.sent
            total.finished += report.finished
            if not report.claimed and not report.started:
                return total

    async def tick(self, bot: Bot) -> TickReport:
        """Start what is due, send one batch of each running broadcast, report progress,
        and finish what is done."""
        attach(bot, self.users)  # each reader's script (bot/scripting.py)
        # our instance row exists (and is fresh) before we claim: a beat at most every few
        # seconds, not one per batch
        await self.reminders.still_ours(self.reminders.epoch)
        now = self.clock.now()
        report = TickReport()
        async with self._sessionmaker() as session:
            due = await BroadcastRepository(session).due(now, now - self.START_STALLS)
        for broadcast_id in due:
            report.started += await self._start(bot, broadcast_id)
        async with self._sessionmaker() as session:
            running = await BroadcastRepository(session).running()
        if running:
            await self._recover([broadcast.id for broadcast in running], now)
        for broadcast in running:
            claimed = await self._send_batch(bot, broadcast, report)
            await self._report_progress(bot, broadcast)
            if not claimed and await self._finish(bot, broadcast):
                report.finished += 1
        await self._purge(now)
        return report

    async def _standing(self, broadcast: Broadcast) -> str | None:
        """Whether the author may still send it: None if so; UNKNOWN if this process cannot
        tell; else why it is withdrawn ("staff": no role left, "countries": not all of them).
        An admin's broadcast (no scope) is vouched for only by ADMIN_IDS, which are this
        process's configuration: a process without its author there (a console started
        without them, say) leaves it to one with them. Attachés' roles are in the database,
        the same for every process."""
        author_id, scope = broadcast.author_id, set(broadcast.scope)
        if author_id is None:
            return "staff"  # a deleted staff member's
        if self.cases.is_admin(author_id):
            return None
        if not scope:
            return UNKNOWN
        countries = await self.cases.countries_of(author_id)
        if not countries:
            return "staff"
        return None if scope <= countries else "countries"

    async def _withdraw(self, bot: Bot, broadcast: Broadcast, reason: str) -> None:
        if not await self.cancel(broadcast.id):
            return  # cancelled or started meanwhile
        log.warning(
            "broadcast %s withdrawn: its author %s may no longer send it (%s)",
            broadcast.id,
            broadcast.author_id,
            reason,
        )
        if broadcast.author_id is not None:
            await self._tell(
                bot,
                broadcast.author_id,
                lambda locale, _zone: self.view.withdrawn(broadcast, locale, reason),
            )

    async def _start(self, bot: Bot, broadcast_id: int) -> int:
        """Scheduled → starting → running: the recipients become delivery rows. A crash in
        between goes on where it stopped (rows are keyed by broadcast and user)."""
        now = self.clock.now()
        await self._writer.barrier()  # profiles saved a moment ago are recipients too
        async with self._sessionmaker() as session:
            broadcast = await BroadcastRepository(session).get(broadcast_id)
        if broadcast is None:
            return 0
        standing = await self._standing(broadcast)
        if standing == UNKNOWN:
            if broadcast_id not in self._left:
                self._left.add(broadcast_id)
                log.warning(
                    "broadcast %s left for another instance: its author %s is not in this "
                    "one's ADMIN_IDS",
                    broadcast_id,
                    broadcast.author_id,
                )
            return 0
        if standing is not None:
            await self._withdraw(bot, broadcast, standing)
            return 0
        async with transaction(self._sessionmaker) as session:
            if not await BroadcastRepository(session).begin(
                broadcast_id, now, now - self.START_STALLS
            ):
                return 0  # another instance is starting it
        audience = Audience.model_validate(broadcast.audience)
        scope = set(broadcast.scope)
        where = audience_where(audience, scope, self.default_locale)
        async with self._sessionmaker() as session:
            after = await BroadcastRepository(session).last_recipient(broadcast_id)
        while True:
            async with transaction(self._sessionmaker) as session:
                repository = BroadcastRepository(session)
                current = await repository.get(broadcast_id)
                if current is None or current.status != "starting":
                    return 0  # cancelled meanwhile
                last = await repository.add_recipients(broadcast_id, where, after, self.ADD_BATCH)
            if last is None:
                break
            after = last
        async with transaction(self._sessionmaker) as session:
            repository = BroadcastRepository(session)
            total = await repository.recipients(broadcast_id)
            if not await repository.move(broadcast_id, ("starting",), "running", total=total):
                return 0
            broadcast = await repository.get(broadcast_id)
        assert broadcast is not None
        log.info("broadcast %s started: %d recipients", broadcast_id, total)
        await self._open_progress(bot, broadcast)
        return 1

    async def _send_batch(self, bot: Bot, broadcast: Broadcast, report: TickReport) -> int:
        # only a running broadcast is claimed from: a pause here from now on is seen by
        # the rows in flight, one resumed elsewhere runs here again
        self._halted.pop(broadcast.id, None)
        rate = self.limiter.bulk_rate_for(broadcast.paid)
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            claimed = await BroadcastRepository(session).claim(
                broadcast.id, now, batch_size(rate), self.instance_id
            )
        if not claimed:
            return 0
        report.claimed += len(claimed)
        contents = {
            code: Content.model_validate(value) for code, value in broadcast.contents.items()
        }
        epoch = self.reminders.epoch
        outcomes = await asyncio.gather(
            *(self._deliver(bot, broadcast, row, contents, epoch) for row in claimed)
        )
        report.sent += sum(outcomes)
        return len(claimed)

    async def _deliver(
        self,
        bot: Bot,
        broadcast: Broadcast,
        row: Claimed,
        contents: dict[str, Content],
        epoch: int,
    ) -> bool:
        """One recipient; whatever goes wrong stays with this row. True when sent."""
        delivery_id, user_id, attempts, locale, active = row
        marks = {"did": delivery_id, "by": self.instance_id}
        async with self._slots:
            try:
                if active is None or self._gone.get(user_id):
                    await self._close(marks, "skipped", None, "the user deleted their data")
                    return False
                if not active:
                    await self._close(marks, "blocked", None, "the user blocked the bot")
                    return False
                reader = locale or self.default_locale
                code = content_locale(reader, contents)
                await self.limiter.wait(user_id, bulk=True, paid=broadcast.paid)
                if await self._halted_here(broadcast.id, marks):
                    return False
                if not await self.reminders.still_ours(epoch):
                    return False  # presumed dead meanwhile: another instance has it now
                return await self._attempt(
                    bot, broadcast, marks, user_id, attempts, contents[code], code, reader
                )
            except Exception as error:  # the database, most likely
                log.error("broadcast delivery %s: %s", delivery_id, describe(error))
                try:  # back to the queue, so the broadcast can still finish
                    await self._writer.write(
                        RETRY,
                        {
                            **marks,
                            "due": self.clock.now() + retry_delay(attempts + 1),
                            "attempts": attempts + 1,
                            "error": "other",
                        },
                    )
                except Exception:
                    log.error("broadcast delivery %s: not put back either", delivery_id)
                return False

    async def _attempt(
        self,
        bot: Bot,
        broadcast: Broadcast,
        marks: dict[str, Any],
        user_id: int,
        attempts: int,
        content: Content,
        code: str,
        reader: str,
    ) -> bool:
        """Send `content` (in language `code`) to a reader of `reader`."""
        try:
            with flood_waits_only(0):  # no waiting inside: the whole sender holds instead
                await self.send(bot, user_id, content, broadcast.url, reader, broadcast.paid)
        except TelegramRetryAfter as error:  # keeps its slot: Telegram asked us to slow down
            self.limiter.hold(error.retry_after)
            due = self.clock.now() + timedelta(seconds=error.retry_after)
            await self._writer.write(
                RETRY, {**marks, "due": due, "attempts": attempts, "error": "flood limit"}
            )
            return False
        except TelegramForbiddenError:
            self.limiter.refund()
            await self.reminders.user_blocked(user_id)
            await self._close(marks, "blocked", code, "the user blocked the bot")
            return False
        except ClientDecodeError as error:
            if not answered_ok(error):
                self.limiter.refund()
                await self._retry_or_fail(marks, attempts, code, error)
                return False
        except (TelegramNetworkError, TelegramServerError) as error:
            self.limiter.refund()
            await self._retry_or_fail(marks, attempts, code, error)
            return False
        except TelegramBadRequest as error:  # chat not found, a file Telegram refuses...
            self.limiter.refund()
            log.info("broadcast %s to %s: %s", broadcast.id, user_id, describe(error))
            await self._close(marks, "failed", code, failure_reason(error))
            return False
        except Exception as error:
            self.limiter.refund()
            log.warning("broadcast %s: %s", broadcast.id, describe(error), exc_info=True)
            await self._close(marks, "failed", code, failure_reason(error))
            return False
        await self._writer.write(MARK_SENT, {**marks, "locale": code, "at": self.clock.now()})
        BROADCASTS.labels("sent").inc()
        return True

    async def _halted_here(self, broadcast_id: int, marks: dict[str, Any]) -> bool:
        """Paused or cancelled in this process while the row waited for its turn."""
        halted = self._halted.get(broadcast_id)
        if halted is None:
            return False
        if halted == "cancelled":
            await self._close(marks, "cancelled", None, None)
        else:
            async with transaction(self._sessionmaker) as session:
                await BroadcastRepository(session).release([marks["did"]], self.instance_id)
        return True

    async def _retry_or_fail(
        self, marks: dict[str, Any], attempts: int, code: str, error: Exception
    ) -> None:
        attempts += 1
        log.info("broadcast delivery %s: %s (attempt %d)", marks["did"], describe(error), attempts)
        if attempts >= self.MAX_TRANSIENT_ATTEMPTS:
            await self._close(marks, "failed", code, failure_reason(error))
            return
        due = self.clock.now() + retry_delay(attempts)
        await self._writer.write(
            RETRY, {**marks, "due": due, "attempts": attempts, "error": failure_reason(error)}
        )

    async def _close(
        self, marks: dict[str, Any], status: str, locale: str | None, error: str | None
    ) -> None:
        await self._writer.write(
            MARK_CLOSED, {**marks, "status": status, "locale": locale, "error": error}
        )
        BROADCASTS.labels(status).inc()

    # --- progress and the end ----------------------------------------------------------------

    async def _open_progress(self, bot: Bot, broadcast: Broadcast) -> None:
        """The progress message, sent when a broadcast starts, then only edited."""
        if broadcast.author_id is None:
            return
        progress = await self.progress(broadcast)
        locale, _zone = await self._reader(broadcast.author_id)
        text, markup = self.view.progress(broadcast, progress, locale, final=False)
        try:
            await self.limiter.wait(broadcast.author_id)
            shown = await bot.send_message(broadcast.author_id, text, reply_markup=markup)
        except Exception as error:
            log.warning("broadcast %s: no progress message: %s", broadcast.id, describe(error))
            return
        await self.remember_progress(broadcast.id, shown.chat.id, shown.message_id)

    async def remember_progress(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """The message to edit from now on (/broadcasts can show a new one)."""
        async with transaction(self._sessionmaker) as session:
            broadcast = await BroadcastRepository(session).get(broadcast_id)
            if broadcast is not None:
                broadcast.progress_chat, broadcast.progress_message = chat_id, message_id
                broadcast.progress_at = self.clock.now()  # the next edit in PROGRESS_EVERY

    async def _report_progress(
        self, bot: Bot, broadcast: Broadcast, final: bool = False, now_: bool = False
    ) -> None:
        """Edit the progress message, if no instance did in PROGRESS_EVERY (or `now_`)."""
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            repository = BroadcastRepository(session)
            if not (final or now_) and not await repository.progress_turn(
                broadcast.id, now, now - self.PROGRESS_EVERY
            ):
                return
            fresh = await repository.get(broadcast.id)
        if fresh is None or fresh.progress_message is None or fresh.author_id is None:
            return
        progress = await self.progress(fresh)
        locale, _zone = await self._reader(fresh.author_id)
        text, markup = self.view.progress(fresh, progress, locale, final)
        assert fresh.progress_chat is not None
        try:
            await self.limiter.wait(fresh.progress_chat)
            with flood_waits_only(5):
                await bot.edit_message_text(
                    text=text,
                    chat_id=fresh.progress_chat,
                    message_id=fresh.progress_message,
                    reply_markup=markup,
                )
        except TelegramBadRequest as error:
            if "not modified" not in str(error):
                log.info("broadcast %s: progress not edited: %s", broadcast.id, describe(error))
        except Exception as error:
            log.info("broadcast %s: progress not edited: %s", broadcast.id, describe(error))

    async def edit_progress(self, bot: Bot, broadcast_id: int) -> None:
        """Edit the progress message now (after a pause, a resume or a cancel)."""
        broadcast = await self.get(broadcast_id)
        if broadcast is not None:
            final = broadcast.status in ("done", "cancelled")
            await self._report_progress(bot, broadcast, final=final, now_=True)

    async def _finish(self, bot: Bot, broadcast: Broadcast) -> bool:
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            if not await BroadcastRepository(session).finish(broadcast.id, now):
                return False
        await self.conclude(bot, broadcast.id)
        return True

    async def conclude(self, bot: Bot, broadcast_id: int) -> None:
        """A broadcast ended (done or cancelled): its counts are kept on its row, the
        progress message shows the end, and its author gets the summary."""
        await self._writer.drain()
        async with transaction(self._sessionmaker) as session:
            repository = BroadcastRepository(session)
            broadcast = await repository.get(broadcast_id)
            if broadcast is None:
                return
            if broadcast.status == "cancelled":
                await repository.cancel_pending(broadcast_id)
            broadcast.results = {
                "counts": await repository.counts(broadcast_id),
                "sent_by_locale": await repository.sent_by_locale(broadcast_id),
                "reasons": await repository.reasons(broadcast_id, self.LISTED_REASONS),
            }
        self._rates.pop(broadcast_id, None)
        await self._report_progress(bot, broadcast, final=True)
        if broadcast.author_id is not None and broadcast.started_at is not None:
            await self._tell(
                bot,
                broadcast.author_id,
                lambda locale, zone: self.view.summary(broadcast, locale, zone),
            )

    async def _reader(self, user_id: int) -> tuple[str, str]:
        profile = await self.users.get(user_id)
        locale = self.users.locale_of(profile, user_id, self.default_locale)
        zone = profile.timezone if profile else self.users.default_timezone
        return locale, zone

    async def _tell(self, bot: Bot, user_id: int, render: Callable[[str, str], str]) -> None:
        """A message to a staff member in their language; a failure is only logged."""
        locale, zone = await self._reader(user_id)
        try:
            text = render(locale, zone)
            await self.limiter.wait(user_id)
            await bot.send_message(user_id, text)
        except Exception as error:
            log.warning("broadcast notice to %s not sent: %s", user_id, describe(error))

    async def _recover(self, broadcast_ids: list[int], now: datetime) -> None:
        """Deliveries claimed by instances that stopped go back to the queue (at most every
        RECOVER_EVERY; a stopped instance is one whose heartbeat ended, or whose process on
        this machine is gone)."""
        if self._recovered_at is not None and now - self._recovered_at < self.RECOVER_EVERY:
            return
        self._recovered_at = now
        await self.reminders.release_stopped()
        async with transaction(self._sessionmaker) as session:
            released = await BroadcastRepository(session).release_orphans(broadcast_ids)
        if released:
            log.warning("%d broadcast deliveries of stopped instances put back", released)

    async def _purge(self, now: datetime) -> None:
        if self._purged_at is not None and now - self._purged_at < self.PURGE_EVERY:
            return
        self._purged_at = now
        async with transaction(self._sessionmaker) as session:
            await BroadcastRepository(session).forget_deliveries(now - self.KEEP_DELIVERIES)
