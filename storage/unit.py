"""One update, one commit: what handling an update writes and its "handled" mark go together.

While an update is handled, the writes handed to the group writer without waiting (dialogue
state, the profile) collect in its unit. When the handler is done, the unit goes to the
writer as one group with the inbox's "handled" mark: a crash before that commit leaves the
database as the update found it, and the update is replayed from the same state; a crash
after it leaves nothing to replay.

A service's own transaction inside an update (a trip, a policy, a deadline) commits at once,
before the unit. It goes through `transaction`, which counts it in the update's inbox row in
the same commit; a replay reaches the same transactions in the same order (same state, same
input) and skips those that were committed before the crash.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CursorResult, Executable, Table, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import InboxUpdate

INBOX: Table = InboxUpdate.__table__
MARK_HANDLED = (
    update(INBOX)  # the payload goes (nothing a user wrote stays); the id stays two days
    .where(INBOX.c.update_id == bindparam("update"))
    .values(handled_at=bindparam("at"), payload=None)
)
COUNT_EFFECT = (
    update(INBOX)
    .where(INBOX.c.update_id == bindparam("update"))
    .where(INBOX.c.effects < bindparam("count"))
    .values(effects=bindparam("count"))
)


@dataclass(eq=False)
class Unit:
    update_id: int | None  # an update from the inbox: its mark rides with the writes
    writes: list[tuple[Executable, dict[str, Any]]] = field(default_factory=list)
    effects: int = 0  # the service transactions committed so far (see `transaction`)
    closed: bool = False  # handed to the writer (or dropped): writes go straight there
    memo: dict[str, Any] = field(default_factory=dict)  # what it wrote, where no cache keeps it
    after: list[Callable[[], Awaitable[None]]] = field(default_factory=list)  # once committed


current: ContextVar[Unit | None] = ContextVar("joldas_unit", default=None)


def open_unit() -> Unit | None:
    """The unit writes made now belong to, if an update is being handled."""
    unit = current.get()
    return unit if unit is not None and not unit.closed else None


@asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that commits on leaving (rolls back on an error). In an
    update from the inbox, the update counts it in the same commit; in a replay, one that
    was already committed before the crash is rolled back instead (it is not done twice)."""
    unit = open_unit()
    async with sessionmaker() as session, session.begin():
        yield session
        if unit is None or unit.update_id is None:
            return
        unit.effects += 1
        params = {"update": unit.update_id, "count": unit.effects}
        counted = await session.execute(COUNT_EFFECT, params)
        assert isinstance(counted, CursorResult)  # an UPDATE's result carries its rowcount
        if counted.rowcount == 0 and await _in_inbox(session, unit.update_id):
            await session.rollback()  # done before the crash: once is enough


async def _in_inbox(session: AsyncSession, update_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(INBOX.c.update_id == update_id))))
