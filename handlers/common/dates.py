"""The answers to every date question the features registered (handlers.wiring): typed
dates, quick buttons and the calendar's days and months."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.rules.dates import DateInputError, parse_date
from handlers.filters import not_text, typed_text
from handlers.views.callbacks import DayCb
from handlers.views.dates import ask_date, month_markup, problem_text, question_text
from handlers.views.guide import today_of
from handlers.views.onboarding import onboard
from handlers.views.ui import (
    acknowledge,
    current_locale,
    out_of_date,
    out_of_date_text,
    show,
)
from handlers.wiring import Wiring

MAX_DATE_TEXT = 40


async def on_typed_date(message: Message, state: FSMContext, wiring: Wiring, **data: Any):
    question = wiring.dates.get(await state.get_state() or "")
    if question is None:
        return
    text = (message.text or "").strip()[:MAX_DATE_TEXT]
    today = await today_of(data["reminders"], data.get("profile"))
    earliest, latest = question.bounds(today, await state.get_data())
    day: date | None = None
    if not (question.extra and words(text) == words(question.extra())):  # the extra typed
        try:
            day = parse_date(text, today, earliest=earliest, latest=latest)
        except DateInputError as error:
            await message.answer(problem_text(error.problem, text, earliest, latest))
            await ask_date(message, state, wiring=wiring, **data)
            return
    if data.get("profile") is None:  # deleted meanwhile: the guides need a profile
        await onboard(message, state)
        return
    await question.answer(message, state, day, wiring=wiring, **data)


def words(text: str) -> list[str]:
    """A button label as it may be typed: its words, without emoji or case."""
    return re.findall(r"\w+", text.casefold())


def month_of(text: str) -> date | None:
    """The first day of a "2026-11" month button, or None if it names no month."""
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        return None


async def on_day_button(
    callback: CallbackQuery, callback_data: DayCb, state: FSMContext, wiring: Wiring, **data: Any
):
    value = callback_data.value
    question = wiring.dates.get(await state.get_state() or "")
    if value == "-":
        await acknowledge(callback)
        return
    if question is None:
        await out_of_date(callback, data.get("profile"))
        return
    today = await today_of(data["reminders"], data.get("profile"))
    earliest, latest = question.bounds(today, await state.get_data())
    if value.startswith("m"):
        shown = month_of(value[1:])
        forged = shown is None or not earliest.replace(day=1) <= shown <= latest
        if shown is None or forged:  # no such month, or outside the question's range
            shown = today.replace(day=1)
        markup = month_markup(shown.year, shown.month, earliest, latest, current_locale())
        if not isinstance(callback.message, Message):  # too old to edit: ask again below
            await show(callback, question_text(question, today), markup, edit=False)
            return
        if forged:
            await callback.answer(out_of_date_text())
        else:
            await acknowledge(callback)
        await callback.message.edit_reply_markup(reply_markup=markup)
        return
    if data.get("profile") is None:  # deleted meanwhile: the guides need a profile
        await acknowledge(callback)
        await onboard(callback, state)
        return
    if value == "extra" and question.extra:
        await acknowledge(callback)
        await question.answer(callback, state, None, wiring=wiring, **data)
        return
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not earliest <= day <= latest:
        await callback.answer(_("That date does not fit here."), show_alert=True)
        return
    await acknowledge(callback)
    await question.answer(callback, state, day, wiring=wiring, **data)


async def on_not_a_date(message: Message, state: FSMContext, **data: Any):
    await message.answer(_("Please type a date, or use the buttons."))
    await ask_date(message, state, **data)


def build_router(wiring: Wiring) -> Router:
    """Built after every group registered its date questions (see handlers.build_handlers)."""
    router = Router(name="dates")
    states = StateFilter(*wiring.date_states()) if wiring.dates else StateFilter(None)
    router.callback_query.register(on_day_button, DayCb.filter())
    router.message.register(on_typed_date, states, typed_text)
    router.message.register(on_not_a_date, states, not_text)
    return router
