"""The one rate-limited sender for bulk traffic: reminders first, broadcasts after them.

Telegram allows about 30 messages a second overall and about one a second to one chat;
paid broadcasts allow up to 1000/s. Either limit set to 0 turns it off.

Two kinds of callers share the limits:
- reminders (`wait(chat_id)`) take the free lane: the global rate and the chat's own pause;
- broadcasts (`wait(chat_id, bulk=True)`) first keep their own pace (`bulk_per_second`,
  never more in any one-second window), then wait while a reminder waits, then take the
  free lane too, unless they are paid (`paid=True`: Telegram lifts the free limit for a fee).
  One broadcast message is in the line at a time, so a reminder waits behind one at most.

The global rate counts messages: a call that brought none (a 5xx, a gateway's error page, a
dropped connection) gives its slot back with `refund()`, so failures do not eat the budget;
a 429 keeps its slot, and `hold(seconds)` stops every caller for as long as Telegram asked
(the limit is the token's, not one chat's); broadcasts then go at half their pace and come
back to it gradually. A reminder's 429 holds only broadcasts: reminders reschedule their
own. Calls themselves never go faster than the rate plus HEADROOM.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from storage.cache import BoundedCache


class RateLimiter:
    HEADROOM = 0.25  # calls may go up to 25% faster than the rate, to make up for failed ones
    WINDOW = 1.01  # seconds: broadcasts never exceed their rate in any window this long
    CATCH_UP = 0.25  # seconds a broadcast's pace may make up after a stall (a full GC)
    SLOWEST = 0.1  # after 429s broadcasts go at no less than this share of their pace
    RECOVERY = 0.01  # share of the pace regained with each broadcast message

    def __init__(
        self,
        per_second: float,
        per_chat_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        bulk_per_second: float = 0.0,
        paid_per_second: float = 1000.0,
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
        self._held_until = 0.0  # Telegram asked every sender to wait
        self._bulk_held_until = 0.0  # ... or only broadcasts (a reminder's 429)
        # broadcasts: their own pace, a log of the last second, and the reminders' precedence
        self.bulk_rate = bulk_per_second
        self.paid_rate = paid_per_second
        self.pace = 1.0  # the share of bulk_rate broadcasts go at (less after a 429)
        self._bulk_next = 0.0
        self._bulk_sent: deque[float] = deque()
        self._bulk_turn = asyncio.Lock()
        self._urgent = 0
        self._no_urgent = asyncio.Event()
        self._no_urgent.set()

    async def wait(self, chat_id: int, *, bulk: bool = False, paid: bool = False) -> None:
        """Return when a message to `chat_id` may go."""
        if bulk:
            await self._bulk(chat_id, paid)
            return
        self._urgent += 1
        self._no_urgent.clear()
        try:
            await self._free_lane(chat_id)
        finally:
            self._urgent -= 1
            if not self._urgent:
                self._no_urgent.set()

    async def _free_lane(self, chat_id: int) -> None:
        if not self.interval and not self.chat_interval:
            await self._held()
            return
        while True:
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
                slot = max(message, self._next_call, self._held_until)
                if (self._next_for_chat.get(chat_id) or 0.0) > slot:
                    continue  # another message to this chat took its turn: wait outside
                self._next_slot = message + self.interval
                self._next_call = slot + self.call_interval
                if self.chat_interval:
                    self._next_for_chat.put(chat_id, slot + self.chat_interval)
                if slot > now:
                    await self._sleep(slot - now)
                return

    async def _held(self) -> None:
        while (left := self._held_until - self._clock()) > 0:
            await self._sleep(left)

    def bulk_rate_for(self, paid: bool) -> float:
        """Broadcast messages a second (0: no limit of their own)."""
        return self.paid_rate if paid else self.bulk_rate

    async def _bulk(self, chat_id: int, paid: bool) -> None:
        rate = self.bulk_rate_for(paid)
        async with self._bulk_turn:
            if rate > 0:
                await self._bulk_pace(rate)
            while self._urgent:  # a reminder is waiting: it goes first
                await self._no_urgent.wait()
            if paid:
                await self._held()
            else:
                await self._free_lane(chat_id)
            if rate > 0:
                self._bulk_sent.append(self._clock())
                self.pace = min(1.0, self.pace + self.RECOVERY)

    async def _bulk_pace(self, rate: float) -> None:
        """Evenly spaced at rate × pace, a late wake-up made up within CATCH_UP, and never
        more than `rate` messages in any WINDOW."""
        capacity = max(1, int(rate))
        sent = self._bulk_sent
        while True:
            now = self._clock()
            while sent and sent[0] <= now - self.WINDOW:
                sent.popleft()
            slot = max(
                self._bulk_next, now - self.CATCH_UP, self._held_until, self._bulk_held_until
            )
            if len(sent) >= capacity:
                slot = max(slot, sent[0] + self.WINDOW)
            if slot <= now:
                break
            await self._sleep(slot - now)
        self._bulk_next = slot + 1 / (rate * self.pace)

    def refund(self) -> None:
        """A call brought no message: its slot goes to the next in line (calls still keep
        `call_interval` apart)."""
        self._next_slot -= self.interval

    def hold(self, seconds: float, *, everyone: bool = True) -> None:
        """Telegram answered 429 with retry_after: every caller waits, and broadcasts slow.

        Reminders hold only broadcasts (`everyone=False`): they reschedule their own, so a
        reminder tick never sleeps on a flood wait (bot.services.reminders)."""
        until = self._clock() + seconds
        if everyone:
            self._held_until = max(self._held_until, until)
        self._bulk_held_until = max(self._bulk_held_until, until)
        self.pace = max(self.SLOWEST, self.pace / 2)

    def seconds_for(self, messages: int, paid: bool = False) -> float:
        """How long `messages` broadcast messages take at the current limits."""
        bulk = self.bulk_rate_for(paid)
        rates = [bulk * self.pace] if bulk > 0 else []
        if not paid and self.interval:
            rates.append(1 / self.interval)
        return messages / min(rates) if rates else 0.0
