"""FSM storage kept in the database and served from memory.

Reads hit the database once per conversation key, then come from memory; a change is
committed with the rest of its update (storage/unit.py), so a restart mid-dialogue continues
from where the user's last handled update left them. With several instances (`shared`) the
cache is the update's own: each update reads its dialogue from the database, where the
previous one, on whichever instance, committed it before the user's lock was released.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.cache import BoundedCache
from storage.loader import BatchLoader
from storage.models import utcnow
from storage.repositories.fsm import FSM_DELETE, FsmRepository, fsm_upsert
from storage.unit import open_unit
from storage.writer import GroupWriter

Entry = tuple[str | None, dict[str, Any]]


def key_of(key: StorageKey) -> str:
    return (
        f"{key.bot_id}:{key.business_connection_id or ''}:{key.chat_id}:{key.thread_id or ''}:"
        f"{key.user_id}:{key.destiny}"
    )


class DatabaseStorage(BaseStorage):
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        writer: GroupWriter,
        cache_size: int = 100_000,
        *,
        shared: bool = False,
    ):
        self._sessionmaker = sessionmaker
        self._writer = writer
        self._cache: BoundedCache[str, Entry] = BoundedCache(0 if shared else cache_size)
        self.shared = shared
        self._loader: BatchLoader[str, Entry] = BatchLoader(self._fetch)
        # the users with a profile or a dialogue (UserService.known): anyone else has no
        # dialogue, and reading it runs no query
        self.known: set[int] | None = None

    async def _entry(self, key: StorageKey) -> Entry:
        name = key_of(key)
        unit = open_unit()
        if self.shared and unit is not None and name in unit.memo:
            return unit.memo[name]
        entry = self._cache.get(name)
        if entry is None and self.known is not None and key.user_id not in self.known:
            entry = (None, {})
            self._cache.put(name, entry)
        elif entry is None:
            entry = await self._loader.load(name) or (None, {})
            self._cache.put(name, entry)
        return entry

    async def _fetch(self, names: list[str]) -> dict[str, Entry]:
        await self._writer.barrier()  # what was handed in without waiting is read back
        async with self._sessionmaker() as session:
            records = await FsmRepository(session).get_many(names)
        return {name: (r.state, dict(r.data or {})) for name, r in records.items()}

    async def _write(self, key: StorageKey, entry: Entry) -> None:
        """Store the entry; a finished conversation (no state, no data) leaves no row."""
        name = key_of(key)
        if self.known is not None:
            self.known.add(key.user_id)
        if entry == (None, {}):
            self._writer.submit(FSM_DELETE, {"name": name})
        else:
            state, data = entry
            row = {
                "key": name,
                "user_id": key.user_id,
                "state": state,
                "data": data,
                "updated_at": utcnow(),
            }
            self._writer.submit(fsm_upsert(self._writer.dialect), row)
        self._cache.put(name, entry)
        unit = open_unit()
        if self.shared and unit is not None:
            unit.memo[name] = entry

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._entry(key))[0]

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return dict((await self._entry(key))[1])

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        current, data = await self._entry(key)
        if name != current:
            await self._write(key, (name, data))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        state, current = await self._entry(key)
        if dict(data) != current:
            await self._write(key, (state, dict(data)))

    def forget_user(self, user_id: int) -> None:
        """Drop cached conversations of a user whose rows were deleted."""
        self._cache.drop_where(lambda name: name.split(":")[4] == str(user_id))

    async def close(self) -> None:
        self._cache.clear()
