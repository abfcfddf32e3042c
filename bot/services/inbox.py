"""Every update is accepted durably before it is handled, and handled once.

Long polling confirms an offset to Telegram with the next getUpdates, and a webhook request
is answered 200; either way Telegram forgets the update. So the update is first written to
the inbox, and only then confirmed. A crash leaves it there unhandled, held by an instance
whose heartbeat stops: a running instance (or this one, restarted) replays it. Telegram may
deliver an update again (polling after a crash, a webhook whose 200 was lost): the inbox knows
its `update_id` and it is not handled again.

One durable write per polled batch, or per group of concurrent webhook requests: arrivals
wait while a transaction runs, then go together in the next one, which also marks what was
handled since (a mark waits at most FLUSH_AFTER for an arrival to carry it).

What remains: an update whose handler had finished when the process died, but whose mark
had not been written yet (at most FLUSH_AFTER), is handled again after the replay.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from pydantic import ValidationError

from bot.metrics import INBOX
from bot.services.clock import Clock
from storage.db import Transactions
from storage.repositories import inbox as repository
from storage.writer import GroupWriter

log = logging.getLogger(__name__)

FLUSH_AFTER = 0.2  # seconds a handled mark waits for the next arrival to carry it
RETRY_AFTER = 1.0  # seconds before marks that failed to be written are tried again
KEEP = timedelta(days=2)  # Telegram keeps an update for 24 hours; its id stays longer
REPLAY_BATCH = 100

Arrival = tuple[list[int], list[dict[str, object]], asyncio.Future[set[int]]]


class Inbox:
    def __init__(self, transactions: Transactions, owner: str, clock: Clock) -> None:
        self.transactions = transactions  # the group writer's: one hop per flush on SQLite
        self.owner = owner  # this instance's id (its heartbeat row: see ReminderService)
        self.clock = clock
        self._arrivals: list[Arrival] = []
        self._handled: list[int] = []
        self._flusher: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._purged_at: datetime | None = None

    async def accept(self, updates: Sequence[tuple[int, str]]) -> set[int]:
        """Write (update_id, JSON payload) pairs durably; returns the ids never seen before.
        Raises what the database raised: then nothing is accepted."""
        now = self.clock.now()
        ids = [update_id for update_id, _ in updates]
        rows: list[dict[str, object]] = [
            {
                "update_id": update_id,
                "payload": payload,
                "owner": self.owner,
                "received_at": now,
                "handled_at": None,
            }
            for update_id, payload in updates
        ]
        future: asyncio.Future[set[int]] = asyncio.get_running_loop().create_future()
        self._arrivals.append((ids, rows, future))
        self._kick()
        return await asyncio.shield(future)

    def handled(self, update_id: int) -> None:
        self._handled.append(update_id)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_AFTER, self._kick)

    def _kick(self) -> None:
        self._timer = None
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        while self._arrivals or self._handled:
            arrivals, self._arrivals = self._arrivals, []
            handled, self._handled = self._handled, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            rows = [row for _, batch, _ in arrivals for row in batch]
            work = partial(repository.accept, rows=rows, handled=handled, now=self.clock.now())
            try:
                new = await self.transactions.run(work)
            except Exception as error:
                for *_, future in arrivals:
                    if not future.done():
                        future.set_exception(error)
                self._handled[:0] = handled
                if arrivals:
                    log.warning("updates not accepted: %s", error)
                else:
                    log.warning("handled marks not written (tried again): %s", error)
                if self._arrivals:  # arrived meanwhile: they try now
                    continue
                self._timer = asyncio.get_running_loop().call_later(RETRY_AFTER, self._kick)
                return
            for ids, _, future in arrivals:  # the same update twice in one group: once
                mine = new.intersection(ids)
                new -= mine
                INBOX.labels("accepted").inc(len(mine))
                INBOX.labels("duplicate").inc(len(ids) - len(mine))
                if not future.done():
                    future.set_result(mine)

    async def orphans(self) -> list[tuple[int, str]]:
        """Take over updates accepted by instances that stopped before handling them."""
        return await self.transactions.run(
            lambda connection: repository.claim_orphans(connection, self.owner, REPLAY_BATCH)
        )

    async def purge(self) -> None:
        """Forget ids handled more than KEEP ago (once an hour)."""
        now = self.clock.now()
        if self._purged_at and now - self._purged_at < timedelta(hours=1):
            return
        await self.transactions.run(lambda connection: repository.purge(connection, now - KEEP))
        self._purged_at = now

    async def close(self) -> None:
        """Write the marks still waiting."""
        if self._handled or self._arrivals:
            self._kick()
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def payload_of(update: Update) -> str:
    return update.model_dump_json(by_alias=True, exclude_unset=True, exclude_none=True)


class Intake:
    """Updates from long polling, webhook requests and replays: accepted in the inbox, then
    each handled as its own task, as aiogram's polling does."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, inbox: Inbox, writer: GroupWriter) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.inbox = inbox
        self.writer = writer  # the handler's writes are committed before its mark
        self._tasks: set[asyncio.Task[None]] = set()

    async def take(self, updates: Sequence[Update], payloads: Sequence[str] | None = None) -> int:
        """Accept the updates (raises if they could not be written) and start handling those
        never seen before; returns how many."""
        texts = payloads if payloads is not None else [payload_of(u) for u in updates]
        pairs = [(u.update_id, text) for u, text in zip(updates, texts, strict=True)]
        new = await self.inbox.accept(pairs)
        for update in updates:
            if update.update_id in new:
                self._start(update)
        return len(new)

    async def replay(self) -> int:
        """Handle what stopped instances accepted and never handled."""
        orphans = await self.inbox.orphans()
        for update_id, payload in orphans:
            try:
                update = Update.model_validate_json(payload, context={"bot": self.bot})
            except ValidationError:
                log.error("update %s in the inbox is unreadable; dropped", update_id)
                self.inbox.handled(update_id)
                continue
            log.info("update %s replayed (its instance stopped)", update_id)
            INBOX.labels("replayed").inc()
            self._start(update)
        return len(orphans)

    def _start(self, update: Update) -> None:
        task = asyncio.create_task(self._handle(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, update: Update) -> None:
        try:
            await self.dispatcher.feed_update(self.bot, update)
            await self.writer.barrier()  # what it wrote without waiting is in first
        except Exception:  # the errors router failed too: logged, and not tried again
            log.exception("update %s could not be handled", update.update_id)
        self.inbox.handled(update.update_id)  # not when cancelled: it is replayed

    async def idle(self) -> None:
        """Wait until every update started so far is handled."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self, grace: float = 10.0) -> None:
        """Let running handlers finish for up to `grace` seconds; what is left is replayed
        later. Then write the marks."""
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.inbox.close()
