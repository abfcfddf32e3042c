"""Rate limits for bulk sending (reminders, broadcasts): a global rate and one per chat.

Telegram allows about 30 messages a second overall and about one a second to one chat;
paid broadcasts allow up to 1000/s. Either limit set to 0 turns it off.

The global rate counts messages: a call that brought none (a 5xx, a gateway's error page, a
dropped connection) gives its slot back with `refund()`, so failures do not eat the budget;
a 429 keeps its slot (Telegram asked us to slow down). Calls themselves never go faster than
the rate plus HEADROOM, however many fail. Reminder delivery reschedules its own retries;
other requests are retried in bot.retry.RetryMiddleware.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from storage.cache import BoundedCache


class RateLimiter:
    HEADROOM = 0.25  # calls may go up to 25% faster than the rate, to make up for failed ones

    def __init__(
        self,
        per_second: float,
        per_chat_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.interval = 1 / per_second if per_second > 0 else 0.0
        self.call_interval = self.interval / (1 + self.HEADROOM)
        self.chat_interval = 1 / per_chat_per_second if per_chat_per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0  # for the next message
        self._next_call = 0.0  # for the next call, whatever became of the ones before
        self._next_for_chat: BoundedCache[int, float] = BoundedCache(100_000)
        self._line = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        """Return when a message to `chat_id` may go."""
        if not self.interval and not self.chat_interval:
            return
        # the chat's own pause first, outside the line: it holds up no other chat
        now = self._clock()
        chat_turn = self._next_for_chat.get(chat_id) or 0.0
        if chat_turn > now:
            await self._sleep(chat_turn - now)
        # then one at a time, in order: each slot is set when its turn comes, so every
        # refund until then counts
        async with self._line:
            now = self._clock()
            message = max(now, self._next_slot)
            chat_turn = self._next_for_chat.get(chat_id) or 0.0
            slot = max(message, self._next_call, chat_turn)
            self._next_slot = message + self.interval
            self._next_call = slot + self.call_interval
            if self.chat_interval:
                self._next_for_chat.put(chat_id, slot + self.chat_interval)
            if slot > now:
                await self._sleep(slot - now)

    def refund(self) -> None:
        """A call brought no message: its slot goes to the next in line (calls still keep
        `call_interval` apart)."""
        self._next_slot -= self.interval
