"""/reminders: upcoming deadlines in local time, snooze, switch off, done, calendar file;
the reminder messages themselves; and adding a deadline of one's own."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_time

from bot.rules.reminders import days_left
from bot.services.calendar import CalendarEntry, deadlines_ics
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.callbacks import MenuCb
from handlers.dates import date_question, text_then_date
from handlers.filters import menu_item, typed_text
from handlers.prompts import prompt_for
from handlers.ui import column, current_locale, keyboard, show, show_menu

MAX_TITLE = 100
PERSONAL = "personal"


class DeadlineCb(CallbackData, prefix="dl"):
    action: str  # open | snooze1 | snooze3 | off | done | again
    id: int


class OwnDeadline(StatesGroup):
    title = State()
    day = State()


@dataclass(frozen=True)
class ReminderKind:
    title: Callable[[dict[str, Any]], str]  # called in the user's locale
    guide: str | None = None  # the menu item that opens the guide


KINDS: dict[str, ReminderKind] = {
    PERSONAL: ReminderKind(title=lambda payload: html.escape(payload.get("title", ""))),
}


def register_kind(name: str, title: Callable[[dict[str, Any]], str], guide: str | None) -> None:
    """Features name their deadlines: what the reminder says and which guide it opens."""
    KINDS[name] = ReminderKind(title, guide)


def title_of(kind: str, payload: dict[str, Any]) -> str:
    known = KINDS.get(kind)
    return known.title(payload) if known else _("Deadline")


def when_phrase(left: int) -> str:
    if left < 0:
        return _("passed")
    if left == 0:
        return _("today")
    if left == 1:
        return _("tomorrow")
    return ngettext("in {n} day", "in {n} days", left).format(n=left)


@lru_cache(maxsize=4096)
def long_date(day: date, locale: str) -> str:
    return format_date(day, "long", locale=locale)


def local_moment(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    local = moment.astimezone(zone)
    day = format_date(local.date(), "medium", locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)}"


class ReminderView:
    """Renders reminder messages for the service's tick (no update context there)."""

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    def __call__(self, deadline: Any, profile: Profile, now: datetime):
        locale = profile.locale or self.i18n.default_locale
        with self.i18n.context(), self.i18n.use_locale(locale):
            zone = ZoneInfo(profile.timezone)
            left = days_left(deadline.due_on, zone, now)
            day = long_date(deadline.due_on, locale)
            text = _("⏰ Reminder: <b>{title}</b>\nDeadline: {day} ({when}).").format(
                title=title_of(deadline.kind, deadline.payload), day=day, when=when_phrase(left)
            )
            buttons = [
                (_("✅ Done"), DeadlineCb(action="done", id=deadline.id)),
                (_("⏰ Remind me tomorrow"), DeadlineCb(action="again", id=deadline.id)),
            ]
            kind = KINDS.get(deadline.kind)
            if kind and kind.guide:
                buttons.append((_("📖 Open the guide"), MenuCb(item=kind.guide)))
            return text, column(buttons)


async def reminders_screen(
    reminders: ReminderService, profile: Profile | None
) -> tuple[str, InlineKeyboardMarkup]:
    locale = current_locale()
    add = (_("➕ Add my own deadline"), MenuCb(item="own_deadline"))
    back = (_("◀️ Menu"), MenuCb(item="menu"))
    items = await reminders.upcoming(profile.id) if profile else []
    if not items:
        text = _(
            "⏰ <b>Your reminders</b>\n\nNo deadlines yet. Guides add them when you ask "
            "(for example, your registration deadline), or add your own."
        )
        return text, column([add, back])
    zone = ZoneInfo(profile.timezone)
    now = reminders.clock.now()
    lines = [_("⏰ <b>Your reminders</b> (times in {zone})").format(zone=profile.timezone)]
    buttons = []
    for number, (deadline, pending) in enumerate(items, start=1):
        title = title_of(deadline.kind, deadline.payload)
        day = long_date(deadline.due_on, locale)
        left = when_phrase(days_left(deadline.due_on, zone, now))
        lines.append(f"\n{number}. <b>{title}</b> — {day} ({left})")
        if pending:
            lines.append(
                _("Next reminder: {moment}").format(
                    moment=local_moment(pending[0].due_at, zone, locale)
                )
            )
        else:
            lines.append(_("No more reminders for this deadline."))
        label = html.unescape(title)
        buttons.append((f"{number}. {label[:40]}", DeadlineCb(action="open", id=deadline.id)))
    buttons += [(_("📅 Add to calendar (.ics)"), MenuCb(item="calendar")), add, back]
    return "\n".join(lines), column(buttons)


async def on_reminders(
    event: Message | CallbackQuery, reminders: ReminderService, profile: Profile | None
):
    await show(event, *await reminders_screen(reminders, profile))


async def deadline_screen(reminders: ReminderService, profile: Profile, deadline_id: int):
    items = dict((d.id, (d, pending)) for d, pending in await reminders.upcoming(profile.id))
    if deadline_id not in items:
        return None
    deadline, pending = items[deadline_id]
    locale = current_locale()
    zone = ZoneInfo(profile.timezone)
    left = when_phrase(days_left(deadline.due_on, zone, reminders.clock.now()))
    lines = [
        f"<b>{title_of(deadline.kind, deadline.payload)}</b>",
        _("Deadline: {day} ({when}).").format(day=long_date(deadline.due_on, locale), when=left),
        _("Reminders (your time, {zone}):").format(zone=profile.timezone),
    ]
    lines += [f"• {local_moment(r.due_at, zone, locale)}" for r in pending] or [
        _("No more reminders for this deadline.")
    ]
    markup = keyboard(
        [
            (_("⏰ +1 day"), DeadlineCb(action="snooze1", id=deadline.id)),
            (_("⏰ +3 days"), DeadlineCb(action="snooze3", id=deadline.id)),
        ],
        [
            (_("✅ Done"), DeadlineCb(action="done", id=deadline.id)),
            (_("🔕 Switch off"), DeadlineCb(action="off", id=deadline.id)),
        ],
        [(_("◀️ All reminders"), MenuCb(item="reminders"))],
    )
    return "\n".join(lines), markup


async def on_deadline(
    callback: CallbackQuery,
    callback_data: DeadlineCb,
    reminders: ReminderService,
    profile: Profile | None,
):
    action, deadline_id = callback_data.action, callback_data.id
    if profile is None or await reminders.deadline(profile.id, deadline_id) is None:
        await show_menu(callback, profile, _("This reminder is no longer there."), edit=False)
        return
    if action in ("done", "off"):
        await reminders.close(profile.id, deadline_id, action)
        note = (
            _("✅ Marked as done. No more reminders for it.")
            if action == "done"
            else _("🔕 Reminders for this deadline are off.")
        )
        text, markup = await reminders_screen(reminders, profile)
        await show(callback, f"{note}\n\n{text}", markup, edit=action == "off")
        return
    if action in ("snooze1", "snooze3", "again"):
        days = 3 if action == "snooze3" else 1
        when = await (
            reminders.remind_again(profile.id, deadline_id)
            if action == "again"
            else reminders.snooze(profile.id, deadline_id, days)
        )
        if when is None:
            await callback.answer(
                _("The deadline is too close to move the reminder."), show_alert=True
            )
            return
        moment = local_moment(when, ZoneInfo(profile.timezone), current_locale())
        if action == "again":
            await callback.answer(_("I will remind you again on {moment}.").format(moment=moment))
            return
        await callback.answer(_("Next reminder: {moment}").format(moment=moment))
    screen = await deadline_screen(reminders, profile, deadline_id)
    if screen is None:
        await show(callback, *await reminders_screen(reminders, profile))
    else:
        await show(callback, *screen)


async def on_calendar(callback: CallbackQuery, reminders: ReminderService, profile: Profile | None):
    items = await reminders.upcoming(profile.id) if profile else []
    if not items:
        await show(callback, *await reminders_screen(reminders, profile))
        return
    entries = [
        CalendarEntry(
            uid=f"joldas-{deadline.id}-{deadline.dedupe_key}",
            day=deadline.due_on,
            title=html.unescape(title_of(deadline.kind, deadline.payload)),
            description=_("Reminder from Joldas. Check the rules at egov.kz or call 1414."),
        )
        for deadline, _pending in items
    ]
    data = deadlines_ics(entries, reminders.clock.now())
    await callback.answer()
    await callback.bot.send_document(
        callback.from_user.id,
        BufferedInputFile(data, filename="joldas-deadlines.ics"),
        caption=_("📅 Your deadlines. Open the file to add them to your phone's calendar."),
    )


@prompt_for(OwnDeadline.title)
async def ask_title(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(
        event, _("What should I remind you about? A few words, for example “Renew my insurance”.")
    )


async def on_own_deadline(callback: CallbackQuery, state: FSMContext):
    await state.set_state(OwnDeadline.title)
    await ask_title(callback, state)


async def on_title(message: Message, state: FSMContext, **data: Any):
    await text_then_date(message, state, "title", MAX_TITLE, OwnDeadline.day, **data)


@date_question(
    OwnDeadline.day,
    lambda: _("When is the deadline?"),
    lambda today, _data: (today, today + timedelta(days=5 * 366)),
    quick=(0, 1, 7, 30),
)
async def save_own_deadline(
    event: Message | CallbackQuery,
    state: FSMContext,
    day: date,
    reminders: ReminderService,
    profile: Profile | None,
    **extra: Any,
):
    title = (await state.get_data()).get("title", "")
    await state.clear()
    user_id = event.from_user.id
    await reminders.schedule(
        user_id, PERSONAL, day, {"title": title}, dedupe_key=f"{PERSONAL}:{uuid.uuid4().hex[:12]}"
    )
    text, markup = await reminders_screen(reminders, profile)
    lead = _(
        "✅ Saved. I will remind you 7, 3 and 1 days before and on the day, at 10:00 your "
        "time (never at night)."
    )
    await show(event, f"{lead}\n\n{text}", markup)


def build_router() -> Router:
    router = Router(name="reminders")
    router.message.register(on_reminders, Command("reminders"))
    router.callback_query.register(on_reminders, menu_item("reminders"))
    router.callback_query.register(on_calendar, menu_item("calendar"))
    router.callback_query.register(on_own_deadline, menu_item("own_deadline"))
    router.callback_query.register(on_deadline, DeadlineCb.filter())
    router.message.register(on_title, StateFilter(OwnDeadline.title), typed_text)
    return router
