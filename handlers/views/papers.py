"""The papers guides as users see them: a guide's intro with its sections behind buttons,
and a section with what the sources leave open, the year of its figures and its sources."""

from __future__ import annotations

import html
from datetime import date

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal

from bot.content.papers import PaperGuide, Papers, PaperSection, PaperSource, filled_text
from handlers.views.callbacks import MenuCb, PaperCb
from handlers.views.guide import contact_centre, day_text
from handlers.views.ui import column, current_locale, menu_button, menu_label


def number(value: int) -> str:
    return format_decimal(value, locale=current_locale())


def section_text(guide: PaperGuide, section: PaperSection, today: date) -> str:
    """The section's own text, its figures filled in (as the facts stand today)."""
    return filled_text(section.text.in_(current_locale()), guide.values(today), number)


def guide_screen(guide: PaperGuide) -> tuple[str, InlineKeyboardMarkup]:
    locale = current_locale()
    text = "\n\n".join(
        [
            f"<b>{menu_label(guide.id)}</b>",
            guide.intro.in_(locale),
            _("Choose a topic:"),
        ]
    )
    buttons = [
        (section.label.in_(locale), PaperCb(guide=guide.id, section=section.id))
        for section in guide.sections
    ]
    return text, column([*buttons, menu_button()])


def year_note(guide: PaperGuide, section: PaperSection, today: date) -> str | None:
    """One year's figures say which year, and when the current year's are missing."""
    if not section.year_bound:
        return None
    year, exact = guide.data_year(today)
    if not exact:
        return _(
            "📅 These figures are for {year}: the {this_year} ones are not in my data yet."
        ).format(year=year, this_year=today.year)
    return _("📅 These figures are for {year}.").format(year=year)


def source_title(source: PaperSource) -> str:
    """The source's name, linked to its page (the date it was published stays in the data:
    nine dates would push a screen past a phone's limit)."""
    title = html.escape(source.title)
    if source.url:
        title = f'<a href="{html.escape(source.url, quote=True)}">{title}</a>'
    return title


def sources_line(section: PaperSection, data: Papers) -> str:
    checked = day_text(date.fromisoformat(data.checked_on))
    return _(
        "<i>Sources: {sources}. Checked on {checked}. I inform, I do not decide: check at "
        "egov.kz or migration.enbek.kz, or call {contact_centre}.</i>"
    ).format(
        sources="; ".join(source_title(source) for source in section.sources),
        checked=checked,
        contact_centre=contact_centre(),
    )


def section_screen(
    guide: PaperGuide, section: PaperSection, data: Papers, today: date
) -> tuple[str, InlineKeyboardMarkup]:
    locale = current_locale()
    parts = [f"<b>{section.label.in_(locale)}</b>", section_text(guide, section, today)]
    if section.unconfirmed is not None:
        unconfirmed = filled_text(section.unconfirmed.in_(locale), guide.values(today), number)
        parts.append(f"<i>⚠️ {unconfirmed}</i>")  # its own words say what is open
    note = year_note(guide, section, today)
    if note:
        parts.append(note)
    parts.append(sources_line(section, data))
    back = (_("◀️ {guide}").format(guide=menu_label(guide.id)), MenuCb(item=guide.id))
    return "\n\n".join(parts), column([back, menu_button()])
