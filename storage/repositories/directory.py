"""The directory staff keep: field edits over the shipped files, confirmations, the audit
trail, and the month whose stale entries were last flagged to admins.

A save or a revert first takes the entry's lock (`lock`): on PostgreSQL the row lock of its
confirmation, on SQLite the database's write lock (the first statement writes), so what it
reads next is what it writes over."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.directory import Confirmation, Edit
from storage.models import DirectoryChange, DirectoryConfirmation, DirectoryEdit, ServiceState

FLAGGED = "directory_flagged"  # service_state: the month ("2026-11") last flagged
EDITS: Table = DirectoryEdit.__table__
CONFIRMATIONS: Table = DirectoryConfirmation.__table__
STATE: Table = ServiceState.__table__


class DirectoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _insert(self, table: Table) -> Any:  # the dialect's INSERT, with ON CONFLICT
        dialect = self.session.get_bind().dialect.name
        return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)

    async def edits(self) -> dict[str, dict[str, Edit]]:
        found: dict[str, dict[str, Edit]] = {}
        for row in await self.session.scalars(select(DirectoryEdit)):
            found.setdefault(row.entry, {})[row.field] = Edit(row.value, row.over)
        return found

    async def confirmations(self) -> dict[str, Confirmation]:
        rows = await self.session.scalars(select(DirectoryConfirmation))
        return {row.entry: Confirmation(row.confirmed_on, row.confirmed_by) for row in rows}

    async def lock(self, entry: str, on: date, staff_id: int | None) -> None:
        """Hold the entry until the transaction ends; its confirmation row is made first if
        it has none (a save confirms it anyway)."""
        await self.session.execute(
            self._insert(CONFIRMATIONS)
            .values(entry=entry, confirmed_on=on, confirmed_by=staff_id)
            .on_conflict_do_nothing(index_elements=["entry"])
        )
        await self.session.execute(
            update(DirectoryConfirmation)
            .where(DirectoryConfirmation.entry == entry)
            .values(entry=DirectoryConfirmation.entry)
        )

    async def set_field(self, entry: str, field: str, value: Any, over: Any) -> None:
        statement = self._insert(EDITS).values(entry=entry, field=field, value=value, over=over)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["entry", "field"],
                set_={"value": statement.excluded.value, "over": statement.excluded.over},
            )
        )

    async def drop_field(self, entry: str, field: str) -> None:
        """The field shows the shipped file's value again."""
        await self.session.execute(
            delete(DirectoryEdit).where(DirectoryEdit.entry == entry, DirectoryEdit.field == field)
        )

    async def confirm(self, entry: str, on: date, staff_id: int) -> None:
        await self.session.execute(
            update(DirectoryConfirmation)
            .where(DirectoryConfirmation.entry == entry)
            .values(confirmed_on=on, confirmed_by=staff_id)
        )

    async def record(self, change: DirectoryChange) -> None:
        self.session.add(change)
        await self.session.flush()

    async def change(self, change_id: int) -> DirectoryChange | None:
        return await self.session.get(DirectoryChange, change_id)

    async def history(
        self, entries: Collection[str] | None, limit: int, before: int = 0
    ) -> list[DirectoryChange]:
        """The latest changes first (older than id `before`, when given); `entries` None:
        of every entry."""
        statement = select(DirectoryChange).order_by(DirectoryChange.id.desc()).limit(limit)
        if entries is not None:
            statement = statement.where(DirectoryChange.entry.in_(entries))
        if before:
            statement = statement.where(DirectoryChange.id < before)
        return list(await self.session.scalars(statement))

    async def claim_month(self, month: str, now: datetime) -> str | None:
        """For the one instance that first flags `month` (months compare as text): the
        month flagged before it ("" if none), to give it back if nothing could be sent."""
        await self.session.execute(
            self._insert(STATE)
            .values(name=FLAGGED, value="", updated_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        await self.session.execute(  # the lock: a write first (SQLite), the row (PostgreSQL)
            update(ServiceState).where(ServiceState.name == FLAGGED).values(name=ServiceState.name)
        )
        row = await self.session.get(ServiceState, FLAGGED)
        if row is None or row.value >= month:
            return None
        previous = row.value
        row.value, row.updated_at = month, now
        return previous

    async def give_back_month(self, month: str, previous: str, now: datetime) -> None:
        """Nothing reached any admin: the month is flagged again at the next tick."""
        await self.session.execute(
            update(ServiceState)
            .where(ServiceState.name == FLAGGED, ServiceState.value == month)
            .values(value=previous, updated_at=now)
        )
