"""Registration: the last day to register a stay, the steps, and a change of address."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.content.migrants import category_of, facts, per_entry_days
from bot.rules.registration import (
    RegistrationDeadline,
    address_change_deadline,
    registration_deadline,
)
from bot.rules.stay import overlapping
from bot.rules.workdays import unsettled_years
from bot.services.reminders import ReminderService
from bot.services.trips import TripService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import MenuCb, RegAction, RegCb
from handlers.views.dates import ask_date
from handlers.views.guide import (
    citizenship_name,
    contact_centre,
    day_text,
    short_day,
    source_line,
    today_of,
    with_citizenship,
)
from handlers.views.reminders import when_phrase
from handlers.views.ui import Button, column, menu_button, menu_label, out_of_date, show
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
        per_entry_days=per_entry_days(category_of(citizenship)),
    )


def covered(citizenship: str | None) -> bool:
    """Whether the online self-registration rule is confirmed for this citizenship."""
    return category_of(citizenship) in facts().registration.self_registration_categories


def rule_text(result: RegistrationDeadline) -> str:
    rules = facts().registration
    if result.rule == "self_online":
        return _(
            "Since 1 July 2026 foreigners from countries with visa-free stays of up to 90 "
            "days register themselves online with the migration police within {days} "
            "calendar days of crossing the border."
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


def day_count_note() -> str:
    """Said once on a screen whose date counts calendar days from the entry."""
    return _(
        "<i>I count the day you crossed the border as day 1: the rules on registration "
        "do not say how the days are counted (not confirmed).</i>"
    )


def steps_text() -> str:
    """The self-registration procedure, sent as its own message from the deadline screen."""
    return "\n\n".join(
        [
            _(
                "📝 <b>How registration works</b> (since 1 July 2026)\n"
                "1. You register online with the address where you live.\n"
                "2. The owner of your housing confirms or refuses your registration in a "
                "mobile app.\n"
                "3. An electronic registration certificate appears in your account.\n"
                "It can be refused for false data, an overstay or the owner's refusal.\n"
                "<i>Not confirmed: which website or app to use, the documents asked for, and "
                "whether the host's 3-day notice continues beside the new system.</i>"
            ),
            source_line(facts().registration),
        ]
    )


def fines_text(result: RegistrationDeadline) -> str:
    rules = facts().registration
    fines = rules.host_fine_mci
    overstay = rules.overstay
    figures = {
        "small": min(fines.values()),
        "large": max(fines.values()),
        "warning": overstay.warning_up_to_days,
        "fine": overstay.fine_mci,
        "fine_days": overstay.fine_up_to_days,
        "ban": overstay.entry_ban_years,
    }
    if result.rule == "self_online":
        return _(
            "<b>If it is missed</b>: <i>not confirmed: what happens to a foreigner who does "
            "not register in time.</i> Overstaying: a warning up to {warning} days, {fine} MCI "
            "up to {fine_days} days, longer means expulsion and a {ban}-year entry ban, "
            "art. 517."
        ).format(**figures)
    return _(
        "<b>If it is missed</b>: a host who does not register a guest gets a warning (a "
        "person) or a fine of {small}–{large} MCI (an organisation), art. 518. Overstaying: "
        "a warning up to {warning} days, {fine} MCI up to {fine_days} days, longer means "
        "expulsion and a {ban}-year entry ban, art. 517."
    ).format(**figures)


def not_covered_text(profile: Profile) -> str:
    return _(
        "<i>Your citizenship ({country}) is not in my data: I used the general visa-free "
        "rules, so these dates are not confirmed for you. If you came with a visa or a "
        "permit, its dates and rules apply.</i>"
    ).format(country=citizenship_name(profile))


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
    trips: TripService,
    **extra: Any,
):
    await state.clear()
    result = deadline_for(day, profile.citizenship)
    today = await today_of(reminders, profile)
    if result.must_leave_by is not None:  # the stay ends no later than registration is due
        deadline, action = result.must_leave_by, RegAction.remind_leave
        lead = leave_first_text(result, deadline, profile, today)
    else:
        deadline, action = result.last_day, RegAction.remind
        lead = deadline_lead(result, today) + "\n\n" + rule_text(result)
    if result.rule != "host_notice":  # a date counted in calendar days from the entry
        lead += "\n" + day_count_note()
    else:
        lead += calendar_note(day, result.last_day)
    parts = [lead]
    if result.rule == "self_online" and not covered(profile.citizenship):
        parts.append(not_covered_text(profile))
    parts += [fines_text(result), source_line(facts().registration)]
    buttons: list[Button] = []
    if deadline >= today:
        remind = RegCb(action=action, day=deadline.isoformat())
        buttons.append((_("⏰ Remind me"), remind))
    if result.rule == "self_online":
        buttons.append((_("📝 How registration works"), RegCb(action=RegAction.steps)))
    if overlapping(await trips.of(profile.id), (day, None), today) is None:
        add = RegCb(action=RegAction.trip, day=day.isoformat())
        buttons.append((_("📅 Add this entry to my trips"), add))
    buttons += [(_("🏠 I moved to a new address"), RegCb(action=RegAction.address)), menu_button()]
    await show(event, "\n\n".join(parts), column(buttons))


async def on_steps(callback: CallbackQuery):
    await show(callback, steps_text(), column([menu_button()]), edit=False)


def calendar_note(start: date, end: date) -> str:
    """Working days counted into a year whose transfers of days off are not published yet
    (or not in our calendar): the date may move."""
    years = unsettled_years(start, end)
    if not years:
        return ""
    return "\n" + _(
        "<i>The government's transfers of days off for {year} are not published yet (or "
        "not in my data): this date may move. Check it on egov.kz.</i>"
    ).format(year=", ".join(map(str, years)))


def deadline_lead(result: RegistrationDeadline, today: date) -> str:
    left = (result.last_day - today).days
    if left < 0:
        return _(
            "⚠️ The last day to register was {day}: it has passed. Contact the migration "
            "police or call {contact_centre} as soon as possible."
        ).format(day=day_text(result.last_day), contact_centre=contact_centre())
    return _("📝 <b>Register your stay by {day}</b> ({when}).").format(
        day=day_text(result.last_day), when=when_phrase(left)
    )


def leave_first_text(
    result: RegistrationDeadline, leave_by: date, profile: Profile, today: date
) -> str:
    """A stay capped per entry ends no later than registration is due: leaving leads."""
    figures = {
        "day": day_text(leave_by),
        "when": when_phrase((leave_by - today).days),
        "country": citizenship_name(profile),
        "per_entry": per_entry_days(category_of(profile.citizenship)),
        "register_by": day_text(result.last_day),
    }
    if category_of(profile.citizenship) == "unknown":
        return _(
            "🛂 <b>Leave Kazakhstan by {day}</b> ({when}): the general visa-free limit is "
            "{per_entry} days per entry. You would have to register by {register_by}, so "
            "registration matters only if you stay longer on other grounds, such as a visa "
            "or a permit."
        ).format(**figures)
    return _(
        "🛂 <b>Leave Kazakhstan by {day}</b> ({when}): with your citizenship ({country}) a "
        "visa-free stay lasts at most {per_entry} days per entry. You would have to register "
        "by {register_by}, so registration matters only if you stay longer on other "
        "grounds, such as a visa or a permit."
    ).format(**figures)


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
                "public holidays do not count). <i>Not confirmed: whether it is done in the "
                "same online service with the new owner's confirmation.</i>"
            ).format(days=working_days)
            + calendar_note(day, last_day),
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


REMIND_KINDS = {
    RegAction.remind: "registration",
    RegAction.remind_address: "address_change",
    RegAction.remind_leave: "stay_limit",
}


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


async def on_trip(
    callback: CallbackQuery,
    callback_data: RegCb,
    profile: Profile | None,
    trips: TripService,
    reminders: ReminderService,
):
    """The entry date of the registration screen, as a trip still going on (the user chose
    to add it); not added twice, nor over a trip recorded since."""
    try:
        entered = date.fromisoformat(callback_data.day)
    except ValueError:
        entered = None
    if profile is None or not profile.citizenship or entered is None:
        await out_of_date(callback, profile)
        return
    today = await today_of(reminders, profile)
    if entered > today:
        await out_of_date(callback, profile)
        return
    clash = overlapping(await trips.of(profile.id), (entered, None), today)
    if clash is None:
        await trips.add(profile.id, entered, None)
    if clash is None or clash == (entered, None):
        text = _("✅ Trip saved: entered {day}, still in Kazakhstan.").format(day=day_text(entered))
    else:
        first, last = clash
        text = _(
            "This trip overlaps one you recorded ({first} – {last}). Check the "
            "dates and enter the trip again."
        ).format(first=short_day(first), last=short_day(last) if last else _("now"))
    markup = column([(menu_label("stay"), MenuCb(item="stay")), menu_button()])
    await show(callback, text, markup, edit=False)


def build_router(wiring: Wiring) -> Router:
    router = Router(name="registration")
    router.callback_query.register(on_registration, menu_item("registration"))
    router.callback_query.register(on_moved_button, RegCb.filter(F.action == RegAction.address))
    router.callback_query.register(on_steps, RegCb.filter(F.action == RegAction.steps))
    router.callback_query.register(on_trip, RegCb.filter(F.action == RegAction.trip))
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
