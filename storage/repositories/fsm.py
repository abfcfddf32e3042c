"""FSM records: one row of state and data per conversation key (see storage/fsm.py)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Delete, Insert, Row, Table, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FsmRecord
from storage.writer import upsert


@cache
def fsm_upsert(dialect: str) -> Insert:
    return upsert(FsmRecord.__table__, "key", dialect)


FSM_TABLE: Table = FsmRecord.__table__
FSM_DELETE: Delete = delete(FSM_TABLE).where(FSM_TABLE.c.key == bindparam("name"))


class FsmRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_many(self, keys: list[str]) -> dict[str, Row[Any]]:
        rows = await self.session.execute(select(FSM_TABLE).where(FSM_TABLE.c.key.in_(keys)))
        return {row.key: row for row in rows}
