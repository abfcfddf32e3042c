"""My rights abroad: a page per country of work (data files), the general guide for any
other country, and the emergency and consulate blocks SOS shows too.

A page holds the agreement with Kazakhstan, the emergency numbers, the consulate and the
source; everything else is a section behind its button, so every screen is one short
message."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.content.abroad import (
    SECTIONS,
    CountryPage,
    country_codes,
    country_page,
    general_guide,
)
from bot.content.countries import country_name
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.abroad import (
    GENERAL,
    NOTES,
    abroad_source_line,
    consulate_block,
    emergency_block,
    section_label,
)
from handlers.views.callbacks import RightsCb
from handlers.views.ui import Button, column, current_locale, keyboard, menu_button, show
from handlers.wiring import Wiring

AGREEMENT_LABELS = {
    "in_force": __("🤝 Agreement with Kazakhstan: in force."),
    "memorandum": __("🤝 Agreement with Kazakhstan: a memorandum."),
    "none": __("🤝 Agreement with Kazakhstan: none."),
    "unconfirmed": __("🤝 Agreement with Kazakhstan: not confirmed."),
}


def countries_markup() -> InlineKeyboardMarkup:
    locale = current_locale()
    codes = sorted(country_codes(), key=lambda code: country_name(code, locale))
    buttons: list[Button] = [(country_name(code, locale), RightsCb(country=code)) for code in codes]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(_("🌍 Another country"), RightsCb(country=GENERAL))])
    rows.append([menu_button()])
    return keyboard(*rows)


async def on_rights(callback: CallbackQuery, profile: Profile | None):
    code = profile.country_abroad if profile else None
    if code and country_page(code):
        await show_page(callback, code)
        return
    if code:  # a country without a page: the general guide, never an empty answer
        await show_page(callback, GENERAL, code)
        return
    await show(
        callback,
        _("⚖️ <b>My rights abroad</b>\nWhich country do you work in, or are going to?"),
        countries_markup(),
    )


def sections_of(page: CountryPage | None) -> list[str]:
    """The page's sections in order: the five every page has, then its notes if any."""
    return [*SECTIONS, NOTES] if page is not None and page.notes else list(SECTIONS)


def page_markup(code: str, page: CountryPage | None) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [(section_label(s), RightsCb(country=code, section=s))] for s in sections_of(page)
    ]
    rows.append([(_("🌍 Other countries"), RightsCb(country="", section="list"))])
    rows.append([menu_button()])
    return keyboard(*rows)


async def show_page(callback: CallbackQuery, code: str, asked: str | None = None) -> None:
    locale = current_locale()
    page = country_page(code) if code != GENERAL else None
    if page is not None:
        parts = [
            _("⚖️ <b>Your rights in {country}</b>").format(country=country_name(code, locale)),
            f"{AGREEMENT_LABELS[page.agreement.status]} {page.agreement.text.in_(locale)}",
            emergency_block(code),
            consulate_block(code),
            abroad_source_line(page),
        ]
    else:
        guide = general_guide()
        lead = (
            _("I have no page for {country} yet. Here is what holds almost everywhere.").format(
                country=country_name(asked, locale)
            )
            if asked
            else _("Here is what holds almost everywhere.")
        )
        parts = [
            _("⚖️ <b>Your rights abroad: the general guide</b>"),
            lead,
            emergency_block(None),
            consulate_block(asked),
            abroad_source_line(guide),
        ]
    parts.append(_("Choose a topic:"))
    await show(callback, "\n\n".join(parts), page_markup(code if page else GENERAL, page))


async def on_rights_button(callback: CallbackQuery, callback_data: RightsCb):
    code, section = callback_data.country, callback_data.section
    if section == "list":
        await show(callback, _("⚖️ Which country?"), countries_markup())
        return
    page = country_page(code) if code != GENERAL else None
    if code != GENERAL and page is None:  # a stale button for a page staff removed
        await show(callback, _("⚖️ Which country?"), countries_markup())
        return
    if not section:
        await show_page(callback, code)
        return
    facts = page or general_guide()
    if section not in sections_of(page):
        await show_page(callback, code)
        return
    locale = current_locale()
    body = page.notes if page is not None and section == NOTES else None
    text = "\n\n".join(
        [
            f"<b>{section_label(section)}</b>",
            (body or getattr(facts.sections, section)).in_(locale),
            abroad_source_line(facts),
        ]
    )
    await show(
        callback,
        text,
        column(
            [
                (_("◀️ Back"), RightsCb(country=code)),
                menu_button(),
            ]
        ),
    )


def build_router(wiring: Wiring) -> Router:
    router = Router(name="rights")
    router.callback_query.register(on_rights, menu_item("rights"))
    router.callback_query.register(on_rights_button, RightsCb.filter())
    return router
