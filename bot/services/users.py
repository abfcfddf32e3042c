"""Users and their profile, served from memory with write-through to the database.

The profile (locale, role, ...) is read on every update, so it lives in a bounded cache;
only updates that change it open a database session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.cache import BoundedCache
from storage.loader import BatchLoader
from storage.models import User, utcnow
from storage.repositories.users import UserRepository, user_upsert
from storage.writer import GroupWriter

ROLES = ("migrant", "emigrant", "kandas")
HELD_TABLES = ("deadlines", "trips", "checklist_marks", "cases")


@dataclass(frozen=True, slots=True)
class Profile:
    id: int
    locale: str | None
    role: str | None
    citizenship: str | None
    country_abroad: str | None
    region: str | None
    timezone: str
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User | Row[Any]) -> Profile:
        """From an ORM object or a plain row of the users table."""
        return cls(**{field.name: getattr(user, field.name) for field in fields(cls)})


class _Missing(Enum):
    """Cached for a user known not to exist (None in the cache means not cached)."""

    MISSING = "missing"


_MISSING = _Missing.MISSING


class UserService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        writer: GroupWriter,
        default_timezone: str,
        cache_size: int = 100_000,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._writer = writer
        self._dialect = writer.dialect
        self.default_timezone = default_timezone
        self._cache: BoundedCache[int, Profile | Literal[_Missing.MISSING]] = BoundedCache(
            cache_size
        )
        self._loader: BatchLoader[int, Profile] = BatchLoader(self._fetch)
        self._holdings: BatchLoader[int, Any] = BatchLoader(self._fetch_holdings)
        self.on_delete: list[Callable[[int], None]] = []

    async def get(self, user_id: int) -> Profile | None:
        cached = self._cache.get(user_id)
        if cached is None:
            cached = await self._loader.load(user_id) or _MISSING
            self._cache.put(user_id, cached)
        return None if cached is _MISSING else cached

    async def _fetch(self, user_ids: list[int]) -> dict[int, Profile]:
        async with self._sessionmaker() as session:
            users = await UserRepository(session).get_many(user_ids)
        return {user_id: Profile.of(user) for user_id, user in users.items()}

    async def holdings(self, user_id: int) -> Any | None:
        """What the guides keep for the user: row counts by table (deadlines, trips,
        checklist_marks, cases); users asking at the same time share one query."""
        return await self._holdings.load(user_id)

    async def _fetch_holdings(self, user_ids: list[int]) -> dict[int, Any]:
        async with self._sessionmaker() as session:
            return await UserRepository(session).holdings(user_ids, HELD_TABLES)

    async def save(self, user_id: int, **changes: Any) -> Profile:
        """Create the user if new, then store the given fields."""
        current = await self.get(user_id)
        if current is not None and all(getattr(current, k) == v for k, v in changes.items()):
            return current
        now = utcnow()
        profile = replace(current or self._new_profile(user_id, now), **changes, updated_at=now)
        row = asdict(profile)
        await self._writer.write(user_upsert(self._dialect), row)
        self._cache.put(user_id, profile)
        return profile

    def _new_profile(self, user_id: int, now: datetime) -> Profile:
        return Profile(user_id, None, None, None, None, None, self.default_timezone, True, now, now)

    async def delete(self, user_id: int) -> int:
        """Remove every row about the user; returns how many rows went."""
        await self._writer.drain()
        async with self._sessionmaker() as session, session.begin():
            removed = await UserRepository(session).delete_everything(user_id)
        self._cache.put(user_id, _MISSING)
        for hook in self.on_delete:
            hook(user_id)
        return removed
