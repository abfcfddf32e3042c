"""Outer middlewares: the user's profile (from memory) before the locale is chosen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.services.users import UserService


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
        return await handler(event, data)
