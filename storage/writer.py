"""Group commit: concurrent writes share a transaction.

Updates are handled concurrently; each opening its own SQLite transaction would queue on
the single write lock, and each statement costs a round trip to the driver's thread. Here
writes wait while one transaction runs, then go together, in the order they came, in the
next one; neighbours with the same statement go as one executemany. `write` returns once
its commit is done; `submit` does not wait (for state also kept in memory), and `barrier`
waits for everything handed in before it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

from sqlalchemy import Connection, Executable, Insert, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import Transactions

Write = tuple[Executable | None, dict[str, Any], asyncio.Future[None]]  # None: a barrier
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
        self._pending: list[Write] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, statement: Executable, params: dict[str, Any]) -> None:
        """Execute `statement` with `params`; returns once committed."""
        await asyncio.shield(self._hand_in(statement, params))

    def submit(self, statement: Executable, params: dict[str, Any]) -> None:
        """Hand in a write without waiting for its commit, for state the process also keeps
        in memory (dialogue state, the profile): it is committed in order with the others,
        and a failure is logged. `barrier()` waits for what was handed in."""
        self._hand_in(statement, params).add_done_callback(_log_failure)

    async def barrier(self) -> None:
        """Returns once every write handed in before it is committed (or has failed)."""
        if self._pending or (self._flusher is not None and not self._flusher.done()):
            await asyncio.shield(self._hand_in(None, {}))

    def _hand_in(
        self, statement: Executable | None, params: dict[str, Any]
    ) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((statement, params, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._commit(batch)
            except Exception:
                for write in batch:
                    await self._commit_alone(write)
                continue
            for *_, future in batch:
                future.set_result(None)

    async def _commit(self, batch: list[Write]) -> None:
        def work(connection: Connection) -> None:
            for statement, group in itertools.groupby(batch, key=lambda write: write[0]):
                rows = [params for _, params, _ in group]
                if statement is not None:
                    connection.execute(statement, rows if len(rows) > 1 else rows[0])

        await self.transactions.run(work)

    async def _commit_alone(self, write: Write) -> None:
        try:
            await self._commit([write])
        except Exception as error:
            write[2].set_exception(error)
        else:
            write[2].set_result(None)

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
