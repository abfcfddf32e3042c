"""Staff roles: which attaché serves which country."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StaffRole
from storage.repositories import affected_rows


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def countries_of(self, user_id: int) -> set[str]:
        rows = await self.session.scalars(
            select(StaffRole.country).where(StaffRole.user_id == user_id)
        )
        return set(rows)

    async def serving(self, country: str) -> list[int]:
        rows = await self.session.scalars(
            select(StaffRole.user_id)
            .where(StaffRole.country == country)
            .order_by(StaffRole.user_id)
        )
        return list(rows)

    async def all(self) -> list[StaffRole]:
        rows = await self.session.scalars(
            select(StaffRole).order_by(StaffRole.country, StaffRole.user_id)
        )
        return list(rows)

    async def grant(self, user_id: int, country: str, granted_by: int) -> bool:
        """False when the role was already there."""
        if await self.session.get(StaffRole, (user_id, country)) is not None:
            return False
        self.session.add(StaffRole(user_id=user_id, country=country, granted_by=granted_by))
        return True

    async def revoke(self, user_id: int, country: str) -> bool:
        result = await self.session.execute(
            delete(StaffRole).where(StaffRole.user_id == user_id, StaffRole.country == country)
        )
        return bool(affected_rows(result))
