"""Bot commands, described in the current locale (registered per language at start-up)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import LOCALES
from bot.i18n import speaking

log = logging.getLogger(__name__)


def command_list() -> list[BotCommand]:
    return [
        BotCommand(command="menu", description=_("Main menu")),
        BotCommand(command="reminders", description=_("My deadlines and reminders")),
        BotCommand(command="mycases", description=_("My cases with the labour attaché")),
        BotCommand(command="profile", description=_("What I store about you")),
        BotCommand(command="language", description=_("Change language")),
        BotCommand(command="help", description=_("How I can help")),
        BotCommand(command="privacy", description=_("Your data and privacy")),
        BotCommand(command="delete", description=_("Delete all your data")),
        BotCommand(command="cancel", description=_("Leave the current dialogue")),
        BotCommand(command="start", description=_("Start again")),
    ]


async def register_commands(bot: Bot, i18n: I18n) -> None:
    """setMyCommands for each language and a default; failures are logged, not fatal."""
    for code in (*LOCALES, None):
        with speaking(i18n, code):
            commands = command_list()
        try:
            await bot.set_my_commands(commands, language_code=code)
        except (TelegramAPIError, TelegramNetworkError) as error:
            log.warning("setMyCommands(%s) failed: %s", code or "default", error)
