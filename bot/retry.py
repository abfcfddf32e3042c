"""Retries for every Bot API request: wait out 429s, back off on network drops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[Any]]


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(self, attempts: int = 4, max_wait: float = 30.0, sleep: Sleep = asyncio.sleep):
        self.attempts = attempts
        self.max_wait = max_wait  # a longer flood wait is the caller's to handle
        self.sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == self.attempts or error.retry_after > self.max_wait:
                    raise
                wait: float = error.retry_after
            except (TelegramNetworkError, TelegramServerError):
                if attempt == self.attempts:
                    raise
                wait = min(2.0 ** (attempt - 1), self.max_wait)
            log.warning(
                "%s failed (attempt %d); retrying in %.0f s", method.__api_method__, attempt, wait
            )
            await self.sleep(wait)
        raise AssertionError("unreachable")
