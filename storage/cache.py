"""A size-bounded in-memory cache (oldest entries leave first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

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

    def drop_where(self, predicate: Callable[[K], bool]) -> None:
        for key in [key for key in self._items if predicate(key)]:
            del self._items[key]

    def clear(self) -> None:
        self._items.clear()
