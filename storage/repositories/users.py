"""Users: the profile row, its upsert for the group writer, and everything held about a user."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Column, Insert, Row, Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    PERSON,
    Base,
    FsmRecord,
    Question,
    QuestionAsker,
    User,
)
from storage.repositories import affected_rows
from storage.writer import upsert


@cache
def person_columns(action: str) -> list[tuple[Table, Column[Any]]]:
    """The columns whose `info` says /delete does `action` ("erase" or "forget"), tables
    that others depend on last."""
    return [
        (table, column)
        for table in reversed(Base.metadata.sorted_tables)
        for column in table.c
        if column.info.get(PERSON) == action
    ]


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
        """Remove every row that names the user, in every column the models mark as a
        person's (storage/models.py: ERASE, FORGET); returns how many rows went.

        What stays without them: broadcasts a staff member sent, their answers in cases,
        roles they granted and the directory's audit trail, as by "deleted staff". The
        questions the user typed that the knowledge base kept go too."""
        asked = select(QuestionAsker.question_id).where(QuestionAsker.user_id == user_id)
        await self.session.execute(delete(Question).where(Question.id.in_(asked)))
        for table, column in person_columns("forget"):
            cleared = {column.name: None, **dict.fromkeys(column.info.get("with", ()))}
            await self.session.execute(update(table).where(column == user_id).values(cleared))
        removed = 0
        for table, column in person_columns("erase"):
            result = await self.session.execute(delete(table).where(column == user_id))
            removed += affected_rows(result)
        return removed
