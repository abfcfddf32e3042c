"""How long may I stay: trips, the 90-in-180 count, the last allowed day, a text calendar."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import get_month_names

from bot.content.facts import mci_for_taxes
from bot.content.migrants import category_of, facts, per_entry_days
from bot.rules.stay import (
    StayPicture,
    Trip,
    overlapping,
    overstay_band,
    stay_days,
    stay_picture,
)
from bot.services.reminders import ReminderService
from bot.services.trips import TripService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import StayAction, StayCb
from handlers.views.dates import ask_date
from handlers.views.guide import (
    citizenship_name,
    contact_centre,
    day_text,
    short_day,
    source_line,
    tenge,
    today_of,
    with_citizenship,
)
from handlers.views.reminders import when_phrase
from handlers.views.ui import Button, column, current_locale, menu_button, out_of_date, show
from handlers.wiring import Wiring
from storage.records import EmptyRecord

WARN_DAYS = 7


class StayFlow(StatesGroup):
    entered = State()
    left = State()


def rule_line(profile: Profile) -> str:
    category = category_of(profile.citizenship)
    country = citizenship_name(profile)
    stay = facts().stay
    if category == "eaeu":
        return _("{country} (EAEU): citizens may stay at most {max} days in any {window}.").format(
            country=country, max=stay.max_days, window=stay.window_days
        )
    if category == "long_visa_free":
        return _(
            "{country}: citizens may stay without a visa at most {max} days in any {window}."
        ).format(country=country, max=stay.max_days, window=stay.window_days)
    figures = {
        "country": country,
        "per_entry": per_entry_days(category),
        "max": stay.max_days,
        "window": stay.window_days,
    }
    if category == "unknown":
        return (
            _(
                "The general visa-free limits: at most {per_entry} days per entry and {max} "
                "days in any {window}; leaving and coming back does not reset the count."
            ).format(**figures)
            + "\n"
            + _(
                "<i>Your citizenship ({country}) is not in my data, so these limits are not "
                "confirmed for you. If you came with a visa, your visa's dates count.</i>"
            ).format(**figures)
        )
    return _(
        "{country}: citizens may stay at most {per_entry} days per entry and {max} days in "
        "any {window}; leaving and coming back does not reset the count."
    ).format(**figures)


def calendar_text(days: set[date], today: date, window: int) -> str:
    """A month per line over the last 180 days: ■ in Kazakhstan, · away."""
    names = get_month_names("abbreviated", "stand-alone", current_locale())
    start = today - timedelta(days=window - 1)
    month = date(start.year, start.month, 1)
    lines = []
    while month <= today:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        marks = []
        day = month
        while day < following:
            if day < start or day > today:
                marks.append(" ")
            else:
                marks.append("■" if day in days else "·")
            day += timedelta(days=1)
        lines.append(f"{names[month.month][:5]:<5} {''.join(marks).rstrip()}")
        month = following
    return "<pre>" + "\n".join(lines) + "</pre>\n" + _("■ a day in Kazakhstan · a day away")


def picture_text(profile: Profile, trips: list[Trip], picture: StayPicture, today: date) -> str:
    stay = facts().stay
    lines = [_("📅 <b>How long may I stay</b>"), rule_line(profile), ""]
    if not trips:
        lines.append(
            _(
                "No trips recorded yet. Add the date you entered Kazakhstan (and left, "
                "if you did); add earlier trips from the last 180 days too."
            )
        )
        return "\n".join([*lines, "", source_line(stay)])
    lines.append(_("<b>Your trips</b>"))
    per_entry = per_entry_days(category_of(profile.citizenship))
    for number, (entered, left) in enumerate(trips, start=1):
        end = left or today
        length = (end - entered).days + 1
        until = short_day(left) if left else _("now")
        line = f"{number}. {short_day(entered)} – {until} " + ngettext(
            "({n} day)", "({n} days)", length
        ).format(n=length)
        if per_entry and length > per_entry:
            line += " " + _("⚠️ longer than {n} days per entry").format(n=per_entry)
        lines.append(line)
    if picture.in_country:  # left: the days after today up to the last allowed day
        count = _(
            "In the {window} days up to today: <b>{used}</b> days used, <b>{left}</b> left."
        ).format(window=stay.window_days, used=picture.used, left=picture.left)
    else:  # left: the days of an entry today, old days leaving the window meanwhile
        count = ngettext(
            "In the {window} days up to today: <b>{used}</b> days used. Entering today, you "
            "could stay <b>{n}</b> day.",
            "In the {window} days up to today: <b>{used}</b> days used. Entering today, you "
            "could stay <b>{n}</b> days.",
            picture.left,
        ).format(window=stay.window_days, used=picture.used, n=picture.left)
    lines += ["", count]
    if picture.overstay:
        lines.append(overstay_text(picture, today))
    elif picture.last_allowed_day is not None:
        left_days = (picture.last_allowed_day - today).days
        lines.append(
            _("You may stay until <b>{day}</b> ({when}).").format(
                day=day_text(picture.last_allowed_day), when=when_phrase(left_days)
            )
        )
        if left_days <= WARN_DAYS:
            lines.append(
                _(
                    "⚠️ Only a few days are left: plan your exit or talk to the "
                    "migration police before that day."
                )
            )
    lines.append(allowance_text(picture))
    lines += [
        "",
        calendar_text(stay_days(trips, today), today, stay.window_days),
        "",
        source_line(stay),
    ]
    return "\n".join(lines)


def overstay_text(picture: StayPicture, today: date) -> str:
    """Over the limit: the last lawful day, the days over, and what art. 517 provides."""
    rules = facts().registration.overstay
    if picture.last_allowed_day is None:  # over 90/180 by trips that have ended
        lead = _("⚠️ <b>By these dates you were over the limit.</b>")
    elif picture.over_since_entry and picture.entered is not None:
        lead = ngettext(
            "⚠️ <b>You are over the limit.</b> You were over it from the day you entered, "
            "{day}: {n} day over.",
            "⚠️ <b>You are over the limit.</b> You were over it from the day you entered, "
            "{day}: {n} days over.",
            picture.days_over,
        ).format(day=day_text(picture.entered), n=picture.days_over)
    else:
        lead = ngettext(
            "⚠️ <b>You are over the limit.</b> Your last lawful day was {day}: {n} day over.",
            "⚠️ <b>You are over the limit.</b> Your last lawful day was {day}: {n} days over.",
            picture.days_over,
        ).format(day=day_text(picture.last_allowed_day), n=picture.days_over)
    band = overstay_band(picture.days_over, rules.warning_up_to_days, rules.fine_up_to_days)
    if band == "warning":
        law = _(
            "Under art. 517 of the Code of Administrative Offences, an overstay of up to "
            "{days} days is punished with a warning."
        ).format(days=rules.warning_up_to_days)
    elif band == "fine":
        mci = mci_for_taxes(today)
        law = _(
            "Under art. 517 of the Code of Administrative Offences, an overstay of "
            "{first}–{last} days is punished with a fine of {mci} MCI ({amount} at the {year} "
            "MCI)."
        ).format(
            first=rules.warning_up_to_days + 1,
            last=rules.fine_up_to_days,
            mci=rules.fine_mci,
            amount=tenge(rules.fine_mci * mci.value),
            year=mci.year,
        )
    else:
        law = _(
            "Under art. 517 of the Code of Administrative Offences, an overstay of more than "
            "{days} days leads to expulsion and a {ban}-year ban on entering Kazakhstan."
        ).format(days=rules.fine_up_to_days, ban=rules.entry_ban_years)
    advice = _(
        "An overstay can also mean being refused entry next time. Contact the migration "
        "police or call {contact_centre} now."
    ).format(contact_centre=contact_centre())
    return "\n".join([lead, law, advice])


def allowance_text(picture: StayPicture) -> str:
    """When the full 90 days come back, and from which leaving day that is counted."""
    max_days = facts().stay.max_days
    if picture.full_allowance_if_staying is not None and picture.last_allowed_day:
        return _(
            "The full {max} days are yours again from {today_day} if you leave today, or "
            "from {last_day} if you stay until {allowed}."
        ).format(
            max=max_days,
            today_day=day_text(picture.full_allowance_from or picture.last_allowed_day),
            last_day=day_text(picture.full_allowance_if_staying),
            allowed=day_text(picture.last_allowed_day),
        )
    if picture.in_country and picture.full_allowance_from:
        return _("If you leave today, the full {max} days are yours again from {day}.").format(
            max=max_days, day=day_text(picture.full_allowance_from)
        )
    if picture.full_allowance_from:
        return _("The full {max} days are yours again from {day}.").format(
            max=max_days, day=day_text(picture.full_allowance_from)
        )
    return ""


def stay_markup(trips: list[Trip], picture: StayPicture, today: date) -> InlineKeyboardMarkup:
    buttons: list[Button] = [(_("➕ Add a trip"), StayCb(action=StayAction.add))]
    if trips:
        buttons.append((_("🗑 Remove the last trip"), StayCb(action=StayAction.remove)))
    if picture.last_allowed_day and picture.last_allowed_day >= today and not picture.overstay:
        buttons.append((_("⏰ Remind me before my last day"), StayCb(action=StayAction.remind)))
    buttons.append(menu_button())
    return column(buttons)


async def show_stay(
    event: Message | CallbackQuery,
    profile: Profile,
    trips: TripService,
    reminders: ReminderService,
    lead: str | None = None,
) -> None:
    recorded = await trips.of(profile.id)
    today = await today_of(reminders, profile)
    picture = picture_of(profile, recorded, today)
    text = picture_text(profile, recorded, picture, today)
    await show(event, f"{lead}\n\n{text}" if lead else text, stay_markup(recorded, picture, today))


def picture_of(profile: Profile, recorded: list[Trip], today: date) -> StayPicture:
    stay = facts().stay
    return stay_picture(
        recorded,
        today,
        per_entry_days=per_entry_days(category_of(profile.citizenship)),
        window=stay.window_days,
        max_days=stay.max_days,
    )


async def on_stay(
    callback: CallbackQuery,
    state: FSMContext,
    profile: Profile | None,
    trips: TripService,
    reminders: ReminderService,
):
    profile = await with_citizenship(callback, profile)
    if profile is None:
        return
    await state.clear()
    await show_stay(callback, profile, trips, reminders)


async def traveller(callback: CallbackQuery, profile: Profile | None) -> Profile | None:
    """The profile for the trip buttons (its citizenship known); otherwise None, after
    the menu."""
    if profile is None or not profile.citizenship:
        await out_of_date(callback, profile)
        return None
    return profile


async def on_add(callback: CallbackQuery, state: FSMContext, profile: Profile | None, **data: Any):
    if await traveller(callback, profile) is not None:
        await state.set_state(StayFlow.entered)
        await state.set_data({})
        await ask_date(callback, state, profile=profile, **data)


async def on_remove(
    callback: CallbackQuery, profile: Profile | None, trips: TripService, reminders: ReminderService
):
    profile = await traveller(callback, profile)
    if profile is not None:
        await trips.remove_latest(profile.id)
        await show_stay(callback, profile, trips, reminders)


async def on_remind(
    callback: CallbackQuery, profile: Profile | None, trips: TripService, reminders: ReminderService
):
    profile = await traveller(callback, profile)
    if profile is None:
        return
    today = await today_of(reminders, profile)
    picture = picture_of(profile, await trips.of(profile.id), today)
    if picture.last_allowed_day is None or picture.last_allowed_day < today:
        await show_stay(callback, profile, trips, reminders)
        return
    await reminders.schedule(
        profile.id, "stay_limit", picture.last_allowed_day, EmptyRecord(), dedupe_key="stay_limit"
    )
    await callback.answer(
        _("⏰ Done: I will remind you before {day}. See /reminders.").format(
            day=day_text(picture.last_allowed_day)
        ),
        show_alert=True,
    )


async def on_entered(event: Message | CallbackQuery, state: FSMContext, day: date, **data: Any):
    await state.update_data(entered=day.isoformat())
    await state.set_state(StayFlow.left)
    await ask_date(event, state, **data)


async def on_left(
    event: Message | CallbackQuery,
    state: FSMContext,
    day: date | None,
    profile: Profile,
    trips: TripService,
    reminders: ReminderService,
    **extra: Any,
):
    entered = date.fromisoformat((await state.get_data())["entered"])
    recorded = await trips.of(profile.id)
    clash = overlapping(recorded, (entered, day), await today_of(reminders, profile))
    if (entered, day) in recorded:  # this very trip (typed again, or a replay after a crash)
        clash = None
    if clash is not None:
        await state.set_state(StayFlow.entered)
        await state.set_data({})
        first, last = clash
        await show(
            event,
            _(
                "This trip overlaps one you recorded ({first} – {last}). Check the "
                "dates and enter the trip again."
            ).format(first=short_day(first), last=short_day(last) if last else _("now")),
        )
        await ask_date(event, state, profile=profile, reminders=reminders, **extra)
        return
    if (entered, day) not in recorded:
        await trips.add(profile.id, entered, day)
    await state.clear()
    await show_stay(event, profile, trips, reminders, _("✅ Trip saved."))


def build_router(wiring: Wiring) -> Router:
    router = Router(name="stay")
    router.callback_query.register(on_stay, menu_item("stay"))
    router.callback_query.register(on_add, StayCb.filter(F.action == StayAction.add))
    router.callback_query.register(on_remove, StayCb.filter(F.action == StayAction.remove))
    router.callback_query.register(on_remind, StayCb.filter(F.action == StayAction.remind))
    wiring.date_question(
        StayFlow.entered,
        lambda: _("➕ When did you enter Kazakhstan on this trip?"),
        lambda today, _data: (today - timedelta(days=2 * 365), today),
        on_entered,
        quick=(0, -1),
    )
    wiring.date_question(
        StayFlow.left,
        lambda: _("When did you leave Kazakhstan after that entry?"),
        lambda today, data: (date.fromisoformat(data.get("entered", today.isoformat())), today),
        on_left,
        quick=(0,),
        extra=lambda: _("🇰🇿 I am still in Kazakhstan"),
    )
    wiring.reminder_kind(
        "stay_limit", lambda _record: _("The last day of your allowed stay"), guide="stay"
    )
    return router
