"""Registration: the last day to register a stay, the steps, and a change of address."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.content.migrants import facts
from bot.rules.registration import (
    RegistrationDeadline,
    address_change_deadline,
    registration_deadline,
)
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import RegAction, RegCb
from handlers.views.dates import ask_date
from handlers.views.guide import day_text, source_line, today_of, with_citizenship
from handlers.views.reminders import when_phrase
from handlers.views.ui import Button, column, menu_button, out_of_date, show
from handlers.wiring import Wiring
from storage.records import EmptyRecord


class RegistrationFlow(StatesGroup):
    entry = State()
    moved = State()


def deadline_for(entered: date, citizenship: str | None) -> RegistrationDeadline:
    rules = facts().registration
    return registration_deadline(
        entered,
        citizenship,
        self_registration_from=rules.self_registration_from,
        self_registration_days=rules.self_registration_calendar_days,
        host_notice_working_days=rules.host_notice_working_days,
        exempt_first_days=rules.exempt_first_days,
    )


def rule_text(result: RegistrationDeadline) -> str:
    rules = facts().registration
    if result.rule == "self_online":
        return _(
            "Since 1 July 2026 you register yourself online in the migration police system "
            "no later than the {days}th calendar day after crossing the border.\n\n"
            "<b>Steps</b>\n1. Fill in the registration online (egov.kz or the migration "
            "police app): passport data and the address where you live.\n2. The owner of "
            "your housing confirms it in the mobile app.\n3. The electronic registration "
            "certificate appears in your account.\n\n<b>You need</b>: your passport with the "
            "border stamp and your address. It can be refused for false data, an overstay or "
            "the owner's refusal.\n<i>Not confirmed: whether the host's 3-day notice "
            "continues beside the new system.</i>"
        ).format(days=rules.self_registration_calendar_days)
    if result.rule == "exempt_then_register":
        return _(
            "You entered before 1 July 2026. Citizens of Uzbekistan could stay {days} days "
            "without registration (entries since 27 January 2023); a longer stay had to be "
            "registered by then."
        ).format(days=rules.exempt_first_days.get("UZ", 30))
    return _(
        "You entered before 1 July 2026: the receiving party (hotel, landlord or company) "
        "had to notify the migration police within {days} working days of your arrival: "
        "on paper, on egov.kz / vmp.gov.kz with an electronic signature, or through eQonaq. "
        "Weekends and public holidays do not count."
    ).format(days=rules.host_notice_working_days)


def fines_text() -> str:
    rules = facts().registration
    fines = rules.host_fine_mci
    overstay = rules.overstay
    return _(
        "<b>If it is missed</b>: a host who does not register a guest gets a warning (a "
        "person) or a fine of {small}–{large} MCI (an organisation), art. 518. Overstaying: "
        "a warning up to {warning} days, {fine} MCI up to {fine_days} days, longer means "
        "expulsion and a {ban}-year entry ban, art. 517."
    ).format(
        small=min(fines.values()),
        large=max(fines.values()),
        warning=overstay.warning_up_to_days,
        fine=overstay.fine_mci,
        fine_days=overstay.fine_up_to_days,
        ban=overstay.entry_ban_years,
    )


async def on_registration(
    callback: CallbackQuery, state: FSMContext, profile: Profile | None, **data: Any
):
    if await with_citizenship(callback, profile) is None:
        return
    await state.set_state(RegistrationFlow.entry)
    await state.set_data({})
    await ask_date(callback, state, profile=profile, **data)


async def on_entry(
    event: Message | CallbackQuery,
    state: FSMContext,
    day: date,
    profile: Profile,
    reminders: ReminderService,
    **extra: Any,
):
    await state.clear()
    result = deadline_for(day, profile.citizenship)
    today = await today_of(reminders, profile)
    left = (result.last_day - today).days
    if left < 0:
        lead = _(
            "⚠️ The last day to register was {day}: it has passed. Contact the migration "
            "police or call 1414 as soon as possible."
        ).format(day=day_text(result.last_day))
    else:
        lead = _("📝 <b>Register your stay by {day}</b> ({when}).").format(
            day=day_text(result.last_day), when=when_phrase(left)
        )
    text = "\n\n".join([lead, rule_text(result), fines_text(), source_line(facts().registration)])
    buttons: list[Button] = []
    if left >= 0:
        remind = RegCb(action=RegAction.remind, day=result.last_day.isoformat())
        buttons.append((_("⏰ Remind me"), remind))
    buttons += [(_("🏠 I moved to a new address"), RegCb(action=RegAction.address)), menu_button()]
    await show(event, text, column(buttons))


async def on_moved(
    event: Message | CallbackQuery,
    state: FSMContext,
    day: date,
    profile: Profile,
    reminders: ReminderService,
    **extra: Any,
):
    await state.clear()
    working_days = facts().registration.address_change_working_days
    last_day = address_change_deadline(day, working_days)
    left = (last_day - await today_of(reminders, profile)).days
    text = "\n\n".join(
        [
            _("🏠 <b>Register your new address by {day}</b> ({when}).").format(
                day=day_text(last_day), when=when_phrase(left)
            ),
            _(
                "A change of address is registered within {days} working days (weekends and "
                "public holidays do not count), in the same online service; the new owner "
                "confirms it."
            ).format(days=working_days),
            source_line(facts().registration),
        ]
    )
    buttons = [menu_button()]
    if left >= 0:
        remind = RegCb(action=RegAction.remind_address, day=last_day.isoformat())
        buttons.insert(0, (_("⏰ Remind me"), remind))
    await show(event, text, column(buttons))


async def on_moved_button(
    callback: CallbackQuery, state: FSMContext, profile: Profile | None, **data: Any
):
    if profile is None:
        await out_of_date(callback, profile)
        return
    await state.set_state(RegistrationFlow.moved)
    await ask_date(callback, state, profile=profile, **data)


REMIND_KINDS = {RegAction.remind: "registration", RegAction.remind_address: "address_change"}


async def on_remind(
    callback: CallbackQuery,
    callback_data: RegCb,
    reminders: ReminderService,
    profile: Profile | None,
):
    kind = REMIND_KINDS[callback_data.action]
    try:
        due = date.fromisoformat(callback_data.day)
    except ValueError:
        due = None
    if profile is None or due is None or due < await today_of(reminders, profile):
        await out_of_date(callback, profile)
        return
    await reminders.schedule(profile.id, kind, due, EmptyRecord(), dedupe_key=kind)
    await callback.answer(
        _("⏰ Done: I will remind you before {day}. See /reminders.").format(day=day_text(due)),
        show_alert=True,
    )


def build_router(wiring: Wiring) -> Router:
    router = Router(name="registration")
    router.callback_query.register(on_registration, menu_item("registration"))
    router.callback_query.register(on_moved_button, RegCb.filter(F.action == RegAction.address))
    router.callback_query.register(on_remind, RegCb.filter(F.action.in_(set(REMIND_KINDS))))
    wiring.date_question(
        RegistrationFlow.entry,
        lambda: _("📝 <b>Registration</b>\nWhen did you cross the border into Kazakhstan?"),
        lambda today, _data: (today - timedelta(days=365), today),
        on_entry,
        quick=(0, -1),
    )
    wiring.date_question(
        RegistrationFlow.moved,
        lambda: _("🏠 When did you move to the new address?"),
        lambda today, _data: (today - timedelta(days=60), today),
        on_moved,
        quick=(0, -1),
    )
    wiring.reminder_kind(
        "registration", lambda _record: _("Register your stay in Kazakhstan"), guide="registration"
    )
    wiring.reminder_kind(
        "address_change", lambda _record: _("Register your new address"), guide="registration"
    )
    return router
