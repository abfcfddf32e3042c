"""The directory staff keep: field edits over the shipped files, confirmations, the audit
trail, and the month whose stale entries were last flagged to admins."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.directory import Confirmation, Edit
from storage.models import DirectoryChange, DirectoryConfirmation, DirectoryEdit, ServiceState
from storage.repositories import affected_rows

FLAGGED = "directory_flagged"  # service_state: the month ("2026-11") last flagged


class DirectoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def edits(self) -> dict[str, dict[str, Edit]]:
        found: dict[str, dict[str, Edit]] = {}
        for row in await self.session.scalars(select(DirectoryEdit)):
            found.setdefault(row.entry, {})[row.field] = Edit(row.value, row.over)
        return found

    async def confirmations(self) -> dict[str, Confirmation]:
        rows = await self.session.scalars(select(DirectoryConfirmation))
        return {row.entry: Confirmation(row.confirmed_on, row.confirmed_by) for row in rows}

    async def set_field(self, entry: str, field: str, value: Any, over: Any) -> None:
        row = await self.session.get(DirectoryEdit, (entry, field), with_for_update=True)
        if row is None:
            self.session.add(DirectoryEdit(entry=entry, field=field, value=value, over=over))
        else:
            row.value, row.over = value, over

    async def drop_field(self, entry: str, field: str) -> None:
        """The field shows the shipped file's value again."""
        await self.session.execute(
            delete(DirectoryEdit).where(DirectoryEdit.entry == entry, DirectoryEdit.field == field)
        )

    async def confirm(self, entry: str, on: date, staff_id: int) -> None:
        row = await self.session.get(DirectoryConfirmation, entry, with_for_update=True)
        if row is None:
            self.session.add(
                DirectoryConfirmation(entry=entry, confirmed_on=on, confirmed_by=staff_id)
            )
        else:
            row.confirmed_on, row.confirmed_by = on, staff_id

    async def record(self, change: DirectoryChange) -> None:
        self.session.add(change)
        await self.session.flush()

    async def change(self, change_id: int) -> DirectoryChange | None:
        return await self.session.get(DirectoryChange, change_id)

    async def history(self, entries: Collection[str] | None, limit: int) -> list[DirectoryChange]:
        """The latest changes first; `entries` None: of every entry."""
        statement = select(DirectoryChange).order_by(DirectoryChange.id.desc()).limit(limit)
        if entries is not None:
            statement = statement.where(DirectoryChange.entry.in_(entries))
        return list(await self.session.scalars(statement))

    async def claim_month(self, month: str, now: datetime) -> bool:
        """True for the one instance that first flags `month` (months compare as text)."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        await self.session.execute(
            insert(ServiceState)
            .values(name=FLAGGED, value="", updated_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        result = await self.session.execute(
            update(ServiceState)
            .where(ServiceState.name == FLAGGED, ServiceState.value < month)
            .values(value=month, updated_at=now)
        )
        return affected_rows(result) == 1
