"""Users: the profile row, its upsert for the group writer, and everything held about a user."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert, Row, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Base,
    Broadcast,
    DirectoryChange,
    DirectoryConfirmation,
    FsmRecord,
    Question,
    QuestionAsker,
    User,
)
from storage.repositories import affected_rows
from storage.writer import upsert


@cache
def user_upsert(dialect: str) -> Insert:
    return upsert(User.__table__, "id", dialect, keep=("created_at",))


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_many(self, user_ids: list[int]) -> dict[int, Row[Any]]:
        """Plain rows (read-only, no ORM bookkeeping): this runs for every new user."""
        table = User.__table__
        rows = await self.session.execute(select(table).where(table.c.id.in_(user_ids)))
        return {row.id: row for row in rows}

    async def known_ids(self) -> set[int]:
        """Everyone the bot has a profile or an open dialogue of."""
        users = select(User.id).union(select(FsmRecord.user_id))
        return set((await self.session.scalars(users)).all())

    async def holdings(self, user_ids: list[int], tables: tuple[str, ...]) -> dict[int, Any]:
        """How many rows of each table every user has, in one statement."""
        users = User.__table__
        counts = [
            select(func.count())
            .select_from(table)
            .where(table.c.user_id == users.c.id)
            .scalar_subquery()
            .label(table.name)
            for table in (Base.metadata.tables[name] for name in tables)
        ]
        rows = await self.session.execute(
            select(users.c.id, *counts).where(users.c.id.in_(user_ids))
        )
        return {row.id: row for row in rows}

    async def delete_everything(self, user_id: int) -> int:
        """Remove every row about the user from every table; returns how many went.

        Broadcasts a staff member sent, and the directory's audit trail of their changes,
        stay, as by "deleted staff"; the questions the user typed that the knowledge base
        kept go too."""
        await self.session.execute(
            update(Broadcast).where(Broadcast.author_id == user_id).values(author_id=None)
        )
        await self.session.execute(
            update(DirectoryChange).where(DirectoryChange.staff_id == user_id).values(staff_id=None)
        )
        await self.session.execute(
            update(DirectoryConfirmation)
            .where(DirectoryConfirmation.confirmed_by == user_id)
            .values(confirmed_by=None)
        )
        asked = select(QuestionAsker.question_id).where(QuestionAsker.user_id == user_id)
        await self.session.execute(delete(Question).where(Question.id.in_(asked)))
        removed = 0
        for table in reversed(Base.metadata.sorted_tables):
            column = table.c.get("user_id")
            if column is None and table.name == User.__tablename__:
                column = table.c.id
            if column is None:
                continue
            result = await self.session.execute(delete(table).where(column == user_id))
            removed += affected_rows(result)
        return removed
