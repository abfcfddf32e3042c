"""Every update is accepted durably before it is handled, and handled once.

Long polling confirms an offset to Telegram with the next getUpdates, and a webhook request
is answered 200; either way Telegram forgets the update. So the update is first written to
the inbox, and only then confirmed. A crash leaves it there unhandled, held by an instance
whose heartbeat stops: a running instance (or this one, restarted) replays it. Telegram may
deliver an update again (polling after a crash, a webhook whose 200 was lost): the inbox knows
its `update_id` and it is not handled again.

One durable write per polled batch, or per group of concurrent webhook requests: arrivals
wait while a transaction runs, then go together in the next one. An update's "handled" mark
is committed with what handling it wrote (storage/unit.py), so a replay starts from the
state the update found. A user's update waits while an older one of theirs is unhandled
on another instance (or by one that stopped, until it is replayed): their messages are
handled in the order they sent them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.types import Update
from pydantic import ValidationError

from bot.metrics import INBOX
from bot.services.clock import Clock
from storage.db import Transactions
from storage.repositories import inbox as repository
from storage.unit import Unit, current
from storage.writer import GroupWriter

log = logging.getLogger(__name__)

KEEP = timedelta(days=2)  # Telegram keeps an update for 24 hours; its id stays longer
REPLAY_BATCH = 100

Arrival = tuple[list[int], list[dict[str, object]], asyncio.Future[repository.Accepted]]


class Inbox:
    def __init__(self, transactions: Transactions, owner: str, clock: Clock) -> None:
        self.transactions = transactions  # the group writer's: one hop per flush on SQLite
        self.owner = owner  # this instance's id (its heartbeat row: see ReminderService)
        self.clock = clock
        self._arrivals: list[Arrival] = []
        self._flusher: asyncio.Task[None] | None = None
        self._purged_at: datetime | None = None

    async def accept(self, updates: Sequence[tuple[int, int | None, str]]) -> repository.Accepted:
        """Write (update_id, user_id, JSON payload) triples durably; returns the ids never
        seen before, and of those the ones that wait for an older update of their user still
        unhandled elsewhere. Raises what the database raised: then nothing is accepted."""
        now = self.clock.now()
        ids = [update_id for update_id, _, _ in updates]
        rows: list[dict[str, object]] = [
            {
                "update_id": update_id,
                "user_id": user_id,
                "payload": payload,
                "owner": self.owner,
                "received_at": now,
                "handled_at": None,
            }
            for update_id, user_id, payload in updates
        ]
        future: asyncio.Future[repository.Accepted] = asyncio.get_running_loop().create_future()
        self._arrivals.append((ids, rows, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._arrivals:
            arrivals, self._arrivals = self._arrivals, []
            rows = [row for _, batch, _ in arrivals for row in batch]
            work = partial(repository.accept, rows=rows, owner=self.owner)
            try:
                new, waiting = await self.transactions.run(work)
            except Exception as error:
                for *_, future in arrivals:
                    if not future.done():
                        future.set_exception(error)
                log.warning("updates not accepted: %s", error)
                continue
            for ids, _, future in arrivals:  # the same update twice in one group: once
                mine = new.intersection(ids)
                new -= mine
                INBOX.labels("accepted").inc(len(mine))
                INBOX.labels("duplicate").inc(len(ids) - len(mine))
                if not future.done():
                    future.set_result((mine, waiting.intersection(mine)))

    async def waiting(self, update_ids: Sequence[int]) -> set[int]:
        """Which of these (held by this instance) still wait for an older update."""
        return await self.transactions.run(
            lambda connection: repository.waiting(connection, list(update_ids), self.owner)
        )

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
        """Wait for the arrivals being written."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)


def user_of(update: Update) -> int | None:
    user = UserContextMiddleware.resolve_event_context(update).user
    return user.id if user is not None else None


def payload_of(update: Update) -> str:
    return update.model_dump_json(by_alias=True, exclude_unset=True, exclude_none=True)


class Intake:
    """Updates from long polling, webhook requests and replays: accepted in the inbox, then
    handled as tasks, as aiogram's polling does, one user's in the order they came (a later
    one waits in the user's queue until the one before it is handled)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        inbox: Inbox,
        writer: GroupWriter,
        free_user: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.inbox = inbox
        self.writer = writer  # commits each update's writes with its mark
        # several instances: a stopped instance's hold on a user (their per-user lock) goes
        # when their update is replayed, instead of after the lock's timeout
        self.free_user = free_user
        self._tasks: set[asyncio.Task[None]] = set()
        self._queues: dict[int, deque[Update]] = {}  # users with an update being handled
        self._held: dict[int, Update] = {}  # waiting for an older update of their user

    async def take(self, updates: Sequence[Update], payloads: Sequence[str] | None = None) -> int:
        """Accept the updates (raises if they could not be written) and start handling those
        never seen before; returns how many."""
        texts = payloads if payloads is not None else [payload_of(u) for u in updates]
        triples = [(u.update_id, user_of(u), text) for u, text in zip(updates, texts, strict=True)]
        new, waiting = await self.inbox.accept(triples)
        for update in updates:
            if update.update_id in waiting:
                self._hold(update)
            elif update.update_id in new:
                self._start(update)
        return len(new)

    async def replay(self) -> int:
        """Handle what stopped instances accepted and never handled, then what waited for
        updates that are handled now; returns how many were taken over."""
        orphans = await self.inbox.orphans()
        updates = []
        for update_id, payload in orphans:
            try:
                updates.append(Update.model_validate_json(payload, context={"bot": self.bot}))
            except ValidationError:
                log.error("update %s in the inbox is unreadable; dropped", update_id)
                await self.writer.finish(Unit(update_id), self.inbox.clock.now())
        waiting = await self.inbox.waiting([update.update_id for update in updates])
        for update in updates:
            INBOX.labels("replayed").inc()
            if update.update_id in waiting:
                self._hold(update)
                continue
            log.info("update %s replayed (its instance stopped)", update.update_id)
            user = user_of(update)
            if self.free_user is not None and user is not None and user not in self._queues:
                await self.free_user(user)
            self._start(update)
        await self.release_held()
        return len(orphans)

    def _hold(self, update: Update) -> None:
        self._held[update.update_id] = update
        log.info("update %s waits for an older one of its user", update.update_id)

    async def release_held(self) -> None:
        """Start the held updates whose user has nothing older left unhandled elsewhere."""
        if not self._held:
            return
        still = await self.inbox.waiting(sorted(self._held))
        for update_id in sorted(set(self._held) - still):
            self._start(self._held.pop(update_id))

    def _start(self, update: Update) -> None:
        user = user_of(update)
        if user is not None and user in self._queues:
            self._queues[user].append(update)
            return
        if user is not None:
            self._queues[user] = deque()
        task = asyncio.create_task(self._handle_in_turn(user, update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle_in_turn(self, user: int | None, update: Update) -> None:
        """This update, then the user's others that came meanwhile, in order."""
        while True:
            await self._handle(update)
            if user is None:
                return
            if not self._queues[user]:
                del self._queues[user]
                return
            update = self._queues[user].popleft()

    async def _handle(self, update: Update) -> None:
        unit = Unit(update.update_id)
        token = current.set(unit)
        try:
            await self.dispatcher.feed_update(self.bot, update)
        except Exception:  # the errors router failed too: logged, and not tried again
            log.exception("update %s could not be handled", update.update_id)
        finally:  # cancelled (stopping): nothing is committed, and it is replayed
            current.reset(token)
        try:  # the dispatcher did it, unless the update stopped before reaching it
            await self.writer.finish(unit, self.inbox.clock.now())
        except Exception:
            log.exception("update %s: its writes and mark were not committed", update.update_id)

    async def idle(self) -> None:
        """Wait until every update started so far is handled."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self, grace: float = 10.0) -> None:
        """Let running handlers finish for up to `grace` seconds; what is left is replayed
        later."""
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.inbox.close()
