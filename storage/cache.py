"""A size-bounded in-memory cache (oldest entries leave first)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = value
        if len(self._items) > self.size:
            del self._items[next(iter(self._items))]

    def drop(self, key: K) -> None:
        self._items.pop(key, None)

    def drop_where(self, predicate: Callable[[K], bool]) -> None:
        for key in [key for key in self._items if predicate(key)]:
            del self._items[key]

    def clear(self) -> None:
        self._items.clear()


class UserCaches:
    """What the guides read about each user (trips, active deadlines, checklist, counts),
    kept between updates, so opening a screen runs no query. One process only (with Redis,
    several instances, there is none): every service write about a user calls `forget`
    (all of that user's entries go), and so does /delete."""

    def __init__(self, size: int = 100_000) -> None:
        self._users: BoundedCache[int, dict[str, Any]] = BoundedCache(size)
        self._forgotten = 0  # a load that a write overtook is not kept
        self.on_forget: Callable[[int], None] | None = None  # a user now holds something

    async def get(self, user_id: int, name: str, load: Callable[[], Awaitable[V]]) -> V:
        entries = self._users.get(user_id)
        if entries is not None and name in entries:
            return entries[name]
        before = self._forgotten
        value = await load()
        if self._forgotten == before:
            self._users.put(user_id, {**(self._users.get(user_id) or {}), name: value})
        return value

    def seed(self, user_id: int, entries: dict[str, Any]) -> None:
        """What is known without asking (a new user holds nothing yet)."""
        self._users.put(user_id, dict(entries))

    def forget(self, user_id: int) -> None:
        self._forgotten += 1
        self._users.drop(user_id)
        if self.on_forget is not None:
            self.on_forget(user_id)
