"""The pre-departure checklist ticks each user keeps."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.loader import BatchLoader
from storage.repositories.checklist import ChecklistRepository


class ChecklistService:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._loader: BatchLoader[int, set[str]] = BatchLoader(self._fetch)

    async def done(self, user_id: int) -> set[str]:
        """Users asking at the same time share one query."""
        return await self._loader.load(user_id) or set()

    async def _fetch(self, user_ids: list[int]) -> dict[int, set[str]]:
        async with self._sessionmaker() as session:
            return await ChecklistRepository(session).done_of(user_ids)

    async def toggle(self, user_id: int, item: str) -> set[str]:
        """Tick or untick the item; what is ticked afterwards."""
        async with self._sessionmaker() as session, session.begin():
            repository = ChecklistRepository(session)
            await repository.toggle(user_id, item)
            return await repository.done(user_id)
