"""Asking for a date: typed (21.11.2026, 2026-11-21, today...), quick buttons, a calendar.

A feature registers its question for an FSM state with `wiring.date_question(...)` (see
handlers.wiring); `ask_date` shows it, and the common date router (handlers.common.dates)
reads the answer whichever way it comes and passes a checked date to the feature.
"""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, get_day_names, get_month_names

from bot.rules.dates import DateProblem
from handlers.views.callbacks import DayCb
from handlers.views.guide import today_of
from handlers.views.ui import Button, current_locale, keyboard, one_stop, show

if TYPE_CHECKING:
    from handlers.wiring import DateQuestion, Wiring


def quick_label(days: int) -> str:
    return {
        -1: _("Yesterday"),
        0: _("Today"),
        1: _("Tomorrow"),
        7: _("In a week"),
        30: _("In a month"),
    }.get(days, str(days))


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


async def ask_date(
    event: Message | CallbackQuery, state: FSMContext, *, wiring: Wiring, **data: Any
) -> None:
    """Show the date question of the step the user is at."""
    question = wiring.dates[await state.get_state() or ""]
    today = await today_of(data["reminders"], data.get("profile"))
    earliest, latest = question.bounds(today, await state.get_data())
    await show(
        event, question_text(question, today), question_markup(question, today, earliest, latest)
    )


def question_text(question: DateQuestion, today: date) -> str:
    return f"{question.ask()}\n" + _("Type a date like {example}, or choose:").format(
        example=f"{today:%d.%m.%Y}"
    )


def month_markup(
    year: int, month: int, earliest: date, latest: date, locale: str
) -> InlineKeyboardMarkup:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    title = f"{get_month_names('wide', 'stand-alone', locale)[month]} {year}"
    names = get_day_names("short", "stand-alone", locale)  # «пн вт ср», not «П В С»
    rows: list[list[Button]] = [
        [(title, DayCb(value="-"))],
        [(names[weekday], DayCb(value="-")) for weekday in range(7)],
    ]
    week: list[Button] = [(" ", DayCb(value="-"))] * first.weekday()
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
    navigation: list[Button] = []
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
    return one_stop(
        message.format(
            text=html.escape(text),
            earliest=format_date(earliest, "long", locale=locale),
            latest=format_date(latest, "long", locale=locale),
        )
    )


async def text_then_date(
    message: Message, state: FSMContext, key: str, limit: int, next_state: State, **data: Any
) -> None:
    """Keep a short text answer under `key`, then ask the date question of `next_state`."""
    text = (message.text or "").strip()
    if len(text) > limit:
        await message.answer(
            _("Please make it shorter: at most {limit} characters.").format(limit=limit)
        )
        return
    await state.update_data({key: text})
    await state.set_state(next_state)
    await ask_date(message, state, **data)
