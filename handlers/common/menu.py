"""/menu, /help and /cancel."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.guide import contact_centre
from handlers.views.ui import LANGUAGE_NAMES, back_to_menu_markup, show, show_menu


def help_text() -> str:
    return _(
        "<b>Joldas</b> helps people who move across Kazakhstan's borders: foreigners in "
        "Kazakhstan, Kazakhstanis working abroad and kandas coming home.\n\n"
        "/menu — the main menu\n"
        "/reminders — your deadlines and reminders, and a calendar file\n"
        "/mycases — your cases with the labour attaché\n"
        "/profile — what I store about you, and changing it\n"
        "/language — change language\n"
        "/privacy — what I store and why\n"
        "/delete — delete all your data\n"
        "/cancel — leave the current dialogue\n\n"
        "I inform, I do not decide. Check official answers at egov.kz and "
        "migration.enbek.kz, or call the contact centre: {contact_centre}."
    ).format(contact_centre=contact_centre())


async def on_menu(event: Message | CallbackQuery, profile: Profile | None) -> None:
    await show_menu(event, profile)


async def on_help(event: Message | CallbackQuery) -> None:
    await show(event, help_text(), back_to_menu_markup())


async def on_cancel(message: Message, state: FSMContext, profile: Profile | None) -> None:
    language = LANGUAGE_NAMES.get((profile.locale or "") if profile else "", "")
    if await state.get_state() is None:
        lead = _("There is nothing to cancel.")
    else:
        await state.clear()
        lead = (
            _("Cancelled. Your language stays {language}.").format(language=language)
            if language
            else _("Cancelled.")
        )
    await show_menu(message, profile, lead)


def build_router() -> Router:
    router = Router(name="menu")
    router.message.register(on_menu, Command("menu"))
    router.message.register(on_help, Command("help"))
    router.message.register(on_cancel, Command("cancel"))
    router.callback_query.register(on_menu, menu_item("menu"))
    router.callback_query.register(on_help, menu_item("help"))
    return router
