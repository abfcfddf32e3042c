"""Bot commands, described in the current locale (registered per language at start-up)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import BotCommand, BotCommandScopeChat
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


def staff_command_list(admin: bool) -> list[BotCommand]:
    """The user's commands, then the staff's (in one staff member's chat only)."""
    staff = [
        BotCommand(command="desk", description=_("Staff menu")),
        BotCommand(command="cases", description=_("Open labour attaché cases")),
        BotCommand(command="broadcast", description=_("Send an announcement")),
        BotCommand(command="broadcasts", description=_("Scheduled and past broadcasts")),
        BotCommand(command="directory", description=_("Contacts users call: edit, confirm")),
    ]
    if admin:
        staff += [
            BotCommand(command="staff", description=_("Who serves which country")),
            BotCommand(command="questions", description=_("Questions the bot could not answer")),
            BotCommand(command="facts", description=_("Figures and dated rules: keep current")),
            BotCommand(command="notices", description=_("Notices on top of the guides")),
        ]
    return [*staff, *command_list()]


async def register_staff_commands(
    bot: Bot, i18n: I18n, chat_id: int, locale: str | None, admin: bool
) -> None:
    """The staff's commands in their own chat, in their language; a failure is logged."""
    with speaking(i18n, locale):
        commands = staff_command_list(admin)
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
    except (TelegramAPIError, TelegramNetworkError) as error:
        log.warning("setMyCommands for staff member %s failed: %s", chat_id, error)


async def forget_staff_commands(bot: Bot, chat_id: int) -> None:
    """Back to the users' commands (a role taken back)."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
    except (TelegramAPIError, TelegramNetworkError) as error:
        log.warning("deleteMyCommands for %s failed: %s", chat_id, error)
