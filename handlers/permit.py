"""The labour permit for household work ("patent"): who needs it, the tax, dates, renewal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from bot.content.migrants import category_of, facts
from bot.rules.permit import months_used, permit_tax, valid_until
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.callbacks import MenuCb
from handlers.dates import ask_date, date_question
from handlers.filters import menu_item
from handlers.guide import citizenship_name, day_text, needs_citizenship, source_line, today_of
from handlers.prompts import prompt_for
from handlers.reminders import register_kind, when_phrase
from handlers.ui import column, current_locale, keyboard, show, show_menu

KEY = "permit"
register_kind(KEY, lambda payload: _("Your work permit ends: renew it and pay the tax"), KEY)


class PermitFlow(StatesGroup):
    start = State()
    months = State()


class PermitCb(CallbackData, prefix="pmt"):
    action: str  # new | renew | renewed | months
    months: int = 0


def tenge(amount: int) -> str:
    return f"{format_decimal(amount, locale=current_locale())} ₸"


def months_markup() -> InlineKeyboardMarkup:
    rules = facts().permit
    options = [
        (str(n), PermitCb(action="months", months=n))
        for n in range(rules.min_months, rules.max_months + 1)
    ]
    return keyboard(options[:6], options[6:], [(_("◀️ Menu"), MenuCb(item="menu"))])


def not_for_you(profile: Profile) -> str | None:
    """Why this permit is not the user's route, or None when it is."""
    category = category_of(profile.citizenship)
    rule = facts().categories.get(category)
    country = citizenship_name(profile)
    if rule is not None and rule.permit == "not_needed":
        return _(
            "💼 Citizens of {country} (EAEU) need no work permit in Kazakhstan (EAEU Treaty, "
            "art. 97). You do need medical insurance: attach to a clinic with it or with "
            "voluntary insurance."
        ).format(country=country)
    if rule is not None and rule.permit == "eligible":
        return None
    text = _(
        "💼 This permit is for citizens of countries whose visa-free stay in Kazakhstan is "
        "at least 3 months (for example Uzbekistan, Tajikistan, Azerbaijan). Citizens of "
        "{country} work with a permit that the employer obtains (after posting the "
        "vacancy on enbek.kz for 15 days)."
    ).format(country=country)
    if category == "unknown":
        text += "\n" + _(
            "<i>Not confirmed for citizens of {country}: check at "
            "migration.enbek.kz or call 1414.</i>"
        ).format(country=country)
    return text


async def on_permit(
    callback: CallbackQuery, state: FSMContext, profile: Profile | None, reminders: ReminderService
):
    if await needs_citizenship(callback, profile):
        return
    await state.clear()
    refusal = not_for_you(profile)
    if refusal:
        text = f"{refusal}\n\n{source_line(facts().permit)}"
        await show(callback, text, column([(_("◀️ Menu"), MenuCb(item="menu"))]))
        return
    recorded = await current_permit(reminders, profile)
    if recorded is not None:
        await show(callback, *permit_screen(recorded, await today_of(reminders, profile)))
        return
    text = _(
        "💼 <b>Work permit for household work</b>\nIt lets you work for private people in "
        "their household, in the district that issued it, for 1 to 12 months. Is this a "
        "new permit or a renewal?"
    )
    await show(
        callback,
        text,
        column(
            [
                (_("🆕 New permit"), PermitCb(action="new")),
                (_("🔄 Renewal"), PermitCb(action="renew")),
                (_("◀️ Menu"), MenuCb(item="menu")),
            ]
        ),
    )


def permit_screen(payload: dict[str, Any], today: date) -> tuple[str, InlineKeyboardMarkup]:
    rules = facts().permit
    start, end = date.fromisoformat(payload["start"]), date.fromisoformat(payload["end"])
    first = date.fromisoformat(payload.get("first_start", payload["start"]))
    months = payload["months"]
    tax = permit_tax(months, start, rules.mci, rules.tax_mci_per_month)
    lines = [
        _("💼 <b>Your work permit</b>"),
        _("Valid: {start} – {end} ({when}).").format(
            start=day_text(start), end=day_text(end), when=when_phrase((end - today).days)
        ),
        ngettext(
            "Tax paid in advance: <b>{total}</b> = {per_mci} MCI × {months} month × "
            "{mci} (MCI {year}).",
            "Tax paid in advance: <b>{total}</b> = {per_mci} MCI × {months} months × "
            "{mci} (MCI {year}).",
            months,
        ).format(
            total=tenge(tax.total),
            per_mci=rules.tax_mci_per_month,
            months=months,
            mci=tenge(tax.mci),
            year=tax.mci_year,
        ),
    ]
    if not tax.mci_known:
        lines.append(
            _(
                "<i>The MCI for {year} is not in my data yet: this uses {used}'s. Check "
                "the amount on egov.kz.</i>"
            ).format(year=start.year, used=tax.mci_year)
        )
    lines += [
        "",
        _(
            "<b>To renew</b>: pay the tax for the next months ({per_month} a month), then extend "
            "online on egov.kz or migration.enbek.kz before {end}. Since 21 December 2025 a "
            "pilot makes this online only, with an electronic signature."
        ).format(per_month=tenge(tax.per_month), end=day_text(end)),
        _(
            "<b>Documents</b>: the application, the receipt for the advance tax, your passport "
            "with the border stamp, medical certificates, medical insurance (required since "
            "1 May 2023) and the contract, which your employer records in the ESUTD or signs on "
            "hr.enbek.kz."
        ),
    ]
    if months_used(first, end) >= rules.max_months:
        lines.append(
            _(
                "⚠️ Your permit has reached {max} months. <i>Not confirmed: whether it can "
                "be extended further or a new one is needed; ask migration.enbek.kz or "
                "1414.</i>"
            ).format(max=rules.max_months)
        )
    lines += ["", _("⏰ I will remind you before it ends. See /reminders."), "", source_line(rules)]
    markup = column(
        [
            (_("🔄 I renewed it"), PermitCb(action="renewed")),
            (_("🆕 Enter it again"), PermitCb(action="new")),
            (_("◀️ Menu"), MenuCb(item="menu")),
        ]
    )
    return "\n".join(lines), markup


async def on_action(
    callback: CallbackQuery,
    callback_data: PermitCb,
    state: FSMContext,
    profile: Profile | None,
    reminders: ReminderService,
    **data: Any,
):
    if profile is None or not profile.citizenship or not_for_you(profile):
        await show_menu(callback, profile, _("This button is out of date."), edit=False)
        return
    action = callback_data.action
    if action in ("new", "renew"):
        await state.set_state(PermitFlow.start)
        await state.set_data({"renewal": action == "renew"})
        await ask_date(callback, state, profile=profile, reminders=reminders, **data)
    elif action == "renewed":
        recorded = await current_permit(reminders, profile)
        if recorded is None:
            await show_menu(callback, profile, _("This button is out of date."), edit=False)
            return
        next_start = date.fromisoformat(recorded["end"]) + timedelta(days=1)
        await state.set_state(PermitFlow.months)
        await state.set_data(
            {
                "start": next_start.isoformat(),
                "first_start": recorded.get("first_start", recorded["start"]),
            }
        )
        await show(
            callback,
            _("🔄 For how many months did you extend it (from {day})?").format(
                day=day_text(next_start)
            ),
            months_markup(),
        )
    elif action == "months" and await state.get_state() == PermitFlow.months.state:
        rules = facts().permit
        months = min(max(callback_data.months, rules.min_months), rules.max_months)
        await save_permit(callback, state, months, profile=profile, reminders=reminders)
    else:
        await show_menu(callback, profile, _("This button is out of date."), edit=False)


async def current_permit(reminders: ReminderService, profile: Profile) -> dict[str, Any] | None:
    recorded = await reminders.active_by_key(profile.id, KEY)
    return recorded.payload if recorded is not None else None


@date_question(
    PermitFlow.start,
    lambda: _("💼 From which day is (or was) the permit valid?"),
    lambda today, _data: (today - timedelta(days=365), today + timedelta(days=90)),
    quick=(0, 1),
)
async def on_start_day(event: Message | CallbackQuery, state: FSMContext, day: date, **extra: Any):
    await state.update_data(start=day.isoformat())
    await state.set_state(PermitFlow.months)
    await ask_months(event, state)


@prompt_for(PermitFlow.months)
async def ask_months(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(event, _("For how many months (1 to 12)?"), months_markup())


async def on_months_text(message: Message, state: FSMContext, **data: Any):
    rules = facts().permit
    text = (message.text or "").strip()
    if text.isdigit() and rules.min_months <= int(text) <= rules.max_months:
        await save_permit(message, state, int(text), **data)
        return
    await message.answer(_("Please choose a number of months from 1 to 12 with the buttons."))
    await ask_months(message, state)


async def save_permit(
    event: Message | CallbackQuery,
    state: FSMContext,
    months: int,
    profile: Profile,
    reminders: ReminderService,
    **extra: Any,
) -> None:
    stored = await state.get_data()
    start = date.fromisoformat(stored["start"])
    payload = {
        "start": start.isoformat(),
        "end": valid_until(start, months).isoformat(),
        "months": months,
        "first_start": stored.get("first_start", start.isoformat()),
    }
    await state.clear()
    await reminders.schedule(
        profile.id, KEY, date.fromisoformat(payload["end"]), payload, dedupe_key=KEY
    )
    await show(event, *permit_screen(payload, await today_of(reminders, profile)))


def build_router() -> Router:
    router = Router(name="permit")
    router.callback_query.register(on_permit, menu_item(KEY))
    router.callback_query.register(on_action, PermitCb.filter())
    router.message.register(on_months_text, StateFilter(PermitFlow.months))
    return router
