"""The /facts screens for admins: the facts with what is overdue, one fact's periods, the
preview of a change on the user screens in each language, and the changes with revert."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.numbers import format_decimal

from bot import LOCALES
from bot.content.facts import (
    DatedValue,
    FactBook,
    current_book,
    fact_book,
    mci_for_benefits,
    mci_for_taxes,
)
from bot.content.kandas import support
from bot.content.migrants import facts as migrant_facts
from bot.rules.kandas import support_for
from bot.rules.permit import permit_tax
from bot.services.facts import Overdue
from handlers.views.callbacks import FactAction, FactCb
from handlers.views.guide import day_text, tenge
from handlers.views.moments import moment
from handlers.views.ui import Button, column, current_locale
from storage.models import FactChange

TITLES = {
    "mci_tax": __("MCI for taxes and fines"),
    "mci_benefit": __("MCI for benefits and social payments"),
    "permit_tax_mci": __("Work permit tax: MCI a month"),
    "permit_fine_mci": __("Fine for work without a permit: MCI"),
    "stay_max_days": __("Visa-free stay: days in the window"),
    "stay_window_days": __("Visa-free stay: the window in days"),
    "stay_per_entry_days": __("Visa-free stay: days per entry (30-day countries)"),
    "registration_days": __("Self-registration: calendar days"),
    "host_notice_days": __("Host's notice: working days (before July 2026)"),
    "address_change_days": __("New address: working days to register"),
    "overstay_fine_mci": __("Overstay fine: MCI"),
    "overstay_warning_days": __("Overstay: days with a warning only"),
    "overstay_fine_days": __("Overstay: days with a fine (longer: expulsion)"),
    "entry_ban_years": __("Entry ban after expulsion: years"),
    "kandas_relocation_mci": __("Kandas relocation subsidy: MCI per family member"),
    "kandas_rent_min_mci": __("Kandas rent and utilities: least MCI a month"),
    "kandas_rent_max_mci": __("Kandas rent and utilities: most MCI a month"),
    "kandas_rent_months": __("Kandas rent and utilities: months"),
    "kandas_employer_mci": __("Subsidy to a kandas's employer: MCI"),
    "kandas_certificate_mci": __("Economic mobility certificate: MCI"),
    "kandas_grant_percent": __("Grant places kept for ethnic Kazakhs: %"),
    "kandas_contract_years": __("Social contract: years"),
    "kandas_status_years": __("Kandas status: years"),
    "residence_test_minutes": __("Residence permit A1 test: minutes"),
    "residence_block_percent": __("Residence permit A1 test: least % per block"),
    "residence_pass_points": __("Residence permit questionnaire: pass points"),
    "residence_total_days": __("Residence permit procedure: days at most"),
    "neo_nomad_income_usd": __("Neo Nomad visa: income a month, USD"),
    "investor_usd": __("Investor visa (A6): investment, USD"),
    "aifc_investor_usd": __("AIFC investment residency: investment, USD"),
    "permit_online_pilot": __("Pilot: work-permit applications online only"),
    "residence_pilot": __("Pilot: residence-permit scoring"),
    "citizenship_test_fee": __("Citizenship test: fee"),
    "citizenship_test_minutes": __("Citizenship test: minutes"),
    "citizenship_test_pass_points": __("Citizenship test: pass points of 100"),
    "insurance_renew_days": __("Insurance: reminder days before a policy ends"),
    "host_fine_small_mci": __("Host's fine, small business: MCI"),
    "host_fine_medium_mci": __("Host's fine, medium business: MCI"),
    "host_fine_large_mci": __("Host's fine, large business: MCI"),
    "uzbek_exempt_days": __("Uzbek citizens: days without registration (before July 2026)"),
    "citizenship_language_pass": __("Citizenship test, Kazakh language: pass mark"),
    "citizenship_constitution_pass": __("Citizenship test, Constitution: pass mark"),
    "citizenship_history_pass": __("Citizenship test, history: pass mark"),
}
QUOTA = "quota_"  # quota_<region>: named after the region, in the reader's language
UNIT_NAMES = {
    "mci": __("MCI"),
    "days": __("days"),
    "months": __("months"),
    "years": __("years"),
    "percent": "%",
    "count": __("people"),
}
FAMILY = 5  # the family size the preview of support shows
ROOM = 1200  # characters of periods on a fact's screen: the rest of it fits under 1,500


def title(name: str) -> str:
    if name.startswith(QUOTA):
        region = support().regions.get(name.removeprefix(QUOTA))
        if region is not None:
            return _("Kandas quota: {region}").format(region=region.name.in_(current_locale()))
    return str(TITLES.get(name, name))


def number(value: int) -> str:
    return format_decimal(value, locale=current_locale())


def amount(name: str, value: int) -> str:
    """A fact's value with its unit, as staff read it."""
    unit = fact_book().facts[name].unit
    if unit == "tenge":
        return tenge(value)
    if unit == "usd":
        return f"${number(value)}"
    if unit == "period":
        return _("in force")
    return _("{value} {unit}").format(value=number(value), unit=str(UNIT_NAMES.get(unit, unit)))


def period_text(name: str, dated: DatedValue) -> str:
    end = day_text(dated.valid_until) if dated.valid_until else _("no end set")
    return _("{value} from {start} to {end}").format(
        value=amount(name, dated.value), start=day_text(dated.valid_from), end=end
    )


def overdue_text(item: Overdue) -> str:
    if item.kind == "year":
        return _("⚠️ no value for {year} yet").format(year=item.day.year)
    if item.kind == "ended":
        return _("⚠️ its last period ended on {day}").format(day=day_text(item.day))
    return _("⚠️ not confirmed since {day}").format(day=day_text(item.day))


def overdue_summary(overdue: list[Overdue]) -> str:
    """One line: how many facts are overdue, and why."""
    kinds = [item.kind for item in overdue]
    return _(
        "📊 <b>Facts: {count} overdue</b> (see /facts): {year} without this year's value, "
        "{ended} ended, {unconfirmed} not confirmed for 180 days."
    ).format(
        count=len(overdue),
        year=kinds.count("year"),
        ended=kinds.count("ended"),
        unconfirmed=kinds.count("unconfirmed"),
    )


GROUPS = {
    "mci": __("MCI"),
    "permit": __("Work permit"),
    "stay": __("Stay limits"),
    "registration": __("Registration"),
    "fines": __("Fines and bans"),
    "kandas_support": __("Kandas support"),
    "kandas_quota": __("Kandas quotas by region"),
    "residence": __("Residence permit and citizenship tests"),
    "fees": __("Fees"),
    "routes": __("Routes for ethnic Kazakhs: thresholds"),
    "pilots": __("Pilots"),
    "insurance": __("Insurance"),
    "iin": __("IIN"),
    "residence_permits": __("Residence permits for foreigners"),
    "work_permits": __("Work through an employer"),
}


def home_screen(book: FactBook, overdue: list[Overdue]) -> tuple[str, InlineKeyboardMarkup]:
    """The groups of facts, each with how many of its facts are overdue."""
    lines = [_("📊 <b>Facts the advice rests on</b>"), ""]
    buttons: list[Button] = []
    late = {item.name for item in overdue}
    groups: dict[str, list[str]] = {}
    for name, fact in book.facts.items():
        groups.setdefault(fact.group, []).append(name)
    for group, names in groups.items():
        label = str(GROUPS.get(group, group))
        count = sum(name in late for name in names)
        mark = _(" ⚠️ overdue: {count}").format(count=count) if count else ""
        lines.append(f"• {label}: {len(names)}{mark}")
        buttons.append((label, FactCb(action=FactAction.group, fact=group)))
    lines += ["", _("Overdue: {count}. Choose a group.").format(count=len(late))]
    return "\n".join(lines), column(buttons)


def group_screen(
    book: FactBook, group: str, overdue: list[Overdue]
) -> tuple[str, InlineKeyboardMarkup]:
    """The facts of one group, with what is overdue."""
    lines = [f"📊 <b>{GROUPS.get(group, group)}</b>", ""]
    buttons: list[Button] = []
    for name, fact in book.facts.items():
        if fact.group != group:
            continue
        marks = "".join(f" {overdue_text(item)}" for item in overdue if item.name == name)
        lines.append(f"• {title(name)}: {amount(name, fact.values[-1].value)}{marks}")
        buttons.append((title(name), FactCb(action=FactAction.fact, fact=name)))
    lines += ["", _("Choose a fact to see its periods.")]
    buttons.append((_("◀️ All facts"), FactCb(action=FactAction.home)))
    return "\n".join(lines), column(buttons)


def fact_screen(
    book: FactBook, name: str, overdue: list[Overdue]
) -> tuple[str, InlineKeyboardMarkup]:
    fact = book.facts[name]
    lines = [f"📊 <b>{title(name)}</b>", html.escape(fact.about), ""]
    for dated in reversed(fact.values):  # the latest first, as many as fit a phone
        source = html.escape(dated.source.title)
        if dated.source.url:
            source += f" ({html.escape(dated.source.url)})"
        line = _("• {period}\n  {source}; checked on {checked}").format(
            period=period_text(name, dated), source=source, checked=day_text(dated.checked_on)
        )
        if len("\n".join([*lines, line])) > ROOM:
            break
        lines.append(line)
    lines += [overdue_text(item) for item in overdue if item.name == name]
    buttons: list[Button] = [
        (_("➕ Value for a new period"), FactCb(action=FactAction.add, fact=name)),
        (_("✏️ Correct the latest value"), FactCb(action=FactAction.correct, fact=name)),
        (_("📅 Set the latest period's end"), FactCb(action=FactAction.end, fact=name)),
        (_("✅ Checked today: still right"), FactCb(action=FactAction.confirm, fact=name)),
        (_("🕘 Changes"), FactCb(action=FactAction.history, fact=name)),
        (_("◀️ Back"), FactCb(action=FactAction.group, fact=fact.group)),
    ]
    return "\n".join(lines), column(buttons)


# --- what users would see -------------------------------------------------------------------


def permit_preview(day: date) -> str:
    rules = migrant_facts().permit
    [part] = permit_tax(day, 1, mci_for_taxes, rules.tax_mci_per_month).parts
    return _("💼 Work permit tax for a month from {day}: {amount} ({mci} MCI × {value})").format(
        day=day_text(day),
        amount=tenge(part.amount),
        mci=rules.tax_mci_per_month,
        value=tenge(part.mci.value),
    )


def support_preview(day: date) -> str:
    facts = support(day.year)
    family = support_for(FAMILY, facts, mci_for_benefits(day).value)
    return _(
        "🏡 Kandas relocation subsidy for a family of {members} moving on {day}: {amount}"
    ).format(members=FAMILY, day=day_text(day), amount=tenge(family.relocation))


def generic_preview(name: str) -> Callable[[date], str]:
    """For a fact without a screen of its own to preview: its value as users read it."""

    def preview(day: date) -> str:
        return _("{title} from {day}: {value}").format(
            title=title(name),
            day=day_text(day),
            value=amount(name, fact_book().reading(name, day).value),
        )

    return preview


PREVIEWS: dict[str, Callable[[date], str]] = {
    "mci_tax": permit_preview,
    "mci_benefit": support_preview,
}


def preview_text(i18n: I18n, book: FactBook, name: str, dated: DatedValue) -> str:
    """The user screens the draft changes, in each language, with the draft in force."""
    lines = [
        _("👁 <b>Preview</b>: {title}, {period}").format(
            title=title(name), period=period_text(name, dated)
        ),
        "",
    ]
    staff_locale = i18n.current_locale
    token = current_book.set(book)
    try:
        for locale in LOCALES:
            with i18n.use_locale(locale):
                preview = PREVIEWS.get(name, generic_preview(name))
                lines.append(f"[{locale}] " + preview(dated.valid_from))
    finally:
        current_book.reset(token)
    with i18n.use_locale(staff_locale):
        lines += ["", _("Save this change?")]
    return "\n".join(lines)


def save_markup(name: str) -> InlineKeyboardMarkup:
    return column(
        [
            (_("💾 Save"), FactCb(action=FactAction.save, fact=name)),
            (_("✖️ Cancel"), FactCb(action=FactAction.drop, fact=name)),
        ]
    )


ACTIONS = {
    "add": __("added"),
    "correct": __("corrected"),
    "end": __("period end set"),
    "confirm": __("confirmed"),
    "revert": __("reverted"),
}


def history_screen(
    name: str, changes: list[FactChange], zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("🕘 <b>Changes</b>: {title}").format(title=title(name)), ""]
    buttons: list[Button] = []
    if not changes:
        lines.append(_("No changes yet: users see the shipped values."))
    for change in changes:
        who = str(change.staff_id) if change.staff_id else _("deleted staff")
        new = DatedValue.model_validate(change.new) if change.new else None
        lines.append(
            _("#{id} {when}, {who}: {action}, period from {start}{value}").format(
                id=change.id,
                when=moment(change.at, zone),
                who=who,
                action=str(ACTIONS.get(change.action, change.action)),
                start=day_text(change.valid_from),
                value=f" → {amount(name, new.value)}" if new else "",
            )
        )
        buttons.append(
            (
                _("↩️ Revert #{id}").format(id=change.id),
                FactCb(action=FactAction.revert, fact=name, id=change.id),
            )
        )
    buttons.append((_("◀️ Back"), FactCb(action=FactAction.fact, fact=name)))
    return "\n".join(lines), column(buttons)
