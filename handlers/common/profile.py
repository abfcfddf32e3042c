"""/profile, /privacy and /delete: what is stored, why, and removing it."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.content.countries import find_zones, zones_of
from bot.services.clock import Clock
from bot.services.desk import Desk
from bot.services.reminders import ReminderService
from bot.services.users import Profile, UserService
from handlers.filters import menu_item, typed_text
from handlers.views.callbacks import DeleteCb, MenuCb, ProfileAction, ProfileCb, ZoneCb
from handlers.views.kandas import CONTRACT_KEY, contract_line
from handlers.views.onboarding import Onboarding, ask_country, ask_role, choose_language_line
from handlers.views.ui import (
    Button,
    back_to_menu_markup,
    column,
    current_locale,
    language_markup,
    out_of_date,
    profile_screen,
    show,
    show_menu,
)
from handlers.views.zones import zone_label
from handlers.wiring import Wiring
from storage.records import ContractRecord


def privacy_text() -> str:
    return _(
        "<b>Your data and privacy</b>\n"
        "I store only what the guides need:\n"
        "• your Telegram ID, to answer you;\n"
        "• your language (and, for Kazakh, the script you read it in), to speak it;\n"
        "• who you are and your citizenship or country of work, "
        "to show the rules that apply to you;\n"
        "• your time zone, to remind you at a sensible hour;\n"
        "• the deadlines you asked me to watch, with their reminders;\n"
        "• the trips, permit and insurance dates you record in the guides, to count "
        "your days;\n"
        "• the ticks of your pre-departure checklist;\n"
        "• your cases with the labour attaché: what you wrote and the answers;\n"
        "• whether an announcement from the staff reached you, for 90 days, so that nobody "
        "gets it twice;\n"
        "• questions you typed that I could not answer, or whose answer did not help, for 90 "
        "days, so the team can add what is missing (staff see them without your name or ID);\n"
        "• the step of an unfinished dialogue, so nothing is lost if the bot restarts.\n\n"
        "I never ask for passport numbers and never track your location: a location you "
        "choose to send in a case goes to the attaché and is not stored. What you write "
        "to the attaché goes only to the desk's staff, who see your language and country, "
        "not your phone or username. I do not pass your data to anyone else.\n"
        "/profile shows everything stored; /delete removes it all at once."
    )


def delete_confirmation() -> tuple[str, InlineKeyboardMarkup]:
    buttons = column(
        [
            (_("🗑 Yes, delete everything"), DeleteCb(confirm=True)),
            (_("No, keep my data"), DeleteCb(confirm=False)),
        ]
    )
    text = _(
        "Delete everything I store about you? Your profile, deadlines, checklist, cases "
        "with the labour attaché (open ones are closed) and unfinished dialogues will be "
        "removed. This cannot be undone."
    )
    return text, buttons


async def on_profile(event: Message | CallbackQuery, profile: Profile | None, **data: Any):
    await show(event, *await full_profile(profile, **data))


async def full_profile(
    profile: Profile | None, users: UserService, clock: Clock, **extra: Any
) -> tuple[str, InlineKeyboardMarkup]:
    """The profile plus what the guides keep: deadlines, trips, checklist ticks, cases."""
    text, markup = profile_screen(profile, clock.now())
    held = await users.holdings(profile.id) if profile is not None else None
    if held is not None:
        text += "\n" + _(
            "Deadlines you asked me to watch: {deadlines} (/reminders); trips recorded: {trips}."
        ).format(deadlines=held.deadlines, trips=held.trips)
        text += "\n" + _(
            "Checklist items ticked: {ticked}; cases with the labour attaché: {cases} (/mycases)."
        ).format(ticked=held.checklist_marks, cases=held.cases)
        reminders: ReminderService | None = extra.get("reminders")
        if held.deadlines and reminders is not None and profile is not None:
            contract = await reminders.record(profile.id, CONTRACT_KEY, ContractRecord)
            if contract is not None:
                text += "\n" + contract_line(contract)
    return text, markup


async def on_privacy(message: Message):
    await message.answer(privacy_text(), reply_markup=back_to_menu_markup())


async def on_delete_command(message: Message):
    await show(message, *delete_confirmation())


async def on_privacy_button(callback: CallbackQuery):
    await show(callback, privacy_text(), back_to_menu_markup())


async def on_delete_button(callback: CallbackQuery):
    await show(callback, *delete_confirmation())


async def on_language_button(callback: CallbackQuery, i18n: I18n):
    await show(callback, choose_language_line(i18n), language_markup(i18n.current_locale))


async def on_role_button(callback: CallbackQuery, state: FSMContext):
    await state.set_state(Onboarding.role)
    await state.set_data({"flow": "profile"})
    await ask_role(callback, state)


async def on_country_button(callback: CallbackQuery, callback_data: ProfileCb, state: FSMContext):
    """Citizenship, or the country of work."""
    await state.set_state(Onboarding.country)
    await state.set_data({"flow": "profile", "field": callback_data.action.value})
    await ask_country(callback, state)


async def on_zone_button(callback: CallbackQuery, profile: Profile | None, clock: Clock):
    await ask_zone(callback, profile, clock.now())


async def on_delete(
    callback: CallbackQuery,
    callback_data: DeleteCb,
    users: UserService,
    profile: Profile | None,
    desk: Desk,
    bot: Bot,
):
    if not callback_data.confirm:
        await show_menu(callback, profile, _("Nothing was deleted."))
        return
    await desk.erase(bot, callback.from_user.id)  # staff learn the cases closed
    removed = await users.delete(callback.from_user.id)  # conversations and cases included
    users.note_app_language(callback.from_user.id, callback.from_user.language_code)
    text = ngettext(
        "🗑 Done: I deleted everything I stored about you ({count} record). "
        "If you write again, I will start from scratch.",
        "🗑 Done: I deleted everything I stored about you ({count} records). "
        "If you write again, I will start from scratch.",
        removed,
    ).format(count=removed)
    await show(callback, text)


class ProfileEdit(StatesGroup):
    zone_search = State()


def zones_markup(
    zones: list[str], locale: str, now: datetime, *, search: bool
) -> InlineKeyboardMarkup:
    """Each zone with its offset at `now` (summer time changes it)."""
    buttons: list[Button] = [(zone_label(zone, locale, now), ZoneCb(zone=zone)) for zone in zones]
    if search:
        buttons.append((_("🔎 Type a city…"), ZoneCb(zone="search")))
    buttons.append((_("◀️ Profile"), MenuCb(item="profile")))
    return column(buttons)


async def ask_zone(callback: CallbackQuery, profile: Profile | None, now: datetime) -> None:
    """The zones of the country the user lives in, Kazakhstan's, and a search by city."""
    abroad = profile.country_abroad if profile and profile.role == "emigrant" else None
    zones = zones_of(abroad, now) if abroad else []
    zones += [zone for zone in zones_of("KZ", now) if zone not in zones]
    locale = current_locale()
    current = html.escape(zone_label(profile.timezone, locale, now)) if profile else "—"
    text = _(
        "Your time zone now: {zone}. Reminders come at 10:00 your time, never at "
        "night. Choose yours:"
    ).format(zone=current)
    await show(callback, text, zones_markup(zones[:12], locale, now, search=True))


async def on_zone(
    callback: CallbackQuery,
    callback_data: ZoneCb,
    state: FSMContext,
    users: UserService,
    reminders: ReminderService,
    profile: Profile | None,
    clock: Clock,
):
    zone = callback_data.zone
    if zone == "search":
        await state.set_state(ProfileEdit.zone_search)
        await ask_city(callback, state)
        return
    if profile is None or zone not in available_timezones():
        await out_of_date(callback, profile)
        return
    await state.clear()
    if zone != profile.timezone:
        await reminders.retime(profile.id, ZoneInfo(zone))
        profile = await users.save(profile.id, timezone=zone)
    text, markup = await full_profile(profile, users, clock, reminders=reminders)
    lead = _("✅ Time zone saved. Reminders follow it.")
    await show(callback, f"{lead}\n\n{text}", markup)


async def ask_city(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(
        event,
        _("Type the name of your city in English, for example “Seoul”, “Moscow” or “New York”."),
    )


async def on_zone_search(message: Message, state: FSMContext, clock: Clock) -> None:
    query = (message.text or "")[:60]  # typed_text: there is text
    found = find_zones(query)
    if not found:
        await message.answer(
            _("I found no time zone for “{query}”. Try the nearest big city.").format(
                query=html.escape(query)
            )
        )
        return
    await message.answer(
        _("Choose your time zone:"),
        reply_markup=zones_markup(found, current_locale(), clock.now(), search=False),
    )


def build_router(wiring: Wiring) -> Router:
    router = Router(name="profile")
    router.callback_query.register(on_zone, ZoneCb.filter())
    router.message.register(on_zone_search, StateFilter(ProfileEdit.zone_search), typed_text)
    router.message.register(on_profile, Command("profile"))
    router.message.register(on_privacy, Command("privacy"))
    router.message.register(on_delete_command, Command("delete"))
    router.callback_query.register(on_profile, menu_item("profile"))
    for action, handler in (
        (ProfileAction.privacy, on_privacy_button),
        (ProfileAction.delete, on_delete_button),
        (ProfileAction.language, on_language_button),
        (ProfileAction.role, on_role_button),
        (ProfileAction.timezone, on_zone_button),
    ):
        router.callback_query.register(handler, ProfileCb.filter(F.action == action))
    router.callback_query.register(
        on_country_button,
        ProfileCb.filter(F.action.in_({ProfileAction.citizenship, ProfileAction.abroad})),
    )
    router.callback_query.register(on_delete, DeleteCb.filter())
    wiring.prompt(ProfileEdit.zone_search, ask_city)
    return router
