"""What users' screens read from staff data (the directory, the facts, the notices): one
copy in memory, read again only after a change.

A change here drops the copy; with Redis it also sets a new random version every instance
compares before it uses its own copy, so a change shows on every instance at once (a Redis
that restarted empty still differs from what instances hold). Should a version be lost, a
copy is at most MAX_AGE seconds old with Redis."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("joldas.snapshot")
MAX_AGE = 60.0  # seconds an instance with Redis keeps a copy at most
T = TypeVar("T")


class SharedSnapshot(Generic[T]):
    def __init__(self, name: str, read: Callable[[], Awaitable[T]], redis: Redis | None) -> None:
        self.key = f"joldas:{name}:version"
        self._read = read
        self.redis = redis
        self._copy: T | None = None
        self._version: Any = None  # the shared version the copy was read at
        self._changes = 0  # local changes: a read that one overtook is not kept
        self._read_at = 0.0  # time.monotonic() of the copy's read

    async def get(self) -> T:
        if self.redis is not None:
            version = await self.redis.get(self.key)
            too_old = time.monotonic() - self._read_at > MAX_AGE
            if version != self._version or too_old:
                self._copy, self._version = None, version
        copy = self._copy
        if copy is None:
            changes, version = self._changes, self._version
            copy = await self._read()
            # kept only if no change here, and no newer version seen, overtook this read
            if changes == self._changes and version == self._version:
                self._copy, self._read_at = copy, time.monotonic()
        return copy

    async def changed(self) -> None:
        self._changes += 1
        self._copy = None
        if self.redis is not None:
            try:
                await self.redis.set(self.key, uuid.uuid4().hex)
            except Exception:  # saved all the same: the others see it within MAX_AGE
                log.warning("%s not shared", self.key, exc_info=True)
