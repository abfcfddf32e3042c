"""/reminders: upcoming deadlines in local time, snooze, switch off, done, a calendar file,
and adding a deadline of one's own. (The reminder messages: handlers.views.reminders.)"""

from __future__ import annotations

import html
import uuid
from datetime import date, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.rules.reminders import days_left, local_today
from bot.services.calendar import CalendarEntry, deadlines_ics
from bot.services.reminders import ReminderService
from bot.services.users import Profile, UserService
from handlers.filters import menu_item, typed_text
from handlers.views.callbacks import DeadlineAction, DeadlineCb, MenuCb
from handlers.views.dates import text_then_date
from handlers.views.guide import contact_centre
from handlers.views.reminders import (
    PERSONAL,
    local_moment,
    long_date,
    personal_title,
    promise_line,
    title_of,
    when_phrase,
    zones_line,
)
from handlers.views.ui import (
    Button,
    column,
    current_locale,
    keyboard,
    menu_button,
    show,
    show_menu,
)
from handlers.views.zones import zone_label
from handlers.wiring import Wiring
from storage.records import PersonalRecord

MAX_TITLE = 100


class OwnDeadline(StatesGroup):
    title = State()
    day = State()


async def reminders_screen(
    reminders: ReminderService, profile: Profile | None, wiring: Wiring
) -> tuple[str, InlineKeyboardMarkup]:
    locale = current_locale()
    add: Button = (_("➕ Add my own deadline"), MenuCb(item="own_deadline"))
    items = await reminders.upcoming(profile.id) if profile else []
    if profile is None or not items:
        text = _(
            "⏰ <b>Your reminders</b>\n\nNo deadlines yet. Guides add them when you ask "
            "(for example, your registration deadline), or add your own."
        )
        return text, column([add, menu_button()])
    plan = await reminders.plan_of(profile.id)
    now = reminders.clock.now()
    zone = plan.at(now)
    lines = [
        _("⏰ <b>Your reminders</b> (times in {zone})").format(
            zone=zone_label(profile.timezone, locale, now)
        )
    ]
    if switch := zones_line(plan, local_today(now, zone), locale, now):
        lines[0] = _("⏰ <b>Your reminders</b>") + "\n" + switch
    buttons: list[Button] = []
    for number, (deadline, pending) in enumerate(items, start=1):
        title = title_of(wiring, deadline.kind, deadline.payload)
        day = long_date(deadline.due_on, locale)
        left = when_phrase(days_left(deadline.due_on, zone, now))
        lines.append(f"\n{number}. <b>{title}</b> — {day} ({left})")
        if pending:
            first = pending[0].due_at
            lines.append(
                _("Next reminder: {moment}").format(
                    moment=local_moment(first, plan.at(first), locale)
                )
            )
        else:
            lines.append(_("No more reminders for this deadline."))
        label = html.unescape(title)
        buttons.append(
            (f"{number}. {label[:40]}", DeadlineCb(action=DeadlineAction.open, id=deadline.id))
        )
    buttons += [(_("📅 Add to calendar (.ics)"), MenuCb(item="calendar")), add, menu_button()]
    return "\n".join(lines), column(buttons)


async def on_reminders(
    event: Message | CallbackQuery,
    reminders: ReminderService,
    profile: Profile | None,
    wiring: Wiring,
):
    await show(event, *await reminders_screen(reminders, profile, wiring))


async def deadline_screen(
    reminders: ReminderService, profile: Profile, deadline_id: int, wiring: Wiring
) -> tuple[str, InlineKeyboardMarkup] | None:
    items = {d.id: (d, pending) for d, pending in await reminders.upcoming(profile.id)}
    if deadline_id not in items:
        return None
    deadline, pending = items[deadline_id]
    locale = current_locale()
    plan = await reminders.plan_of(profile.id)
    now = reminders.clock.now()
    zone = plan.at(now)
    left = when_phrase(days_left(deadline.due_on, zone, now))
    switch = zones_line(plan, local_today(now, zone), locale, now)
    lines = [
        f"<b>{title_of(wiring, deadline.kind, deadline.payload)}</b>",
        _("Deadline: {day} ({when}).").format(day=long_date(deadline.due_on, locale), when=left),
        switch
        or _("Reminders (your time, {zone}):").format(
            zone=zone_label(profile.timezone, locale, now)
        ),
    ]
    lines += [f"• {local_moment(r.due_at, plan.at(r.due_at), locale)}" for r in pending] or [
        _("No more reminders for this deadline.")
    ]
    markup = keyboard(
        [
            (_("⏰ +1 day"), DeadlineCb(action=DeadlineAction.snooze1, id=deadline.id)),
            (_("⏰ +3 days"), DeadlineCb(action=DeadlineAction.snooze3, id=deadline.id)),
        ],
        [
            (_("✅ Done"), DeadlineCb(action=DeadlineAction.done, id=deadline.id)),
            (_("🔕 Switch off"), DeadlineCb(action=DeadlineAction.off, id=deadline.id)),
        ],
        [(_("◀️ All reminders"), MenuCb(item="reminders"))],
    )
    return "\n".join(lines), markup


async def deadline_owner(
    callback: CallbackQuery,
    callback_data: DeadlineCb,
    reminders: ReminderService,
    profile: Profile | None,
) -> Profile | None:
    """The user's profile if the pressed deadline is theirs; if not, None after the menu."""
    if profile is None or await reminders.deadline(profile.id, callback_data.id) is None:
        await show_menu(callback, profile, _("This reminder is no longer there."), edit=False)
        return None
    return profile


async def show_deadline(
    callback: CallbackQuery,
    reminders: ReminderService,
    profile: Profile,
    deadline_id: int,
    wiring: Wiring,
) -> None:
    screen = await deadline_screen(reminders, profile, deadline_id, wiring)
    await show(callback, *(screen or await reminders_screen(reminders, profile, wiring)))


async def on_open(
    callback: CallbackQuery,
    callback_data: DeadlineCb,
    reminders: ReminderService,
    profile: Profile | None,
    wiring: Wiring,
) -> None:
    profile = await deadline_owner(callback, callback_data, reminders, profile)
    if profile is not None:
        await show_deadline(callback, reminders, profile, callback_data.id, wiring)


async def on_close(
    callback: CallbackQuery,
    callback_data: DeadlineCb,
    reminders: ReminderService,
    profile: Profile | None,
    wiring: Wiring,
):
    """Done, or switch off: the ladder stops."""
    profile = await deadline_owner(callback, callback_data, reminders, profile)
    if profile is None:
        return
    done = callback_data.action is DeadlineAction.done
    await reminders.close(profile.id, callback_data.id, callback_data.action.value)
    note = (
        _("✅ Marked as done. No more reminders for it.")
        if done
        else _("🔕 Reminders for this deadline are off.")
    )
    text, markup = await reminders_screen(reminders, profile, wiring)
    await show(callback, f"{note}\n\n{text}", markup, edit=not done)


async def on_snooze(
    callback: CallbackQuery,
    callback_data: DeadlineCb,
    reminders: ReminderService,
    profile: Profile | None,
    wiring: Wiring,
):
    """+1 / +3 days on the deadline's screen, or "remind me tomorrow" under a reminder."""
    profile = await deadline_owner(callback, callback_data, reminders, profile)
    if profile is None:
        return
    action, deadline_id = callback_data.action, callback_data.id
    again = action is DeadlineAction.again
    when = await (
        reminders.remind_again(profile.id, deadline_id)
        if again
        else reminders.snooze(profile.id, deadline_id, 3 if action is DeadlineAction.snooze3 else 1)
    )
    if when is None:
        await callback.answer(_("The deadline is too close to move the reminder."), show_alert=True)
        return
    plan = await reminders.plan_of(profile.id)
    moment = local_moment(when, plan.at(when), current_locale())
    if again:
        await callback.answer(_("I will remind you again on {moment}.").format(moment=moment))
        return
    await callback.answer(_("Next reminder: {moment}").format(moment=moment))
    await show_deadline(callback, reminders, profile, deadline_id, wiring)


async def on_calendar(
    callback: CallbackQuery,
    reminders: ReminderService,
    profile: Profile | None,
    wiring: Wiring,
    bot: Bot,
) -> None:
    items = await reminders.upcoming(profile.id) if profile else []
    if not items:
        await show(callback, *await reminders_screen(reminders, profile, wiring))
        return
    entries = [
        CalendarEntry(
            uid=f"joldas-{deadline.id}-{deadline.dedupe_key}",
            day=deadline.due_on,
            title=html.unescape(title_of(wiring, deadline.kind, deadline.payload)),
            description=_(
                "Reminder from Joldas. Check the rules at egov.kz or call {contact_centre}."
            ).format(contact_centre=contact_centre()),
        )
        for deadline, _pending in items
    ]
    data = deadlines_ics(entries, reminders.clock.now())
    await callback.answer()
    await bot.send_document(
        callback.from_user.id,
        BufferedInputFile(data, filename="joldas-deadlines.ics"),
        caption=_("📅 Your deadlines. Open the file to add them to your phone's calendar."),
    )


async def ask_title(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(
        event, _("What should I remind you about? A few words, for example “Renew my insurance”.")
    )


async def on_own_deadline(
    callback: CallbackQuery, state: FSMContext, users: UserService, profile: Profile | None
):
    if profile is None:  # before /start: the deadline needs the user kept, in this language
        await users.save(callback.from_user.id, locale=current_locale())
    await state.set_state(OwnDeadline.title)
    await ask_title(callback, state)


async def on_title(message: Message, state: FSMContext, **data: Any):
    await text_then_date(message, state, "title", MAX_TITLE, OwnDeadline.day, **data)


async def save_own_deadline(
    event: Message | CallbackQuery,
    state: FSMContext,
    day: date,
    reminders: ReminderService,
    profile: Profile,
    wiring: Wiring,
    **extra: Any,
):
    record = PersonalRecord(title=(await state.get_data()).get("title", ""))
    await state.clear()
    key = f"{PERSONAL}:{uuid.uuid4().hex[:12]}"
    await reminders.schedule(profile.id, PERSONAL, day, record, dedupe_key=key)
    text, markup = await reminders_screen(reminders, profile, wiring)
    plan = await reminders.plan_of(profile.id)
    promise = promise_line(await reminders.pending(profile.id, key), plan, current_locale())
    lead = _("✅ Saved.")
    await show(event, f"{lead} {promise}\n\n{text}", markup)


def build_router(wiring: Wiring) -> Router:
    router = Router(name="reminders")
    router.message.register(on_reminders, Command("reminders"))
    router.callback_query.register(on_reminders, menu_item("reminders"))
    router.callback_query.register(on_calendar, menu_item("calendar"))
    router.callback_query.register(on_own_deadline, menu_item("own_deadline"))
    router.callback_query.register(on_open, DeadlineCb.filter(F.action == DeadlineAction.open))
    router.callback_query.register(
        on_close, DeadlineCb.filter(F.action.in_({DeadlineAction.done, DeadlineAction.off}))
    )
    router.callback_query.register(
        on_snooze,
        DeadlineCb.filter(
            F.action.in_({DeadlineAction.snooze1, DeadlineAction.snooze3, DeadlineAction.again})
        ),
    )
    router.message.register(on_title, StateFilter(OwnDeadline.title), typed_text)
    wiring.prompt(OwnDeadline.title, ask_title)
    wiring.date_question(
        OwnDeadline.day,
        lambda: _("When is the deadline?"),
        lambda today, _data: (today, today + timedelta(days=5 * 366)),
        save_own_deadline,
        quick=(0, 1, 7, 30),
    )
    wiring.reminder_kind(PERSONAL, personal_title, record=PersonalRecord)
    return router
