"""Rate limits for bulk sending (reminders, broadcasts): a global rate and one per chat.

Telegram allows about 30 messages a second overall and about one a second to one chat;
paid broadcasts allow up to 1000/s. Either limit set to 0 turns it off. Retries on 429 and
network errors happen below, in bot.retry.RetryMiddleware.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from storage.cache import BoundedCache


class RateLimiter:
    def __init__(
        self,
        per_second: float,
        per_chat_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.interval = 1 / per_second if per_second > 0 else 0.0
        self.chat_interval = 1 / per_chat_per_second if per_chat_per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0
        self._next_for_chat: BoundedCache[int, float] = BoundedCache(100_000)

    async def wait(self, chat_id: int) -> None:
        """Return when a message to `chat_id` may go."""
        if not self.interval and not self.chat_interval:
            return
        now = self._clock()
        slot = max(now, self._next_slot, self._next_for_chat.get(chat_id) or 0.0)
        self._next_slot = slot + self.interval
        if self.chat_interval:
            self._next_for_chat.put(chat_id, slot + self.chat_interval)
        if slot > now:
            await self._sleep(slot - now)
