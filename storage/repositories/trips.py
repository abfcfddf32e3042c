"""Trips: each user's entries into and exits from the country."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Trip


class TripRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_users(self, user_ids: list[int]) -> dict[int, list[tuple[date, date | None]]]:
        """Each user's trips, oldest first, as (entered, left) pairs."""
        table = Trip.__table__
        rows = await self.session.execute(
            select(table.c.user_id, table.c.entered_on, table.c.left_on)
            .where(table.c.user_id.in_(user_ids))
            .order_by(table.c.entered_on)
        )
        found: dict[int, list[tuple[date, date | None]]] = {}
        for user_id, entered, left in rows:
            found.setdefault(user_id, []).append((entered, left))
        return found

    async def add(self, user_id: int, entered_on: date, left_on: date | None) -> None:
        self.session.add(Trip(user_id=user_id, entered_on=entered_on, left_on=left_on))

    async def remove_latest(self, user_id: int) -> bool:
        latest = await self.session.scalar(
            select(Trip).where(Trip.user_id == user_id).order_by(Trip.entered_on.desc()).limit(1)
        )
        if latest is None:
            return False
        await self.session.delete(latest)
        return True
