"""Checklist marks: the items each user has ticked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChecklistMark


class ChecklistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def done(self, user_id: int) -> set[str]:
        return (await self.done_of([user_id])).get(user_id, set())

    async def done_of(self, user_ids: list[int]) -> dict[int, set[str]]:
        table = ChecklistMark.__table__
        rows = await self.session.execute(
            select(table.c.user_id, table.c.item).where(table.c.user_id.in_(user_ids))
        )
        found: dict[int, set[str]] = {}
        for user_id, item in rows:
            found.setdefault(user_id, set()).add(item)
        return found

    async def toggle(self, user_id: int, item: str) -> bool:
        """Tick the item, or untick it if it was ticked; True when it is now ticked."""
        mark = await self.session.get(ChecklistMark, (user_id, item))
        if mark is not None:
            await self.session.delete(mark)
            return False
        self.session.add(ChecklistMark(user_id=user_id, item=item))
        return True
