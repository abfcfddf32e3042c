"""Gettext via aiogram's I18n; the locale comes from the user's stored choice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot import LOCALES_DIR
from bot.config import supported_locale
from bot.services.users import Profile


def build_i18n(default_locale: str) -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain="messages")


@contextmanager
def speaking(i18n: I18n, locale: str | None) -> Iterator[None]:
    """Render in `locale` outside an update (reminders, staff notices, errors, commands)."""
    with i18n.context(), i18n.use_locale(locale or i18n.default_locale):
        yield


def locale_for(profile: Profile | None, user: User | None, default: str) -> str:
    """The user's choice, else their Telegram app language if we speak it, else the default."""
    if profile is not None and profile.locale:
        return profile.locale
    return supported_locale(user.language_code if user else None) or default


class ProfileI18nMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        return locale_for(
            data.get("profile"), data.get("event_from_user"), self.i18n.default_locale
        )
