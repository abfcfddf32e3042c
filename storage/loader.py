"""Batched point lookups: keys asked for together are fetched by one query.

Concurrent updates from new users each miss the cache at once; instead of one session and
one SELECT per key, the keys that arrive while a fetch runs go together in the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BatchLoader(Generic[K, V]):
    def __init__(self, fetch: Callable[[list[K]], Awaitable[dict[K, V]]]) -> None:
        self._fetch = fetch
        self._waiting: dict[K, asyncio.Future[V | None]] = {}
        self._runner: asyncio.Task[None] | None = None

    async def load(self, key: K) -> V | None:
        future = self._waiting.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[key] = future
            if self._runner is None or self._runner.done():
                self._runner = asyncio.create_task(self._run())
        return await asyncio.shield(future)  # shared: one caller's cancel must not end it

    async def _run(self) -> None:
        await asyncio.sleep(0)  # let the other updates of this loop turn ask too
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            try:
                found = await self._fetch(list(batch))
            except Exception as error:
                for future in batch.values():
                    future.set_exception(error)
                continue
            for key, future in batch.items():
                future.set_result(found.get(key))
