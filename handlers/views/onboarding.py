"""The onboarding questions (language, who you are, country), which /profile asks again."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import LOCALES
from bot.content.countries import country_name, facts
from bot.rules.scripts import Script, to_script
from bot.scripting import LIKELY_SCRIPT, SCRIPT_NAMES, SCRIPTS, intact
from handlers.views.callbacks import CountryCb, ScriptCb
from handlers.views.ui import (
    LANGUAGE_NAMES,
    column,
    current_locale,
    keyboard,
    language_markup,
    role_markup,
    show,
)


class Onboarding(StatesGroup):
    language = State()
    role = State()
    country = State()  # data: field (citizenship | abroad), flow (onboarding | profile)
    country_search = State()
    script = State()  # a kandas from where Kazakh is read in another script; data: origin


def choose_language_line(i18n: I18n) -> str:
    """'Choose your language' in all three languages, for someone who reads only one."""
    lines = []
    for code in LOCALES:
        with i18n.use_locale(code):
            line = _("Choose your language:")
        lines.append(line if code == "kk" else intact(line))  # Kazakh in the reader's script
    return " / ".join(lines)


def role_question() -> str:
    return _(
        "Who are you? This decides which guides I show first. You can change it later in /profile."
    )


async def ask_language(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    i18n = I18n.get_current(no_error=False)
    await show(event, choose_language_line(i18n), language_markup(i18n.current_locale))


async def onboard(event: Message | CallbackQuery, state: FSMContext) -> None:
    """Someone with no profile (new, or just after /delete) answered a guide's question:
    the guides need to know who they are, so onboarding comes first."""
    await state.set_state(Onboarding.language)
    await state.set_data({"flow": "onboarding"})
    await ask_language(event, state)


async def ask_role(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(event, role_question(), role_markup())


def country_question(field: str) -> str:
    if field == "origin":
        return _(
            "Which country are you coming from? It tells me which embassy or consulate is "
            "nearest and what your path to Kazakhstan looks like."
        )
    if field == "citizenship":
        return _(
            "Which country are you a citizen of? It decides which stay and work rules apply to you."
        )
    return _("Which country do you work in, or plan to work in?")


@lru_cache(maxsize=512)
def countries_markup(
    field: str, codes: tuple[str, ...], locale: str, *, more: bool
) -> InlineKeyboardMarkup:
    pairs = [(country_name(code, locale), CountryCb(field=field, code=code)) for code in codes]
    rows = [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    if more:
        rows.append([(_("🔎 Other country…"), CountryCb(field=field, code="other"))])
    rows.append([(_("Skip"), CountryCb(field=field, code="skip"))])
    return keyboard(*rows)


async def ask_country(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    field = (await state.get_data()).get("field", "citizenship")
    data = facts()
    common = {
        "citizenship": data.migrant_common,
        "origin": data.kandas_common,
    }.get(field, data.emigrant_common)
    await show(
        event,
        country_question(field),
        countries_markup(field, tuple(common), current_locale(), more=True),
    )


async def ask_country_name(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(
        event,
        _(
            "Type the name of the country in any language, for example "
            "“Uzbekistan”, “Өзбекстан” or “Узбекистан”."
        ),
    )


def script_question() -> str:
    return _(
        "Which script do you read Kazakh in? Screens, reminders and answers in Kazakh will "
        "come in it. You can change it any time in /language."
    )


def script_screen(likely: Script, *, keep: bool) -> tuple[str, InlineKeyboardMarkup]:
    """The three ways to read Kazakh, the `likely` one first, each in itself; the question
    also in Kazakh in the `likely` script (for who reads that best). With `keep`, the
    language already chosen may stay (onboarding)."""
    text = script_question()
    locale = current_locale()
    if locale != "kk" or likely != "cyrl":
        i18n = I18n.get_current(no_error=False)
        with i18n.use_locale("kk"):
            kazakh = script_question()
        text = f"{text}\n\n{intact(to_script(kazakh, likely))}"
    order = (likely, *(script for script in SCRIPTS if script != likely))
    buttons = [(intact(SCRIPT_NAMES[script]), ScriptCb(script=script)) for script in order]
    if keep and locale != "kk":
        name = intact(LANGUAGE_NAMES[locale])
        buttons.append((_("Keep {language}").format(language=name), ScriptCb(script="keep")))
    return text, column(buttons)


async def ask_script(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    """Onboarding: a kandas whose country of origin reads Kazakh in another script."""
    origin = (await state.get_data()).get("origin", "")
    await show(event, *script_screen(LIKELY_SCRIPT.get(origin, "cyrl"), keep=True))
