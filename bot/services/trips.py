"""The trips users record for the stay calculator."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rules.stay import Trip
from storage.cache import UserCaches
from storage.loader import BatchLoader
from storage.repositories.trips import TripRepository
from storage.unit import transaction


class TripService:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], caches: UserCaches | None = None
    ) -> None:
        self._sessionmaker = sessionmaker
        self._loader: BatchLoader[int, list[Trip]] = BatchLoader(self._fetch)
        self._caches = caches

    async def of(self, user_id: int) -> list[Trip]:
        """Oldest first; users asking at the same time share one query."""
        if self._caches is None:
            return await self._load(user_id)
        return list(await self._caches.get(user_id, "trips", lambda: self._load(user_id)))

    async def _load(self, user_id: int) -> list[Trip]:
        return await self._loader.load(user_id) or []

    async def _fetch(self, user_ids: list[int]) -> dict[int, list[Trip]]:
        async with self._sessionmaker() as session:
            return await TripRepository(session).of_users(user_ids)

    async def add(self, user_id: int, entered: date, left: date | None) -> None:
        async with transaction(self._sessionmaker) as session:
            await TripRepository(session).add(user_id, entered, left)
        self._changed(user_id)

    async def remove_latest(self, user_id: int) -> bool:
        async with transaction(self._sessionmaker) as session:
            removed = await TripRepository(session).remove_latest(user_id)
        self._changed(user_id)
        return removed

    def _changed(self, user_id: int) -> None:
        if self._caches is not None:
            self._caches.forget(user_id)
