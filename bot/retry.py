"""Retries for every Bot API request: wait out 429s, back off on network drops and 5xx
(a gateway's HTML error page included, which aiogram raises as ClientDecodeError).

Requests made inside `flood_waits_only(seconds)` wait out one short flood limit and raise
everything else at once: reminder delivery retries by rescheduling, so a request sleeps
inside a delivery tick only as long as Telegram asked, and at most that long.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.metrics import FLOOD_WAITS

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[Any]]
_flood_waits_only: ContextVar[float | None] = ContextVar("flood_waits_only", default=None)


@contextmanager
def flood_waits_only(max_wait: float) -> Iterator[None]:
    """Requests made inside wait out one flood limit of at most `max_wait` seconds and are
    not retried otherwise: the caller handles every other failure."""
    token = _flood_waits_only.set(max_wait)
    try:
        yield
    finally:
        _flood_waits_only.reset(token)


def stale_press(method: TelegramMethod[Any], error: TelegramBadRequest) -> bool:
    """Telegram refuses to answer a press again, or one older than its answer window (a
    press replayed after a restart): the user saw an answer, or the press is long gone."""
    text = error.message.lower()
    return isinstance(method, AnswerCallbackQuery) and (
        "query is too old" in text or "query id is invalid" in text
    )


def answered_ok(error: ClientDecodeError) -> bool:
    """Telegram answered "ok" but aiogram could not read the result: the request was done."""
    return isinstance(error.data, dict) and error.data.get("ok") is True


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
        flood_only = _flood_waits_only.get()
        attempts = self.attempts if flood_only is None else 2
        max_wait = self.max_wait if flood_only is None else flood_only
        for attempt in range(1, attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                FLOOD_WAITS.inc()
                if attempt == attempts or error.retry_after > max_wait:
                    raise
                wait: float = error.retry_after
            except (TelegramNetworkError, TelegramServerError):
                if attempt == attempts or flood_only is not None:
                    raise
                wait = min(2.0 ** (attempt - 1), self.max_wait)
            except TelegramBadRequest as error:
                if not stale_press(method, error):
                    raise
                log.info("a press not answered again (%s)", error.message)
                return Response[TelegramType](ok=True, result=True)
            except ClientDecodeError as error:  # not JSON: a proxy's or gateway's error page
                if attempt == attempts or flood_only is not None or answered_ok(error):
                    raise
                wait = min(2.0 ** (attempt - 1), self.max_wait)
            log.warning(
                "%s failed (attempt %d); retrying in %.0f s", method.__api_method__, attempt, wait
            )
            await self.sleep(wait)
        raise AssertionError("unreachable")
