"""Group commit: concurrent writes share a transaction.

Updates are handled concurrently; each opening its own SQLite transaction would queue on
the single write lock, and each statement costs a round trip to the driver's thread. Here
writes wait while one transaction runs, then go together, in the order they came, in the
next one; neighbours with the same statement go as one executemany. `write` returns once
its commit is done; `submit` does not wait (for state also kept in memory), and `barrier`
waits for everything handed in before it. While an update is handled, `submit` collects
in its unit (storage/unit.py), which `finish` hands in as one group: a group is never split
between transactions.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, Insert, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import Transactions
from storage.unit import MARK_HANDLED, Unit, open_unit

Statement = tuple[Executable, dict[str, Any]]
Group = tuple[list[Statement], asyncio.Future[None]]  # no statements: a barrier
log = logging.getLogger(__name__)


def upsert(table: Table, key: str, dialect: str, keep: tuple[str, ...] = ()) -> Insert:
    """INSERT a whole row, or on a clash of `key` overwrite it (except the `keep` columns)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table)
    changed = {c.name: statement.excluded[c.name] for c in table.c if c.name not in (key, *keep)}
    return statement.on_conflict_do_update(index_elements=[key], set_=changed)


class GroupWriter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.transactions = Transactions(engine)  # on SQLite: one hop per transaction
        self.dialect: str = engine.dialect.name
        self._pending: list[Group] = []
        self._flusher: asyncio.Task[None] | None = None
        # several instances: an update returns only once committed, so the user's next update,
        # on whichever instance, reads what it wrote; one process hands its groups in order
        self.wait_for_units = False

    async def write(self, statement: Executable, params: dict[str, Any]) -> None:
        """Execute `statement` with `params`; returns once committed."""
        await asyncio.shield(self._hand_in([(statement, params)]))

    def submit(self, statement: Executable, params: dict[str, Any]) -> None:
        """Hand in a write without waiting for its commit, for state the process also keeps
        in memory (dialogue state, the profile). While an update is handled it waits in the
        update's unit; otherwise it is committed in order with the others, and a failure is
        logged. `barrier()` waits for what was handed in."""
        unit = open_unit()
        if unit is not None:
            unit.writes.append((statement, params))
        else:
            self._hand_in([(statement, params)]).add_done_callback(_log_failure)

    async def finish(self, unit: Unit, now: datetime) -> None:
        """Commit what the update wrote, with its "handled" mark, in one transaction (waiting
        for it only with several instances, or when something waits for the commit)."""
        if unit.closed:
            return
        unit.closed = True
        writes = unit.writes
        if unit.update_id is not None:
            writes.append((MARK_HANDLED, {"update": unit.update_id, "at": now}))
        if writes and not (self.wait_for_units or unit.after):
            self._hand_in(writes).add_done_callback(_log_failure)
            return
        if writes:
            await asyncio.shield(self._hand_in(writes))
        for then in unit.after:
            await then()

    async def settle(self) -> None:
        """Commit what the update being handled has written so far, and everything handed
        in before: for a transaction that must come after them (/delete)."""
        unit = open_unit()
        if unit is not None and unit.writes:
            writes, unit.writes = unit.writes, []
            await asyncio.shield(self._hand_in(writes))
        await self.drain()

    async def barrier(self) -> None:
        """Returns once every write handed in before it is committed (or has failed)."""
        if self._pending or (self._flusher is not None and not self._flusher.done()):
            await asyncio.shield(self._hand_in([]))

    def _hand_in(self, statements: list[Statement]) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((statements, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._commit(batch)
            except Exception:
                for group in batch:
                    await self._commit_alone(group)
                continue
            for _, future in batch:
                future.set_result(None)

    async def _commit(self, batch: list[Group]) -> None:
        statements = [write for group, _ in batch for write in group]

        def work(connection: Connection) -> None:
            for statement, same in itertools.groupby(statements, key=lambda write: write[0]):
                rows = [params for _, params in same]
                connection.execute(statement, rows if len(rows) > 1 else rows[0])

        if statements:
            await self.transactions.run(work)

    async def _commit_alone(self, group: Group) -> None:
        try:
            await self._commit([group])
        except Exception as error:
            group[1].set_exception(error)
        else:
            group[1].set_result(None)

    async def drain(self) -> None:
        """Wait until every write handed in so far is committed."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)

    async def close(self) -> None:
        await self.drain()
        await self.transactions.close()


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("a write handed in was not committed: %s", future.exception())
