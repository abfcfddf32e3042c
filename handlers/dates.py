"""Asking for a date: typed (21.11.2026, 2026-11-21, today...), quick buttons, a calendar.

A dialogue registers its question for an FSM state with `date_question(...)`; whatever way
the user answers, the registered function receives a checked date (or None for the
question's extra button, e.g. "I am still here").
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, get_day_names, get_month_names

from bot.rules.dates import DateInputError, DateProblem, parse_date
from bot.rules.reminders import local_today
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.filters import not_text, typed_text
from handlers.prompts import prompt_for
from handlers.ui import current_locale, keyboard, show, show_menu

MAX_DATE_TEXT = 40
Bounds = Callable[[date, dict[str, Any]], tuple[date, date]]
Answer = Callable[..., Awaitable[None]]


class DayCb(CallbackData, prefix="day"):
    value: str  # an ISO date; "m2026-11" shows that month; "extra" the extra button; "-"


@dataclass(frozen=True)
class DateQuestion:
    ask: Callable[[], str]
    bounds: Bounds
    answer: Answer
    quick: tuple[int, ...] = (0,)  # days from today
    extra: Callable[[], str] | None = None  # label of a button that answers None


QUESTIONS: dict[str, DateQuestion] = {}


def date_question(
    state: State,
    ask: Callable[[], str],
    bounds: Bounds,
    *,
    quick: tuple[int, ...] = (0,),
    extra: Callable[[], str] | None = None,
):
    """Register the function that receives the answer to the date question of `state`."""

    def register(answer: Answer) -> Answer:
        QUESTIONS[state.state] = DateQuestion(ask, bounds, answer, quick, extra)

        prompt_for(state)(ask_date)

        return answer

    return register


def quick_label(days: int) -> str:
    return {
        -1: _("Yesterday"),
        0: _("Today"),
        1: _("Tomorrow"),
        7: _("In a week"),
        30: _("In a month"),
    }.get(days, str(days))


async def today_for(data: dict[str, Any]) -> date:
    reminders: ReminderService = data["reminders"]
    profile: Profile | None = data.get("profile")
    zone = await reminders.zone_of(profile.id) if profile else None
    now = reminders.clock.now()
    return local_today(now, zone) if zone else now.date()


def question_markup(
    question: DateQuestion, today: date, earliest: date, latest: date
) -> InlineKeyboardMarkup:
    picks = [today + timedelta(days=d) for d in question.quick]
    row = [
        (quick_label(d), DayCb(value=day.isoformat()))
        for d, day in zip(question.quick, picks, strict=True)
        if earliest <= day <= latest
    ]
    rows = [row, [(_("📅 Calendar"), DayCb(value=f"m{today:%Y-%m}"))]]
    if question.extra:
        rows.insert(0, [(question.extra(), DayCb(value="extra"))])
    return keyboard(*rows)


async def ask_date(event: Message | CallbackQuery, state: FSMContext, **data: Any) -> None:
    question = QUESTIONS[await state.get_state() or ""]
    today = await today_for(data)
    earliest, latest = question.bounds(today, await state.get_data())
    text = f"{question.ask()}\n" + _("Type a date like {example}, or choose:").format(
        example=f"{today:%d.%m.%Y}"
    )
    await show(event, text, question_markup(question, today, earliest, latest))


def month_markup(
    year: int, month: int, earliest: date, latest: date, locale: str
) -> InlineKeyboardMarkup:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    title = f"{get_month_names('wide', 'stand-alone', locale)[month]} {year}"
    names = get_day_names("narrow", "stand-alone", locale)
    rows: list[list[tuple[str, CallbackData]]] = [
        [(title, DayCb(value="-"))],
        [(names[weekday], DayCb(value="-")) for weekday in range(7)],
    ]
    week: list[tuple[str, CallbackData]] = [(" ", DayCb(value="-"))] * first.weekday()
    day = first
    while day < following:
        allowed = earliest <= day <= latest
        week.append(
            (str(day.day) if allowed else "·", DayCb(value=day.isoformat() if allowed else "-"))
        )
        if len(week) == 7:
            rows.append(week)
            week = []
        day += timedelta(days=1)
    if week:
        rows.append(week + [(" ", DayCb(value="-"))] * (7 - len(week)))
    previous = first - timedelta(days=1)
    navigation = []
    if previous >= earliest:
        navigation.append(("◀️", DayCb(value=f"m{previous:%Y-%m}")))
    if following <= latest:
        navigation.append(("▶️", DayCb(value=f"m{following:%Y-%m}")))
    if navigation:
        rows.append(navigation)
    return keyboard(*rows)


def problem_text(problem: DateProblem, text: str, earliest: date, latest: date) -> str:
    locale = current_locale()
    if problem is DateProblem.UNREADABLE:
        message = _(
            "I could not read “{text}” as a date. Type it like 21.12.2026 or "
            "2026-12-21, or use the buttons."
        )
    elif problem is DateProblem.IMPOSSIBLE:
        message = _("There is no such date: “{text}”. Check the day and the month.")
    else:
        message = _("“{text}” is outside the dates that fit here: from {earliest} to {latest}.")
    return message.format(
        text=html.escape(text),
        earliest=format_date(earliest, "long", locale=locale),
        latest=format_date(latest, "long", locale=locale),
    )


async def text_then_date(
    message: Message, state: FSMContext, key: str, limit: int, next_state: State, **data: Any
) -> None:
    """Keep a short text answer under `key`, then ask the date question of `next_state`."""
    text = message.text.strip()
    if len(text) > limit:
        await message.answer(
            _("Please make it shorter: at most {limit} characters.").format(limit=limit)
        )
        return
    await state.update_data({key: text})
    await state.set_state(next_state)
    await ask_date(message, state, **data)


async def on_typed_date(message: Message, state: FSMContext, **data: Any):
    question = QUESTIONS.get(await state.get_state() or "")
    if question is None:
        return
    text = message.text.strip()[:MAX_DATE_TEXT]
    today = await today_for(data)
    earliest, latest = question.bounds(today, await state.get_data())
    try:
        day = parse_date(text, today, earliest=earliest, latest=latest)
    except DateInputError as error:
        await message.answer(problem_text(error.problem, text, earliest, latest))
        await ask_date(message, state, **data)
        return
    await question.answer(message, state, day, **data)


async def on_day_button(
    callback: CallbackQuery, callback_data: DayCb, state: FSMContext, **data: Any
):
    value = callback_data.value
    question = QUESTIONS.get(await state.get_state() or "")
    if value == "-":
        await callback.answer()
        return
    if question is None:
        await show_menu(callback, data.get("profile"), _("This button is out of date."), edit=False)
        return
    today = await today_for(data)
    earliest, latest = question.bounds(today, await state.get_data())
    if value.startswith("m"):
        year, month = (int(part) for part in value[1:].split("-"))
        await callback.answer()
        markup = month_markup(year, month, earliest, latest, current_locale())
        await callback.message.edit_reply_markup(reply_markup=markup)
        return
    if value == "extra" and question.extra:
        await callback.answer()
        await question.answer(callback, state, None, **data)
        return
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not earliest <= day <= latest:
        await callback.answer(_("That date does not fit here."), show_alert=True)
        return
    await callback.answer()
    await question.answer(callback, state, day, **data)


async def on_not_a_date(message: Message, state: FSMContext, **data: Any):
    await message.answer(_("Please type a date, or use the buttons."))
    await ask_date(message, state, **data)


def build_router() -> Router:
    """Built after the dialogues registered their questions (see handlers.get_routers)."""
    router = Router(name="dates")
    states = StateFilter(*QUESTIONS) if QUESTIONS else StateFilter(None)
    router.callback_query.register(on_day_button, DayCb.filter())
    router.message.register(on_typed_date, states, typed_text)
    router.message.register(on_not_a_date, states, not_text)
    return router
