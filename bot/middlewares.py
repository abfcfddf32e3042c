"""Outer middlewares: the user's profile (from memory) before the locale is chosen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.services.users import UserService
from storage.writer import GroupWriter


class ProfileMiddleware(BaseMiddleware):
    def __init__(self, users: UserService, writer: GroupWriter | None = None) -> None:
        self.users = users
        # several instances: the user's writes are committed before their lock is released,
        # so their next update, on whichever instance, comes after them
        self.writer = writer

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
        try:
            return await handler(event, data)
        finally:
            if self.writer is not None:
                await self.writer.barrier()
