"""/facts: admins keep the facts the advice rests on current. A fact's periods with their
sources; a value for a new period (the 2027 MCI is an addition, not an overwrite of 2026), a
corrected value, the latest period's end, a confirmation; each typed value checked, the user
screens previewed in kk, ru and en, the change audited and revertible.

Admins only, asked again on every step (buttons can be forged, roles revoked). Attachés are
refused: they serve countries abroad, while these are Kazakhstan's national rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.content.facts import DatedValue, ending_before, with_values
from bot.rules import contacts as check
from bot.rules.contacts import Refused as Unreadable
from bot.rules.dates import DateInputError, parse_date
from bot.services.facts import FactService, Refused
from bot.services.users import Profile
from handlers.filters import not_a_command
from handlers.views.callbacks import FactAction, FactCb
from handlers.views.desk import refuse
from handlers.views.directory import refused_text
from handlers.views.facts import (
    fact_screen,
    group_screen,
    history_screen,
    home_screen,
    preview_text,
    save_markup,
)
from handlers.views.ui import column, out_of_date_text, show, user_id_of
from handlers.wiring import Wiring

Event = Message | CallbackQuery
TITLE_LIMIT = 300
MAX_VALUE = 10**9
NONE = "-"  # typed for "no end" or "no link"


class FactsFlow(StatesGroup):
    typing = State()  # data: fact, mode (add | correct | end), step, draft (JSON of the period)


STEPS = {
    "add": ("value", "from", "until", "title", "url"),
    "correct": ("value", "title", "url"),
    "end": ("until",),
}


async def admin(event: Event, facts: FactService, what: str) -> bool:
    if facts.is_admin(user_id_of(event)):
        return True
    await refuse(event, what)
    return False


async def known(callback: CallbackQuery, facts: FactService, name: str) -> bool:
    if name in (await facts.current()).facts:
        return True
    await callback.answer(out_of_date_text(), show_alert=True)
    return False


def refusal(reason: str) -> str:
    return "⚠️ " + {
        "overlap": _("This period overlaps another period of this fact."),
        "order": _("The end is before the start."),
        "unknown": _("There is no such fact or change any more."),
        "value": _("The value must be a whole number above zero."),
        "shipped": _("A shipped period can be corrected, not removed."),
    }.get(reason, reason)


PROMPTS = {
    "value": lambda: _("Type the value in tenge, a whole number (for example 4519)."),
    "from": lambda: _("From which day does it hold? (for example 01.01.2027)"),
    "until": lambda: _("Until which day does it hold? Type - for no end."),
    "title": lambda: _(
        "The source: its title and date (for example: Law on the republican budget for "
        "2027–2029, 5 Dec 2026)."
    ),
    "url": lambda: _("A link to the source, or - for none."),
}


async def on_facts(message: Message, state: FSMContext, facts: FactService):
    if not await admin(message, facts, "/facts"):
        return
    await state.clear()
    text, markup = home_screen(await facts.current(), await facts.overdue())
    await message.answer(text, reply_markup=markup)


async def on_home(callback: CallbackQuery, state: FSMContext, facts: FactService):
    if not await admin(callback, facts, "facts home"):
        return
    await state.clear()
    await show(callback, *home_screen(await facts.current(), await facts.overdue()))


async def on_group(callback: CallbackQuery, callback_data: FactCb, facts: FactService):
    if not await admin(callback, facts, "a group of facts"):
        return
    book = await facts.current()
    if callback_data.fact not in {fact.group for fact in book.facts.values()}:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    await show(callback, *group_screen(book, callback_data.fact, await facts.overdue()))


async def on_fact(
    callback: CallbackQuery, callback_data: FactCb, state: FSMContext, facts: FactService
):
    if not await admin(callback, facts, "a fact") or not await known(
        callback, facts, callback_data.fact
    ):
        return
    await state.clear()
    await show(
        callback, *fact_screen(await facts.current(), callback_data.fact, await facts.overdue())
    )


async def on_start(
    callback: CallbackQuery, callback_data: FactCb, state: FSMContext, facts: FactService
):
    """Add, correct or end: the first question of the dialogue."""
    name = callback_data.fact
    if not await admin(callback, facts, "a fact change") or not await known(callback, facts, name):
        return
    fact = (await facts.current()).facts[name]
    mode = callback_data.action.value
    draft = fact.values[-1].model_dump(mode="json")
    steps = STEPS[mode]
    if fact.unit == "period":  # a pilot: its days are the value
        steps = tuple(step for step in steps if step != "value")
    if mode == "add":
        draft = {"value": 1, "source": {"title": "", "url": None}}
    await state.set_state(FactsFlow.typing)
    data = {"fact": name, "mode": mode, "steps": list(steps), "step": 0, "draft": draft}
    await state.set_data(data)
    await show(
        callback,
        PROMPTS[steps[0]](),
        column([(_("✖️ Cancel"), FactCb(action=FactAction.drop, fact=name))]),
    )


def take(step: str, text: str, draft: dict[str, Any], today: date) -> str | None:
    """Put the typed answer into the draft; the reason when it is refused."""
    text = text.strip()
    if step == "value":
        digits = text.replace(" ", "").replace("\u00a0", "").replace(",", "")
        if not digits.isdigit() or not 0 < int(digits) < MAX_VALUE:
            return refusal("value")
        draft["value"] = int(digits)
    elif step in ("from", "until"):
        if step == "until" and text == NONE:
            draft["valid_until"] = None
            return None
        try:
            day = parse_date(text, today)
        except DateInputError:
            return "⚠️ " + _("This is not a date. Type it as 31.12.2027.")
        start = draft.get("valid_from")
        if step == "until" and start and day < date.fromisoformat(start):
            return refusal("order")
        draft["valid_from" if step == "from" else "valid_until"] = day.isoformat()
    elif step == "title":
        checked = check.text(text, TITLE_LIMIT)
        if isinstance(checked, Unreadable):
            return refused_text(checked)
        draft["source"]["title"] = checked
    elif step == "url":
        if text == NONE:
            draft["source"]["url"] = None
            return None
        link = check.url(text)
        if isinstance(link, Unreadable):
            return refused_text(link)
        draft["source"]["url"] = link
    return None


async def on_typed(message: Message, state: FSMContext, facts: FactService, i18n: I18n):
    if not await admin(message, facts, "a typed fact value"):
        await state.clear()
        return
    data = await state.get_data()
    name, draft = data["fact"], data["draft"]
    steps = data["steps"]
    if data["step"] >= len(steps):  # the preview is out: its buttons decide
        await message.answer(_("Save this change?"), reply_markup=save_markup(name))
        return
    step = steps[data["step"]]
    problem = take(step, message.text or "", draft, facts.today())
    if problem is not None:
        await message.answer(problem + "\n" + PROMPTS[step]())
        return
    if data["step"] + 1 < len(steps):
        await state.update_data(step=data["step"] + 1, draft=draft)
        await message.answer(PROMPTS[steps[data["step"] + 1]]())
        return
    draft["checked_on"] = facts.today().isoformat()
    dated = DatedValue.model_validate(draft)
    book = await facts.current()
    if data["mode"] == "add" and (cut := ending_before(book, name, dated.valid_from)):
        book = with_values(book, name, cut.valid_from, cut)  # the open period ends before it
    try:
        preview_book = with_values(book, name, dated.valid_from, dated)
    except ValueError:
        backwards = dated.valid_until is not None and dated.valid_until < dated.valid_from
        await message.answer(refusal("order" if backwards else "overlap"))
        await state.clear()
        return
    await state.update_data(draft=dated.model_dump(mode="json"), step=len(steps))
    await message.answer(
        preview_text(i18n, preview_book, name, dated), reply_markup=save_markup(name)
    )


async def on_save(
    callback: CallbackQuery, callback_data: FactCb, state: FSMContext, facts: FactService
):
    if not await admin(callback, facts, "a fact save"):
        return
    data = await state.get_data()
    name = callback_data.fact
    ready = await state.get_state() == FactsFlow.typing.state and data.get("fact") == name
    if not ready or data.get("step") != len(data.get("steps", ())):
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    dated = DatedValue.model_validate(data["draft"])
    try:
        await facts.put(name, dated.valid_from, dated, data["mode"], user_id_of(callback))
    except Refused as error:
        await callback.answer(refusal(error.reason), show_alert=True)
        return
    await state.clear()
    book = await facts.current()
    text, markup = fact_screen(book, name, await facts.overdue())
    await show(callback, _("✅ Saved. Users see it now.") + "\n\n" + text, markup)


async def on_drop(
    callback: CallbackQuery, callback_data: FactCb, state: FSMContext, facts: FactService
):
    if not await admin(callback, facts, "a fact cancel"):
        return
    await state.clear()
    if callback_data.fact not in (await facts.current()).facts:
        await show(callback, *home_screen(await facts.current(), await facts.overdue()))
        return
    await show(
        callback, *fact_screen(await facts.current(), callback_data.fact, await facts.overdue())
    )


async def on_confirm(callback: CallbackQuery, callback_data: FactCb, facts: FactService):
    name = callback_data.fact
    if not await admin(callback, facts, "a fact confirmation") or not await known(
        callback, facts, name
    ):
        return
    book = await facts.current()
    today = facts.today()
    values = book.facts[name].values
    dated = next((v for v in values if v.covers(today)), values[-1])
    confirmed = dated.model_copy(update={"checked_on": today})
    await facts.put(name, dated.valid_from, confirmed, "confirm", user_id_of(callback))
    text, markup = fact_screen(await facts.current(), name, await facts.overdue())
    await show(callback, _("✅ Confirmed as checked today.") + "\n\n" + text, markup)


async def on_history(
    callback: CallbackQuery, callback_data: FactCb, facts: FactService, profile: Profile | None
):
    name = callback_data.fact
    if not await admin(callback, facts, "fact changes") or not await known(callback, facts, name):
        return
    zone = ZoneInfo(profile.timezone) if profile else facts.timezone
    await show(callback, *history_screen(name, await facts.history(name), zone))


async def on_revert(callback: CallbackQuery, callback_data: FactCb, facts: FactService):
    name = callback_data.fact
    if not await admin(callback, facts, "a fact revert") or not await known(callback, facts, name):
        return
    change = await facts.change(callback_data.id)
    if change is None or change.fact != name:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    if callback_data.value != "yes":
        yes = FactCb(action=FactAction.revert, fact=name, id=change.id, value="yes")
        no = FactCb(action=FactAction.history, fact=name)
        await show(
            callback,
            _("↩️ Revert change #{id}? The period goes back to how it was before it.").format(
                id=change.id
            ),
            column([(_("↩️ Yes, revert"), yes), (_("✖️ Cancel"), no)]),
        )
        return
    try:
        await facts.revert(change.id, user_id_of(callback))
    except Refused as error:
        await callback.answer(refusal(error.reason), show_alert=True)
        return
    text, markup = fact_screen(await facts.current(), name, await facts.overdue())
    await show(callback, _("↩️ Reverted. Users see it now.") + "\n\n" + text, markup)


async def ask_typing(event: Event, state: FSMContext, **extra: Any) -> None:
    """After a restart mid-dialogue: the question the dialogue is at."""
    data = await state.get_data()
    steps = data.get("steps", ())
    step = data.get("step", 0)
    if step < len(steps):
        await show(event, PROMPTS[steps[step]]())
    else:
        await show(event, _("Save this change?"), save_markup(data.get("fact", "")))


def build_router(wiring: Wiring) -> Router:
    router = Router(name="facts")
    cb = FactCb.filter
    action = F.action
    router.message.register(on_facts, Command("facts"))
    router.callback_query.register(on_home, cb(action == FactAction.home))
    router.callback_query.register(on_group, cb(action == FactAction.group))
    router.callback_query.register(on_fact, cb(action == FactAction.fact))
    router.callback_query.register(
        on_start, cb(action.in_({FactAction.add, FactAction.correct, FactAction.end}))
    )
    router.callback_query.register(on_save, cb(action == FactAction.save))
    router.callback_query.register(on_drop, cb(action == FactAction.drop))
    router.callback_query.register(on_confirm, cb(action == FactAction.confirm))
    router.callback_query.register(on_history, cb(action == FactAction.history))
    router.callback_query.register(on_revert, cb(action == FactAction.revert))
    router.message.register(on_typed, StateFilter(FactsFlow.typing), not_a_command)
    wiring.prompt(FactsFlow.typing, ask_typing)
    return router
