"""My rights abroad: a page per country of work (data files), the general guide for any
other country, and the emergency and consulate blocks SOS shows too.

A page holds the agreement with Kazakhstan, the emergency numbers, the consulate and the
source; everything else is a section behind its button, so every screen is one short
message."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.content.abroad import (
    SECTIONS,
    CountryPage,
    country_codes,
    country_page,
    general_guide,
)
from bot.content.countries import country_name
from bot.services.directory import DirectoryService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.abroad import (
    GENERAL,
    NOTES,
    abroad_source_line,
    rights_page_text,
    section_label,
)
from handlers.views.callbacks import RightsCb
from handlers.views.contacts import consulate_block, has_more
from handlers.views.ui import Button, column, current_locale, keyboard, menu_button, show
from handlers.wiring import Wiring

CONSULATE = "consulate"  # the section with the Embassy or Consulate's full contacts


def countries_markup() -> InlineKeyboardMarkup:
    locale = current_locale()
    codes = sorted(country_codes(), key=lambda code: country_name(code, locale))
    buttons: list[Button] = [(country_name(code, locale), RightsCb(country=code)) for code in codes]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(_("🌍 Another country"), RightsCb(country=GENERAL))])
    rows.append([menu_button()])
    return keyboard(*rows)


async def on_rights(callback: CallbackQuery, profile: Profile | None, directory: DirectoryService):
    code = profile.country_abroad if profile else None
    if code and country_page(code):
        await show_page(callback, code, directory)
        return
    if code:  # a country without a page: the general guide, never an empty answer
        await show_page(callback, GENERAL, directory, code)
        return
    await show(
        callback,
        _("⚖️ <b>My rights abroad</b>\nWhich country do you work in, or are going to?"),
        countries_markup(),
    )


def sections_of(page: CountryPage | None) -> list[str]:
    """The page's sections in order: the five every page has, then its notes if any."""
    return [*SECTIONS, NOTES] if page is not None and page.notes else list(SECTIONS)


def page_markup(code: str, page: CountryPage | None, more: bool) -> InlineKeyboardMarkup:
    """The page's topics; `more`: a button to the Embassy or Consulate's full contacts."""
    rows: list[list[Button]] = [
        [(section_label(s), RightsCb(country=code, section=s))] for s in sections_of(page)
    ]
    if more:
        rows.append(
            [(_("🏛 Embassy or Consulate: all contacts"), RightsCb(country=code, section=CONSULATE))]
        )
    rows.append([(_("🌍 Other countries"), RightsCb(country="", section="list"))])
    rows.append([menu_button()])
    return keyboard(*rows)


async def show_page(
    callback: CallbackQuery, code: str, directory: DirectoryService, asked: str | None = None
) -> None:
    page = country_page(code) if code != GENERAL else None
    now = await directory.current()
    text = rights_page_text(code if page else GENERAL, now, asked)
    more = has_more(code if page else asked, now)
    await show(callback, text, page_markup(code if page else GENERAL, page, more))


async def on_rights_button(
    callback: CallbackQuery,
    callback_data: RightsCb,
    directory: DirectoryService,
    profile: Profile | None,
):
    code, section = callback_data.country, callback_data.section
    if section == "list":
        await show(callback, _("⚖️ Which country?"), countries_markup())
        return
    if section == CONSULATE:
        mission = code if code != GENERAL else (profile.country_abroad if profile else None)
        text = consulate_block(mission, await directory.current())
        back = column([(_("◀️ Back"), RightsCb(country=code)), menu_button()])
        await show(callback, text, back)
        return
    page = country_page(code) if code != GENERAL else None
    if code != GENERAL and page is None:  # a stale button for a page staff removed
        await show(callback, _("⚖️ Which country?"), countries_markup())
        return
    if not section:
        await show_page(callback, code, directory)
        return
    facts = page or general_guide()
    if section not in sections_of(page):
        await show_page(callback, code, directory)
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
