"""/menu, /help and /cancel."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.guide import contact_centre
from handlers.views.ui import back_to_menu_markup, show, show_menu


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


# What each dialogue (its StatesGroup) is, as /cancel names it
DIALOGUES = {
    "Onboarding": __("telling me who you are"),
    "ProfileEdit": __("changing your time zone"),
    "OwnDeadline": __("adding your own deadline"),
    "PolicyFlow": __("recording your insurance policy"),
    "RegistrationFlow": __("the registration dates"),
    "StayFlow": __("adding a trip"),
    "PermitFlow": __("recording your work permit"),
    "DepartureFlow": __("the departure date"),
    "OfferFlow": __("the job offer check"),
    "CaseFlow": __("a message to the labour attaché"),
    "ContractFlow": __("the social contract details"),
    "SupportFlow": __("the family size for the support"),
    "RouteFlow": __("the questions about another way to move here"),
    "StaffFlow": __("an answer on a case"),
    "BroadcastFlow": __("a broadcast"),
    "NoticeFlow": __("a notice on a guide"),
    "FactsFlow": __("a change to the facts"),
    "DirectoryFlow": __("a change to the directory"),
}


def cancelled_text(state_name: str) -> str:
    dialogue = DIALOGUES.get(state_name.partition(":")[0])
    return _("Cancelled: {dialogue}.").format(dialogue=dialogue) if dialogue else _("Cancelled.")


async def on_cancel(message: Message, state: FSMContext, profile: Profile | None) -> None:
    current = await state.get_state()
    if current is None:
        lead = _("There is nothing to cancel.")
    else:
        await state.clear()
        lead = cancelled_text(current)
    await show_menu(message, profile, lead)


def build_router() -> Router:
    router = Router(name="menu")
    router.message.register(on_menu, Command("menu"))
    router.message.register(on_help, Command("help"))
    router.message.register(on_cancel, Command("cancel"))
    router.callback_query.register(on_menu, menu_item("menu"))
    router.callback_query.register(on_help, menu_item("help"))
    return router
