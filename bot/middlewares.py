"""Outer middlewares: one commit per update, then the user's profile (from memory) before
the locale is chosen."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.content.facts import current_book, current_day
from bot.services.clock import Clock
from bot.services.facts import FactService
from bot.services.users import ABROAD_ROLES, UserService, reader_abroad
from storage.unit import Unit, current
from storage.writer import GroupWriter


class UnitMiddleware(BaseMiddleware):
    """What the update writes is committed as one group, with its inbox mark when it came
    through the inbox (storage/unit.py), before the user's lock is released: their next
    update, on whichever instance, starts from it. A cancelled update (stopping) commits
    nothing: it is replayed."""

    def __init__(self, writer: GroupWriter, clock: Clock) -> None:
        self.writer = writer
        self.clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        unit = current.get()
        token = None
        if unit is None or unit.closed:  # not from the inbox (the console, a test)
            unit = Unit(None)
            token = current.set(unit)
        try:
            result = await handler(event, data)
        except asyncio.CancelledError:
            unit.closed = True
            raise
        except BaseException:
            await self.writer.finish(unit, self.clock.now())  # what it did before failing
            raise
        finally:
            if token is not None:
                current.reset(token)
        await self.writer.finish(unit, self.clock.now())
        return result


class ProfileMiddleware(BaseMiddleware):
    def __init__(self, users: UserService) -> None:
        self.users = users

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        profile = await self.users.of_sender(user.id) if user else None
        if profile is not None and not profile.is_active:  # they unblocked the bot
            profile = await self.users.save(profile.id, is_active=True)
        data["profile"] = profile
        reader_abroad.set(profile is not None and profile.role in ABROAD_ROLES)
        if user is not None and (profile is None or not profile.locale):
            self.users.note_app_language(user.id, user.language_code)
        return await handler(event, data)


class FactsMiddleware(BaseMiddleware):
    """Every screen of one update reads one book of facts: the shipped facts with the staff's
    values laid over them (kept in memory; no query while nothing changed)."""

    def __init__(self, facts: FactService) -> None:
        self.facts = facts

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        current_book.set(await self.facts.current())
        current_day.set(self.facts.today())
        return await handler(event, data)
