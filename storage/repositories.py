"""Small repositories over one AsyncSession each, and the write statements the writer runs.

Handlers never query directly.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Delete, Insert, Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, FsmRecord, User


def upsert(table: Table, key: str, dialect: str, keep: tuple[str, ...] = ()) -> Insert:
    """INSERT a whole row, or on a clash of `key` overwrite it (except the `keep` columns)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table)
    changed = {c.name: statement.excluded[c.name] for c in table.c if c.name not in (key, *keep)}
    return statement.on_conflict_do_update(index_elements=[key], set_=changed)


@cache
def user_upsert(dialect: str) -> Insert:
    return upsert(User.__table__, "id", dialect, keep=("created_at",))


@cache
def fsm_upsert(dialect: str) -> Insert:
    return upsert(FsmRecord.__table__, "key", dialect)


FSM_TABLE: Table = FsmRecord.__table__
FSM_DELETE: Delete = delete(FSM_TABLE).where(FSM_TABLE.c.key == bindparam("name"))


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_many(self, user_ids: list[int]) -> dict[int, User]:
        rows = await self.session.scalars(select(User).where(User.id.in_(user_ids)))
        return {user.id: user for user in rows}

    async def delete_everything(self, user_id: int) -> int:
        """Remove every row about the user from every table; returns how many went."""
        removed = 0
        for table in reversed(Base.metadata.sorted_tables):
            column = table.c.get("user_id")
            if column is None and table.name == User.__tablename__:
                column = table.c.id
            if column is None:
                continue
            result = await self.session.execute(delete(table).where(column == user_id))
            removed += result.rowcount or 0
        return removed


class FsmRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_many(self, keys: list[str]) -> dict[str, FsmRecord]:
        rows = await self.session.scalars(select(FsmRecord).where(FsmRecord.key.in_(keys)))
        return {record.key: record for record in rows}
