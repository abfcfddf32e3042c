"""Before you go: the pre-departure checklist, ticked item by item, with reminders for
what is still open before the departure date the user gives. The list shows the items; what
each one means is one press away (in as many messages as it takes)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.content.abroad import checklist
from bot.rules.reminders import local_today
from bot.services.checklist import ChecklistService
from bot.services.reminders import DEPARTURE, ReminderService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.abroad import abroad_source_line, one_stop, pages
from handlers.views.callbacks import ChecklistAction, ChecklistCb, MenuCb
from handlers.views.dates import ask_date
from handlers.views.guide import day_text, today_of
from handlers.views.reminders import zones_line
from handlers.views.ui import (
    Button,
    column,
    current_locale,
    menu_button,
    menu_label,
    out_of_date,
    show,
)
from handlers.wiring import Wiring
from storage.records import DepartureRecord

KEY = DEPARTURE
TIPS = "checklist_tips"  # the menu entry of "what each item means"


def reminder_title(record: DepartureRecord) -> str:
    return ngettext(
        "Departure: {n} item of your checklist is still open",
        "Departure: {n} items of your checklist are still open",
        record.open,
    ).format(n=record.open)


class DepartureFlow(StatesGroup):
    day = State()


def checklist_screen(
    done: set[str], departure: date | None, zones: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """`zones`: which time zone the reminders keep before and after the departure."""
    data = checklist()
    locale = current_locale()
    items = data.items
    ticked = sum(item.id in done for item in items)
    lines = [
        _("🧳 <b>Before you go</b>"),
        _("Done: {done} of {total}. Tap an item to tick it or untick it.").format(
            done=ticked, total=len(items)
        ),
        "",
    ]
    for item in items:
        mark = "✅" if item.id in done else "⬜"
        lines.append(f"{mark} <b>{item.title.in_(locale)}</b>")
    lines.append("")
    if departure is None:
        lines.append(_("Tell me your departure date and I will remind you of what is still open."))
    elif ticked == len(items):
        lines.append(
            _("✈️ Departure: {day}. Everything is ready: have a safe journey!").format(
                day=day_text(departure)
            )
        )
    else:
        lines.append(
            _("✈️ Departure: {day}. ⏰ I will remind you of the open items before it.").format(
                day=day_text(departure)
            )
        )
        if zones:
            lines.append(zones)
    lines.append(abroad_source_line(data))
    buttons: list[Button] = [
        (
            f"{'✅' if item.id in done else '⬜'} {item.title.in_(locale)}",
            ChecklistCb(action=ChecklistAction.tick, item=item.id),
        )
        for item in items
    ]
    label = _("📅 Change departure date") if departure else _("📅 Set departure date")
    buttons += [
        (label, ChecklistCb(action=ChecklistAction.date)),
        (tips_label(), MenuCb(item=TIPS)),
        menu_button(),
    ]
    return one_stop("\n".join(lines)), column(buttons)


def tips_label() -> str:
    return _("💡 What each item means")


def tips_pages() -> list[str]:
    """What each item means, in messages that fit; the source ends the last one, after the
    last item (never alone)."""
    data = checklist()
    locale = current_locale()
    blocks = [f"<b>{tips_label()}</b>"]
    blocks += [f"<b>{item.title.in_(locale)}</b>\n{item.hint.in_(locale)}" for item in data.items]
    blocks[-1] += "\n\n" + abroad_source_line(data)
    return pages(blocks)


async def on_tips(callback: CallbackQuery, bot: Bot):
    """New messages below the checklist, which stays usable above."""
    await callback.answer()
    *first, last = tips_pages()
    for page in first:
        await bot.send_message(callback.from_user.id, page)
    markup = column([(menu_label("checklist"), MenuCb(item="checklist")), menu_button()])
    await bot.send_message(callback.from_user.id, last, reply_markup=markup)


async def departure_of(reminders: ReminderService, profile: Profile | None) -> date | None:
    if profile is None:
        return None
    found = await reminders.active_by_key(profile.id, KEY)
    return found.due_on if found is not None else None


async def zones_of(reminders: ReminderService, profile: Profile | None) -> str | None:
    """Until the departure the reminders keep Kazakhstan's time: said when it differs."""
    if profile is None:
        return None
    plan, now = await reminders.plan_of(profile.id), reminders.clock.now()
    return zones_line(plan, local_today(now, plan.at(now)), current_locale(), now)


async def remind_open_items(
    reminders: ReminderService, user_id: int, departure: date, done: set[str]
) -> None:
    """Reminders before departure while something is open; none once all is ticked."""
    data = checklist()
    left = sum(item.id not in done for item in data.items)
    days = tuple(data.remind_days_before) if left else ()
    await reminders.schedule(
        user_id, KEY, departure, DepartureRecord(open=left), dedupe_key=KEY, days_before=days
    )


async def on_checklist(
    callback: CallbackQuery,
    state: FSMContext,
    profile: Profile | None,
    checklists: ChecklistService,
    reminders: ReminderService,
):
    await state.clear()
    done = await checklists.done(callback.from_user.id)
    departure = await departure_of(reminders, profile)
    await show(callback, *checklist_screen(done, departure, await zones_of(reminders, profile)))


async def on_date_button(callback: CallbackQuery, state: FSMContext, **data: Any):
    await state.set_state(DepartureFlow.day)
    await ask_date(callback, state, **data)


async def on_tick(
    callback: CallbackQuery,
    callback_data: ChecklistCb,
    profile: Profile | None,
    checklists: ChecklistService,
    reminders: ReminderService,
):
    if callback_data.item not in {item.id for item in checklist().items}:
        await out_of_date(callback, menu=False)
        return
    user_id = callback.from_user.id
    done = await checklists.toggle(user_id, callback_data.item)
    departure = await departure_of(reminders, profile)
    if departure is not None:
        await remind_open_items(reminders, user_id, departure, done)
    await show(callback, *checklist_screen(done, departure, await zones_of(reminders, profile)))


async def on_departure(
    event: Message | CallbackQuery,
    state: FSMContext,
    day: date,
    profile: Profile,
    checklists: ChecklistService,
    reminders: ReminderService,
    **extra: Any,
):
    await state.clear()
    done = await checklists.done(profile.id)
    await remind_open_items(reminders, profile.id, day, done)
    today = await today_of(reminders, profile)
    text, markup = checklist_screen(done, day, await zones_of(reminders, profile))
    lead = ngettext(
        "✅ Saved: {n} day to go.", "✅ Saved: {n} days to go.", (day - today).days
    ).format(n=(day - today).days)
    await show(event, f"{lead}\n\n{text}", markup)


def build_router(wiring: Wiring) -> Router:
    router = Router(name="checklist")
    router.callback_query.register(on_checklist, menu_item("checklist"))
    router.callback_query.register(on_tips, menu_item(TIPS))
    router.callback_query.register(
        on_date_button, ChecklistCb.filter(F.action == ChecklistAction.date)
    )
    router.callback_query.register(on_tick, ChecklistCb.filter(F.action == ChecklistAction.tick))
    wiring.date_question(
        DepartureFlow.day,
        lambda: _("📅 When do you leave?"),
        lambda today, _data: (today, today + timedelta(days=2 * 365)),
        on_departure,
        quick=(7, 30),
    )
    wiring.reminder_kind(KEY, reminder_title, guide="checklist", record=DepartureRecord)
    return router
