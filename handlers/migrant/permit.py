"""The labour permit for household work ("patent"): who needs it, the tax, dates, renewal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.content.countries import country_in_sentence
from bot.content.facts import mci_for_taxes
from bot.content.migrants import category_of, facts
from bot.rules.permit import PermitTax, months_used, permit_tax, valid_until
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import PermitAction, PermitCb
from handlers.views.dates import ask_date
from handlers.views.guide import (
    contact_centre,
    day_text,
    source_line,
    tenge,
    today_of,
    with_citizenship,
)
from handlers.views.reminders import promise_line, when_phrase
from handlers.views.ui import column, current_locale, keyboard, menu_button, out_of_date, show
from handlers.wiring import Wiring
from storage.records import PermitRecord

KEY = "permit"


class PermitFlow(StatesGroup):
    start = State()
    months = State()


def months_markup() -> InlineKeyboardMarkup:
    rules = facts().permit
    options = [
        (str(n), PermitCb(action=PermitAction.months, months=n))
        for n in range(rules.min_months, rules.max_months + 1)
    ]
    return keyboard(options[:6], options[6:], [menu_button()])


def work_without_permit() -> str:
    return _(
        "Working without a permit: a fine of {mci} MCI or expulsion (Code of Administrative "
        "Offences)."
    ).format(mci=facts().permit.work_without_permit_fine_mci)


def not_for_you(profile: Profile) -> str | None:
    """Why this permit is not the user's route, or None when it is."""
    category = category_of(profile.citizenship)
    rule = facts().categories.get(category)
    country = country_in_sentence(profile.citizenship, current_locale())
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
            "migration.enbek.kz or call {contact_centre}.</i>"
        ).format(country=country, contact_centre=contact_centre())
    return f"{text}\n{work_without_permit()}"


async def on_permit(
    callback: CallbackQuery, state: FSMContext, profile: Profile | None, reminders: ReminderService
):
    profile = await with_citizenship(callback, profile)
    if profile is None:
        return
    await state.clear()
    refusal = not_for_you(profile)
    if refusal:
        text = f"{refusal}\n\n{source_line(facts().permit)}"
        await show(callback, text, column([menu_button()]))
        return
    recorded = await current_permit(reminders, profile)
    if recorded is not None:
        today, promise = await today_of(reminders, profile), await promise_of(reminders, profile)
        await show(callback, *permit_screen(recorded, today, promise))
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
                (_("🆕 New permit"), PermitCb(action=PermitAction.new)),
                (_("🔄 Renewal"), PermitCb(action=PermitAction.renew)),
                menu_button(),
            ]
        ),
    )


def tax_lines(tax: PermitTax, per_mci: int) -> list[str]:
    """The advance tax: one line, or a line per calendar year when the permit crosses one
    (each month at the MCI of its own year)."""
    if len(tax.parts) == 1:
        [part] = tax.parts
        return [
            ngettext(
                "Tax paid in advance: <b>{total}</b> = {per_mci} MCI × {months} month × "
                "{mci} (MCI {year}).",
                "Tax paid in advance: <b>{total}</b> = {per_mci} MCI × {months} months × "
                "{mci} (MCI {year}).",
                part.months,
            ).format(
                total=tenge(tax.total),
                per_mci=per_mci,
                months=part.months,
                mci=tenge(part.mci.value),
                year=part.mci.year,
            )
        ]
    lines = [
        _("Tax paid in advance: <b>{total}</b>, each month at the MCI of its year:").format(
            total=tenge(tax.total)
        )
    ]
    for part in tax.parts:
        lines.append(
            ngettext(
                "• {months} month in {year}: {per_mci} MCI × {months} × {mci} (MCI {mci_year}) "
                "= {amount}",
                "• {months} months in {year}: {per_mci} MCI × {months} × {mci} (MCI {mci_year}) "
                "= {amount}",
                part.months,
            ).format(
                months=part.months,
                year=part.year,
                per_mci=per_mci,
                mci=tenge(part.mci.value),
                mci_year=part.mci.year,
                amount=tenge(part.amount),
            )
        )
    return lines


def missing_mci(*taxes: PermitTax) -> list[tuple[str, int]]:
    """(the years without their MCI, the year whose MCI stands in for them), once each."""
    found: dict[int, set[int]] = {}
    for tax in taxes:
        for part in tax.parts:
            if not part.mci.exact:
                found.setdefault(part.mci.year, set()).add(part.year)
    return [(", ".join(map(str, sorted(years))), used) for used, years in sorted(found.items())]


def expired_screen(permit: PermitRecord, today: date) -> tuple[str, InlineKeyboardMarkup]:
    """A permit whose last day has passed: working now is an offence; a new one is needed."""
    rules = facts().permit
    mci = mci_for_taxes(today)
    fine = rules.work_without_permit_fine_mci
    lines = [
        _("💼 <b>Your work permit</b>"),
        _("Valid: {start} – {end} ({when}).").format(
            start=day_text(permit.start), end=day_text(permit.end), when=when_phrase(-1)
        ),
        "",
        _(
            "⚠️ <b>This permit has expired.</b> Working without a valid permit is an offence: "
            "a fine of {mci} MCI ({amount} at the {year} MCI) or expulsion (Code of "
            "Administrative Offences)."
        ).format(mci=fine, amount=tenge(fine * mci.value), year=mci.year),
        _(
            "<b>What to do</b>: stop working until you have a new permit. Apply for a new "
            "one and pay its tax in advance on egov.kz or migration.enbek.kz."
        ),
        "",
        source_line(rules),
    ]
    markup = column(
        [
            (_("📄 Documents and how to apply"), PermitCb(action=PermitAction.documents)),
            (_("🆕 New permit"), PermitCb(action=PermitAction.new)),
            menu_button(),
        ]
    )
    return "\n".join(lines), markup


def permit_screen(
    permit: PermitRecord, today: date, promise: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """`promise`: what the reminders will do before the permit ends."""
    if permit.end < today:
        return expired_screen(permit, today)
    rules = facts().permit
    start, end, first, months = permit.start, permit.end, permit.first_start, permit.months
    tax = permit_tax(start, months, mci_for_taxes, rules.tax_mci_per_month)
    renewal = permit_tax(end + timedelta(days=1), 1, mci_for_taxes, rules.tax_mci_per_month)
    [next_month] = renewal.parts
    lines = [
        _("💼 <b>Your work permit</b>"),
        _("Valid: {start} – {end} ({when}).").format(
            start=day_text(start), end=day_text(end), when=when_phrase((end - today).days)
        ),
        *tax_lines(tax, rules.tax_mci_per_month),
        "",
        _(
            "<b>To renew</b>: pay the tax for the next months ({per_month} a month at the MCI "
            "of {year}), then extend the permit before {end} on egov.kz or migration.enbek.kz."
        ).format(
            per_month=tenge(next_month.per_month),
            year=next_month.mci.year,
            end=day_text(end),
        ),
    ]
    for year, used in missing_mci(tax, renewal):
        lines.append(
            _(
                "<i>The MCI for {year} is not in my data yet: amounts for {year} use the {used} "
                "MCI and may change. egov.kz computes the exact sum.</i>"
            ).format(year=year, used=used)
        )
    lines.append(work_without_permit())
    covered = months_used(first, end)
    if covered >= rules.max_months:
        lines.append(
            ngettext(
                "⚠️ Since {first} your permit has covered {n} month in all (one permit is "
                "issued for at most {max}). <i>Not confirmed: whether it can be extended "
                "further or a new one is needed; ask migration.enbek.kz or {contact_centre}.</i>",
                "⚠️ Since {first} your permit has covered {n} months in all (one permit is "
                "issued for at most {max}). <i>Not confirmed: whether it can be extended "
                "further or a new one is needed; ask migration.enbek.kz or {contact_centre}.</i>",
                covered,
            ).format(
                first=day_text(first),
                n=covered,
                max=rules.max_months,
                contact_centre=contact_centre(),
            )
        )
    if promise:
        lines += ["", promise]
    lines += ["", source_line(rules)]
    markup = column(
        [
            (_("📄 Documents and how to apply"), PermitCb(action=PermitAction.documents)),
            (_("🔄 I renewed it"), PermitCb(action=PermitAction.renewed)),
            (_("🆕 Enter it again"), PermitCb(action=PermitAction.new)),
            menu_button(),
        ]
    )
    return "\n".join(lines), markup


def documents_text() -> str:
    """What an application or a renewal takes, and the route of the online pilot."""
    rules = facts().permit
    return "\n\n".join(
        [
            _(
                "<b>Documents</b>: the application, the receipt for the advance tax, your "
                "passport with the border stamp, medical certificates, medical insurance "
                "(required since 1 May 2023) and the contract, which your employer records in "
                "the ESUTD or signs on hr.enbek.kz."
            ),
            _(
                "A pilot from {since} to {until} took applications online only (with an "
                "electronic signature), and a paper application at a Government for Citizens "
                "centre was still accepted; check the current procedure on egov.kz."
            ).format(
                since=day_text(rules.online_pilot.since), until=day_text(rules.online_pilot.until)
            ),
            source_line(rules),
        ]
    )


async def on_documents(callback: CallbackQuery, profile: Profile | None):
    if await permit_holder(callback, profile) is None:
        return
    await show(callback, documents_text(), column([menu_button()]), edit=False)


async def permit_holder(callback: CallbackQuery, profile: Profile | None) -> Profile | None:
    """The permit's buttons are for someone whose citizenship it fits: their profile, or
    None after the menu."""
    if profile is None or not profile.citizenship or not_for_you(profile):
        await out_of_date(callback, profile)
        return None
    return profile


async def on_new(
    callback: CallbackQuery,
    callback_data: PermitCb,
    state: FSMContext,
    profile: Profile | None,
    **data: Any,
):
    """A new permit, or a renewal entered from scratch."""
    if await permit_holder(callback, profile) is None:
        return
    await state.set_state(PermitFlow.start)
    await state.set_data({"renewal": callback_data.action is PermitAction.renew})
    await ask_date(callback, state, profile=profile, **data)


async def on_renewed(
    callback: CallbackQuery, state: FSMContext, profile: Profile | None, reminders: ReminderService
):
    profile = await permit_holder(callback, profile)
    if profile is None:
        return
    recorded = await current_permit(reminders, profile)
    if recorded is None:
        await out_of_date(callback, profile)
        return
    next_start = recorded.end + timedelta(days=1)
    await state.set_state(PermitFlow.months)
    await state.set_data(
        {"start": next_start.isoformat(), "first_start": recorded.first_start.isoformat()}
    )
    await show(
        callback,
        _("🔄 For how many months did you extend it (from {day})?").format(
            day=day_text(next_start)
        ),
        months_markup(),
    )


async def on_months_button(
    callback: CallbackQuery,
    callback_data: PermitCb,
    state: FSMContext,
    profile: Profile | None,
    reminders: ReminderService,
):
    profile = await permit_holder(callback, profile)
    if profile is None:
        return
    if await state.get_state() != PermitFlow.months.state:
        await out_of_date(callback, profile)
        return
    rules = facts().permit
    months = min(max(callback_data.months, rules.min_months), rules.max_months)
    await save_permit(callback, state, months, profile=profile, reminders=reminders)


async def promise_of(reminders: ReminderService, profile: Profile) -> str:
    moments = await reminders.pending(profile.id, KEY)
    return promise_line(moments, await reminders.plan_of(profile.id), current_locale())


async def current_permit(reminders: ReminderService, profile: Profile) -> PermitRecord | None:
    return await reminders.record(profile.id, KEY, PermitRecord)


async def on_start_day(event: Message | CallbackQuery, state: FSMContext, day: date, **extra: Any):
    await state.update_data(start=day.isoformat())
    await state.set_state(PermitFlow.months)
    await ask_months(event, state)


async def ask_months(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(event, _("For how many months (1 to 12)?"), months_markup())


async def on_months_text(message: Message, state: FSMContext, **data: Any):
    """What names no button here (a number typed presses its button: handlers/common/typed.py)."""
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
    permit = PermitRecord(
        start=start,
        end=valid_until(start, months),
        months=months,
        first_start=date.fromisoformat(stored.get("first_start", stored["start"])),
    )
    await state.clear()
    today = await today_of(reminders, profile)
    if permit.end < today:  # expired: nothing left to remind of
        await reminders.cancel(profile.id, KEY)
        await show(event, *expired_screen(permit, today))
        return
    await reminders.schedule(profile.id, KEY, permit.end, permit, dedupe_key=KEY)
    await show(event, *permit_screen(permit, today, await promise_of(reminders, profile)))


def build_router(wiring: Wiring) -> Router:
    router = Router(name="permit")
    router.callback_query.register(on_permit, menu_item(KEY))
    router.callback_query.register(
        on_new, PermitCb.filter(F.action.in_({PermitAction.new, PermitAction.renew}))
    )
    router.callback_query.register(on_renewed, PermitCb.filter(F.action == PermitAction.renewed))
    router.callback_query.register(
        on_documents, PermitCb.filter(F.action == PermitAction.documents)
    )
    router.callback_query.register(
        on_months_button, PermitCb.filter(F.action == PermitAction.months)
    )
    router.message.register(on_months_text, StateFilter(PermitFlow.months))
    wiring.date_question(
        PermitFlow.start,
        lambda: _("💼 From which day is (or was) the permit valid?"),
        lambda today, _data: (today - timedelta(days=365), today + timedelta(days=90)),
        on_start_day,
        quick=(0, 1),
    )
    wiring.question(PermitFlow.months, ask_months)
    wiring.reminder_kind(
        KEY,
        lambda _record: _("Your work permit ends: renew it and pay the tax"),
        guide=KEY,
        record=PermitRecord,
    )
    return router
