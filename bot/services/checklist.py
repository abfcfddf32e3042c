"""The pre-departure checklist ticks each user keeps."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.cache import UserCaches
from storage.loader import BatchLoader
from storage.repositories.checklist import ChecklistRepository
from storage.unit import transaction


class ChecklistService:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], caches: UserCaches | None = None
    ) -> None:
        self._sessionmaker = sessionmaker
        self._loader: BatchLoader[int, set[str]] = BatchLoader(self._fetch)
        self._caches = caches

    async def done(self, user_id: int) -> set[str]:
        """Users asking at the same time share one query."""
        if self._caches is None:
            return await self._load(user_id)
        return set(await self._caches.get(user_id, "checklist", lambda: self._load(user_id)))

    async def _load(self, user_id: int) -> set[str]:
        return await self._loader.load(user_id) or set()

    async def _fetch(self, user_ids: list[int]) -> dict[int, set[str]]:
        async with self._sessionmaker() as session:
            return await ChecklistRepository(session).done_of(user_ids)

    async def toggle(self, user_id: int, item: str) -> set[str]:
        """Tick or untick the item; what is ticked afterwards."""
        async with transaction(self._sessionmaker) as session:
            repository = ChecklistRepository(session)
            await repository.toggle(user_id, item)
            done = await repository.done(user_id)
        if self._caches is not None:
            self._caches.forget(user_id)
        return done
