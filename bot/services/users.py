"""Users and their profile, served from memory with write-through to the database.

The profile (locale, role, ...) is read on every update, so it lives in a bounded cache;
only updates that change it open a database session.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import supported_locale
from storage.cache import BoundedCache, UserCaches
from storage.loader import BatchLoader
from storage.models import User
from storage.repositories.users import UserRepository, user_upsert
from storage.unit import open_unit, transaction
from storage.writer import GroupWriter

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.services.clock import Clock

ROLES = ("migrant", "emigrant", "kandas")
ABROAD_ROLES = ("emigrant", "kandas")  # readers who may be outside Kazakhstan
# whether the update being handled is from a reader who may be abroad (set per update)
reader_abroad: ContextVar[bool] = ContextVar("reader_abroad", default=False)
HELD_TABLES = ("deadlines", "trips", "checklist_marks", "cases")


@dataclass(frozen=True, slots=True)
class Holdings:
    """Row counts by table, as `UserRepository.holdings` reads them."""

    deadlines: int = 0
    trips: int = 0
    checklist_marks: int = 0
    cases: int = 0


# what a user the bot has never seen holds: nothing, and no query is needed to know it
NOTHING_HELD = {"trips": [], "active": [], "checklist": set(), "holdings": Holdings()}


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
    script: str | None = None  # the script Kazakh is shown in: latn | arab (None: Cyrillic)

    @classmethod
    def of(cls, user: User | Row[Any]) -> Profile:
        """From an ORM object or a plain row of the users table."""
        return cls(**{field.name: getattr(user, field.name) for field in fields(cls)})


class _Missing(Enum):
    """Cached for a user known not to exist (None in the cache means not cached)."""

    MISSING = "missing"


_MISSING = _Missing.MISSING
Cached = Profile | Literal[_Missing.MISSING]


class SharedProfiles:
    """Profiles cached in Redis, where every instance reads them: a change made on one
    instance (a new language, say) is what the next update sees on any other."""

    PREFIX = "joldas:profile:"
    TTL = 24 * 3600  # seconds; a profile not read for a day is read from the database again

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def get(self, user_id: int) -> Cached | None:
        raw = await self.redis.get(f"{self.PREFIX}{user_id}")
        if raw is None:
            return None
        if raw == b"-":
            return _MISSING
        values = json.loads(raw)
        for name in ("created_at", "updated_at"):
            values[name] = datetime.fromisoformat(values[name])
        return Profile(**values)

    async def put(self, user_id: int, value: Cached, *, fill: bool = False) -> None:
        """Store a change; `fill` only stores what was read, if nothing newer is there."""
        raw = "-" if value is _MISSING else json.dumps(asdict(value), default=datetime.isoformat)
        await self.redis.set(f"{self.PREFIX}{user_id}", raw, ex=self.TTL, nx=fill)


class UserService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        writer: GroupWriter,
        default_timezone: str,
        clock: Clock,
        cache_size: int = 100_000,
        shared: SharedProfiles | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.clock = clock  # a new profile's "with Joldas since", and each change's time
        self._shared = shared  # with several instances: the cache is there, not here
        # what the guides read about a user, between updates (one process only)
        self.caches: UserCaches | None = UserCaches(cache_size) if shared is None else None
        # everyone with a profile or a dialogue (one process only: loaded by `know_all`);
        # anyone else is new, and reading their profile or dialogue runs no query
        self.known: set[int] | None = None
        if self.caches is not None:  # whoever wrote something is not new any more
            self.caches.on_forget = self._now_known
        self._writer = writer
        self._dialect = writer.dialect
        self.default_timezone = default_timezone
        self._cache: BoundedCache[int, Profile | Literal[_Missing.MISSING]] = BoundedCache(
            cache_size
        )
        self._loader: BatchLoader[int, Profile] = BatchLoader(self._fetch)
        self._holdings: BatchLoader[int, Any] = BatchLoader(self._fetch_holdings)
        self.on_delete: list[Callable[[int], Awaitable[None] | None]] = []
        # the Telegram app's language (one of ours) of people who chose none here, staff who
        # deleted their data say: notices to them are written in it (memory only)
        self.app_locales: BoundedCache[int, str] = BoundedCache(10_000)

    def note_app_language(self, user_id: int, language_code: str | None) -> None:
        locale = supported_locale(language_code)
        if locale is not None:
            self.app_locales.put(user_id, locale)

    def locale_of(self, profile: Profile | None, user_id: int, default: str) -> str:
        """What to write to someone in outside their update: their choice here, else their
        app's language as last seen, else `default`."""
        if profile is not None and profile.locale:
            return profile.locale
        return self.app_locales.get(user_id) or default

    async def get(self, user_id: int) -> Profile | None:
        if self._shared is not None:
            unit = open_unit()
            key = f"profile:{user_id}"
            if unit is not None and key in unit.memo:
                return None if unit.memo[key] is _MISSING else unit.memo[key]
            shared = await self._shared.get(user_id)
            if shared is None:
                shared = await self._loader.load(user_id) or _MISSING
                await self._shared.put(user_id, shared, fill=True)
            return None if shared is _MISSING else shared
        cached = self._cache.get(user_id)
        if cached is None:
            cached = await self._loader.load(user_id) or _MISSING
            self._cache.put(user_id, cached)
        return None if cached is _MISSING else cached

    async def _fetch(self, user_ids: list[int]) -> dict[int, Profile]:
        await self._writer.barrier()  # what was handed in without waiting is read back
        async with self._sessionmaker() as session:
            users = await UserRepository(session).get_many(user_ids)
        return {user_id: Profile.of(user) for user_id, user in users.items()}

    def _now_known(self, user_id: int) -> None:
        if self.known is not None:
            self.known.add(user_id)

    async def of_sender(self, user_id: int) -> Profile | None:
        """The profile of the user an update comes from: someone never seen (not in
        `known`) costs no query."""
        unknown = self.known is not None and user_id not in self.known
        if unknown and self._cache.get(user_id) is None:  # first seen: holds nothing yet
            self._cache.put(user_id, _MISSING)
            if self.caches is not None:
                self.caches.seed(user_id, NOTHING_HELD)
        return await self.get(user_id)

    KNOWN_LIMIT = 500_000  # more users than this: ~30 MB of ids; look new users up instead

    async def know_all(self) -> None:
        """Load who is known (one process, at start-up)."""
        async with self._sessionmaker() as session:
            known = await UserRepository(session).known_ids()
        self.known = known if len(known) <= self.KNOWN_LIMIT else None

    async def holdings(self, user_id: int) -> Any | None:
        """What the guides keep for the user: row counts by table (deadlines, trips,
        checklist_marks, cases); users asking at the same time share one query."""
        if self.caches is None:
            return await self._holdings.load(user_id)
        return await self.caches.get(user_id, "holdings", lambda: self._holdings.load(user_id))

    async def _fetch_holdings(self, user_ids: list[int]) -> dict[int, Any]:
        await self._writer.barrier()
        async with self._sessionmaker() as session:
            return await UserRepository(session).holdings(user_ids, HELD_TABLES)

    async def save(self, user_id: int, **changes: Any) -> Profile:
        """Create the user if new, then store the given fields."""
        current = await self.get(user_id)
        if current is not None and all(getattr(current, k) == v for k, v in changes.items()):
            return current
        now = self.clock.now()
        profile = replace(current or self._new_profile(user_id, now), **changes, updated_at=now)
        if self.known is not None:
            self.known.add(user_id)
        row = asdict(profile)
        self._writer.submit(user_upsert(self._dialect), row)  # memory has it now
        await self._remember(user_id, profile)
        return profile

    async def _remember(self, user_id: int, value: Cached) -> None:
        """Several instances: the others see a change once its update is committed (a crash
        before that leaves Redis as the database is); this update sees it at once."""
        unit = open_unit()
        if self._shared is not None and unit is not None:
            unit.memo[f"profile:{user_id}"] = value
            unit.after.append(partial(self._shared.put, user_id, value))
        elif self._shared is not None:
            await self._shared.put(user_id, value)
        else:
            self._cache.put(user_id, value)

    def _new_profile(self, user_id: int, now: datetime) -> Profile:
        return Profile(user_id, None, None, None, None, None, self.default_timezone, True, now, now)

    async def delete(self, user_id: int) -> int:
        """Remove every row about the user; returns how many rows went."""
        await self._writer.settle()
        async with transaction(self._sessionmaker) as session:
            removed = await UserRepository(session).delete_everything(user_id)
        await self._remember(user_id, _MISSING)
        if self.caches is not None:
            self.caches.forget(user_id)
        if self.known is not None:
            self.known.discard(user_id)
        for hook in self.on_delete:
            done = hook(user_id)
            if inspect.isawaitable(done):
                await done
        return removed
