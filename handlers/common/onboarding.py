"""/start, /language and the onboarding questions: language, who the user is, country."""

from __future__ import annotations

import html
import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BotCommandScopeChat, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import LOCALES
from bot.commands import command_list, staff_command_list
from bot.content.countries import facts, named, names, search, timezone_of
from bot.scripting import LIKELY_SCRIPT, SCRIPTS, note_reader, script_of
from bot.services.cases import CaseService
from bot.services.clock import Clock
from bot.services.users import ROLES, Profile, UserService
from handlers.filters import menu_item, not_text, typed_text
from handlers.views.callbacks import (
    CountryCb,
    LangCb,
    ProfileAction,
    ProfileCb,
    RoleCb,
    ScriptCb,
)
from handlers.views.guide import contact_centre
from handlers.views.onboarding import (
    Onboarding,
    ask_country,
    ask_country_name,
    ask_language,
    ask_role,
    ask_script,
    choose_language_line,
    countries_markup,
    script_screen,
)
from handlers.views.ui import (
    current_locale,
    language_markup,
    out_of_date,
    profile_screen,
    show,
    show_menu,
)
from handlers.wiring import Wiring

log = logging.getLogger(__name__)
MAX_COUNTRY_QUERY = 60


async def on_start(message: Message, state: FSMContext, profile: Profile | None, i18n: I18n):
    if profile is not None and profile.locale:
        await state.clear()
        await show_menu(message, profile, _("👋 Welcome back to Joldas!"))
        return
    await state.set_state(Onboarding.language)
    await state.set_data({"flow": "onboarding"})
    greeting = _(
        "👋 Hello! I am <b>Joldas</b>, a fellow traveller for people who move across "
        "Kazakhstan's borders: foreigners in Kazakhstan, Kazakhstanis working abroad and "
        "kandas coming home.\n\nI explain the rules, count your deadlines and remind you in "
        "time. I inform, I do not decide: official answers come from egov.kz, "
        "migration.enbek.kz and the contact centre {contact_centre}."
    ).format(contact_centre=contact_centre())
    await message.answer(
        f"{greeting}\n\n{choose_language_line(i18n)}",
        reply_markup=language_markup(i18n.current_locale),
    )


async def on_language_command(message: Message, i18n: I18n):
    await message.answer(
        choose_language_line(i18n), reply_markup=language_markup(i18n.current_locale)
    )


async def set_chat_commands(bot: Bot, chat_id: int, cases: CaseService) -> None:
    """The command menu of this chat in the user's language (a staff member's with the
    staff commands); a failure is only logged."""
    commands = (
        staff_command_list(cases.is_admin(chat_id))
        if await cases.is_staff(chat_id)
        else command_list()
    )
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as error:
        log.warning("setMyCommands for a chat failed: %s", error)


async def on_language(
    callback: CallbackQuery,
    callback_data: LangCb,
    state: FSMContext,
    users: UserService,
    i18n: I18n,
    bot: Bot,
    wiring: Wiring,
    cases: CaseService,
    **data: Any,
):
    if callback_data.code not in LOCALES:
        await out_of_date(callback, await users.get(callback.from_user.id), edit=True)
        return
    i18n.current_locale = callback_data.code
    profile = await users.save(callback.from_user.id, locale=callback_data.code)
    note_reader(callback.from_user.id, profile)
    await set_chat_commands(bot, callback.from_user.id, cases)
    if await state.get_state() == Onboarding.language.state:
        await state.set_state(Onboarding.role)
        await ask_role(callback, state)
    elif callback_data.code == "kk":  # then the script Kazakh is to come in
        await show(callback, *script_screen(script_of(profile), keep=False))
    else:
        await language_saved(callback, state, profile, wiring, data)


async def language_saved(
    callback: CallbackQuery,
    state: FSMContext,
    profile: Profile | None,
    wiring: Wiring,
    data: dict[str, Any],
) -> None:
    """The question the user was answering again, else the menu."""
    if not await wiring.reask(callback, state, **data):
        await show_menu(callback, profile, _("✅ Language saved."))


async def on_script(
    callback: CallbackQuery,
    callback_data: ScriptCb,
    state: FSMContext,
    users: UserService,
    i18n: I18n,
    bot: Bot,
    wiring: Wiring,
    cases: CaseService,
    clock: Clock,
    **data: Any,
):
    """Kazakh in Cyrillic, Latin or Arabic script (or, in onboarding, the language kept)."""
    script = callback_data.script
    if script not in (*SCRIPTS, "keep"):
        await out_of_date(callback, await users.get(callback.from_user.id), edit=True)
        return
    profile = await users.get(callback.from_user.id)
    if script != "keep":
        i18n.current_locale = "kk"
        changes = {"locale": "kk", "script": None if script == "cyrl" else script}
        profile = await users.save(callback.from_user.id, **changes)
        note_reader(callback.from_user.id, profile)
        await set_chat_commands(bot, callback.from_user.id, cases)
    if await state.get_state() == Onboarding.script.state:
        await finish(callback, state, users, clock)
    else:
        await language_saved(callback, state, profile, wiring, data)


async def on_script_button(callback: CallbackQuery, profile: Profile | None):
    """/profile's "Kazakh script"."""
    await show(callback, *script_screen(script_of(profile), keep=False))


async def start_role_question(callback: CallbackQuery, state: FSMContext):
    """The "Tell me who you are" menu entry."""
    await state.set_state(Onboarding.role)
    await state.update_data(flow="profile")
    await ask_role(callback, state)


async def on_role(
    callback: CallbackQuery,
    callback_data: RoleCb,
    state: FSMContext,
    users: UserService,
    profile: Profile | None,
    i18n: I18n,
    clock: Clock,
):
    role = callback_data.role
    if role not in (*ROLES, "skip"):
        await out_of_date(callback, profile, edit=True)
        return
    locale = {"locale": i18n.current_locale} if profile is None or not profile.locale else {}
    if role == "skip":
        await users.save(callback.from_user.id, **locale)
        await finish(callback, state, users, clock)
        return
    zone = {} if role == "emigrant" else {"timezone": facts().home_timezone}
    await users.save(callback.from_user.id, role=role, **locale, **zone)
    await state.set_state(Onboarding.country)
    field = {"migrant": "citizenship", "kandas": "origin"}.get(role, "abroad")
    await state.update_data(field=field)
    await ask_country(callback, state)


async def on_country(
    callback: CallbackQuery,
    callback_data: CountryCb,
    state: FSMContext,
    users: UserService,
    profile: Profile | None,
    clock: Clock,
):
    field, code = callback_data.field, callback_data.code
    if field not in ("citizenship", "origin", "abroad") or (
        code not in ("other", "skip") and code not in names("en")
    ):
        await out_of_date(callback, profile, edit=True)
        return
    if code == "other":
        await state.set_state(Onboarding.country_search)
        await state.update_data(field=field)
        await ask_country_name(callback, state)
        return
    if field == "origin" and code in LIKELY_SCRIPT:  # Kazakh may be read in another script
        await users.save(callback.from_user.id, citizenship=code)
        await state.set_state(Onboarding.script)
        await state.update_data(origin=code)
        await ask_script(callback, state)
        return
    if code != "skip":
        changes = (
            {"country_abroad": code, "timezone": timezone_of(code)}
            if field == "abroad"
            else {"citizenship": code}  # a kandas's country of origin is kept as citizenship
        )
        await users.save(callback.from_user.id, **changes)
    await finish(callback, state, users, clock)


def read_country(text: str, data: dict[str, Any]) -> CountryCb | None:
    """A country typed on the first list: the one it names, on the list or not."""
    field = data.get("field", "citizenship")
    code = named(text[:MAX_COUNTRY_QUERY], current_locale(), exclude="KZ")
    return CountryCb(field=field, code=code) if code else None


async def on_country_name(message: Message, state: FSMContext, wiring: Wiring, **data: Any):
    """A country's name typed after "Other country…", or one that names several on the
    first list: what it finds, to choose from."""
    query = (message.text or "").strip()
    if len(query) > MAX_COUNTRY_QUERY:
        await message.answer(
            _("That is too long for a country name. Type just the name, for example “Uzbekistan”.")
        )
        return
    field = (await state.get_data()).get("field", "citizenship")
    locale = current_locale()
    found = search(query, locale, exclude="KZ")
    if not found:
        await message.answer(
            _(
                "I found no country called “{query}”. Check the spelling or type the first letters."
            ).format(query=html.escape(query))
        )
        if await state.get_state() == Onboarding.country.state:  # its list again
            await wiring.reask(message, state, **data)
        return
    await message.answer(
        _("Here is what I found. Choose your country:"),
        reply_markup=countries_markup(field, tuple(found), locale, more=False),
    )


async def on_country_name_not_text(message: Message):
    await message.answer(_("Please type the name of the country as text."))


async def finish(event: CallbackQuery, state: FSMContext, users: UserService, clock: Clock) -> None:
    """End onboarding with the menu, or a profile change with the profile."""
    flow = (await state.get_data()).get("flow")
    await state.clear()
    profile = await users.get(event.from_user.id)
    if flow == "onboarding":
        await show_menu(event, profile, _("✅ All set! Change anything later in /profile."))
    else:
        await show(event, *profile_screen(profile, clock.now()))


def build_router(wiring: Wiring) -> Router:
    router = Router(name="onboarding")
    router.message.register(on_start, CommandStart())
    router.message.register(on_language_command, Command("language"))
    router.callback_query.register(on_language, LangCb.filter())
    router.callback_query.register(on_script, ScriptCb.filter())
    router.callback_query.register(
        on_script_button, ProfileCb.filter(F.action == ProfileAction.script)
    )
    router.callback_query.register(on_role, RoleCb.filter())
    router.callback_query.register(on_country, CountryCb.filter())
    router.callback_query.register(start_role_question, menu_item("choose_role"))
    router.message.register(
        on_country_name, StateFilter(Onboarding.country, Onboarding.country_search), typed_text
    )
    router.message.register(
        on_country_name_not_text, StateFilter(Onboarding.country_search), not_text
    )
    wiring.question(Onboarding.language, ask_language)
    wiring.question(Onboarding.role, ask_role)
    wiring.question(Onboarding.country, ask_country, read=read_country)
    wiring.prompt(Onboarding.country_search, ask_country_name)
    wiring.question(Onboarding.script, ask_script)
    return router
