"""The inbox of accepted updates (see bot/services/inbox.py) and state shared by instances.

The inbox works on a connection, not a session, in plain (sync) functions that
`storage.db.Transactions` runs in one transaction: one per polled batch or group of
webhook requests records what arrived. An update's "handled" mark is written with the rest
of its update (storage/unit.py).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Table, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import InboxUpdate, ReminderInstance, ServiceState
from storage.writer import upsert

INBOX: Table = InboxUpdate.__table__
INSTANCES: Table = ReminderInstance.__table__
STATE: Table = ServiceState.__table__


@cache
def _record(dialect: str) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(INBOX).on_conflict_do_nothing(index_elements=[INBOX.c.update_id])
    return statement.returning(INBOX.c.update_id)


def record(connection: Connection, rows: list[dict[str, Any]]) -> set[int]:
    """Insert the updates not seen before; returns the ids that were new (one prepared
    statement, its rows sent as multi-row VALUES by SQLAlchemy)."""
    if not rows:
        return set()
    result = connection.execute(_record(connection.dialect.name), rows)
    return set(result.scalars())


Accepted = tuple[set[int], set[int]]  # the new ids; those of them that wait (see `waiting`)


def accept(connection: Connection, rows: list[dict[str, Any]], owner: str) -> Accepted:
    """Record what arrived; returns the new ids, and which of them wait."""
    new = record(connection, rows)
    return new, waiting(connection, sorted(new), owner)


def waiting(connection: Connection, ids: Collection[int], owner: str) -> set[int]:
    """Those of `ids` whose user has an older update not handled yet by another instance
    (running or stopped): they go after it."""
    if not ids:
        return set()
    older = INBOX.alias("older")
    unhandled_elsewhere = (
        select(older.c.update_id)
        .where(older.c.user_id == INBOX.c.user_id)
        .where(older.c.update_id < INBOX.c.update_id)
        .where(older.c.handled_at.is_(None))
        .where(or_(older.c.owner.is_(None), older.c.owner != owner))
    )
    chosen = (
        select(INBOX.c.update_id)
        .where(INBOX.c.update_id.in_(list(ids)))
        .where(INBOX.c.user_id.is_not(None))
        .where(unhandled_elsewhere.exists())
    )
    return set(connection.scalars(chosen))


def _orphaned() -> Any:
    """Not handled, and held by no running instance (its heartbeat stopped, or none)."""
    return (INBOX.c.handled_at.is_(None)) & or_(
        INBOX.c.owner.is_(None), INBOX.c.owner.not_in(select(INSTANCES.c.id))
    )


def claim_orphans(connection: Connection, owner: str, limit: int) -> list[tuple[int, str]]:
    """Take over updates whose instance stopped before handling them, oldest first."""
    chosen = (
        select(INBOX.c.update_id)
        .where(_orphaned())
        .order_by(INBOX.c.update_id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: instances take different rows
    )
    result = connection.execute(
        update(INBOX)
        .where(INBOX.c.update_id.in_(chosen.scalar_subquery()), _orphaned())
        .values(owner=owner)
        .returning(INBOX.c.update_id, INBOX.c.payload)
    )
    return sorted((row.update_id, row.payload) for row in result if row.payload)


def purge(connection: Connection, handled_before: datetime) -> None:
    connection.execute(delete(INBOX).where(INBOX.c.handled_at < handled_before))


def read_state(connection: Connection, name: str) -> str | None:
    return connection.scalar(select(STATE.c.value).where(STATE.c.name == name))


def write_state(connection: Connection, name: str, value: str, now: datetime) -> None:
    statement = upsert(STATE, "name", connection.dialect.name)
    connection.execute(statement, {"name": name, "value": value, "updated_at": now})
