"""What the emigrant screens share: where a page comes from, the rights page and the SOS
screen (staff preview them while editing the directory), and the measure every screen
keeps to (one message of at most MESSAGE_LIMIT characters, one full stop after a date)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.content.abroad import LocalizedSource, country_page, general_guide
from bot.content.countries import country_in_sentence
from bot.content.directory import Directory
from handlers.views.contacts import consulate_block, emergency_block
from handlers.views.guide import day_text
from handlers.views.ui import current_locale

GENERAL = "XX"  # the general guide, for a country without a page
SECTION_LABELS = {
    "legal_work": __("🛂 Working legally"),
    "permit": __("🪪 Visa and permit"),
    "employer": __("📄 What the employer must give"),
    "unpaid_wages": __("💰 Wages not paid"),
    "passport_taken": __("🛑 Passport taken"),
}
NOTES = "notes"  # what is new or special in the country: a section of its own
NOTES_LABEL = __("📌 Good to know")


def section_label(section: str) -> str:
    return str(NOTES_LABEL if section == NOTES else SECTION_LABELS[section])


# What one screen may hold, counted as the user sees it (tags off, entities decoded): a
# longer text is split into sections behind buttons, or into pages.
MESSAGE_LIMIT = 1500

TAG = re.compile(r"<[^>]+>")
# Two full stops where a sentence ends on an abbreviation: a Russian long date ends with
# "г." ("31 марта 2026 г."), and so may a source; an ellipsis ("...") is left alone.
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def visible(text: str) -> str:
    """The text as Telegram shows it: without tags, with entities decoded."""
    return html.unescape(TAG.sub("", text))


def fits(text: str, limit: int = MESSAGE_LIMIT) -> bool:
    return len(visible(text)) <= limit


def one_stop(text: str) -> str:
    """A sentence that ends on an abbreviation keeps its one full stop:
    "…31 марта 2026 г.. Я…" -> "…31 марта 2026 г. Я…"."""
    return DOUBLE_STOP.sub(".", text)


def pages(blocks: Iterable[str], limit: int = MESSAGE_LIMIT, sep: str = "\n\n") -> list[str]:
    """Blocks joined into as few messages as fit the limit, in order (a block longer than
    the limit alone is a page of its own)."""
    result: list[str] = []
    for block in blocks:
        if result and fits(result[-1] + sep + block, limit):
            result[-1] += sep + block
        else:
            result.append(block)
    return result


def abroad_source_line(facts: LocalizedSource) -> str:
    """Where a page comes from and where to check it."""
    return one_stop(
        _(
            "<i>Source: {source}. Checked on {checked}. I inform, I do not decide: check with "
            "the Embassy or Consulate of Kazakhstan and the local authorities.</i>"
        ).format(
            source=facts.source_in(current_locale()),
            checked=day_text(date.fromisoformat(facts.checked_on)),
        )
    )


AGREEMENT_LABELS = {
    "in_force": __("🤝 Agreement with Kazakhstan: in force."),
    "memorandum": __("🤝 Agreement with Kazakhstan: a memorandum."),
    "none": __("🤝 Agreement with Kazakhstan: none."),
    "unconfirmed": __("🤝 Agreement with Kazakhstan: not confirmed."),
}


def rights_page_text(code: str, directory: Directory, asked: str | None = None) -> str:
    """A country's rights page without its topics (the general guide for GENERAL, about
    `asked`, the user's country without a page): the agreement, the emergency numbers, the
    Embassy or Consulate and the source."""
    locale = current_locale()
    page = country_page(code) if code != GENERAL else None
    if page is not None:
        parts = [
            _("⚖️ <b>Your rights in {country}</b>").format(
                country=country_in_sentence(code, locale)
            ),
            f"{AGREEMENT_LABELS[page.agreement.status]} {page.agreement.text.in_(locale)}",
            emergency_block(code, directory),
            consulate_block(code, directory, full=False),
            abroad_source_line(page),
        ]
    else:
        guide = general_guide()
        lead = (
            _("I have no page for {country} yet. Here is what holds almost everywhere.").format(
                country=country_in_sentence(asked, locale)
            )
            if asked
            else _("Here is what holds almost everywhere.")
        )
        parts = [
            _("⚖️ <b>Your rights abroad: the general guide</b>"),
            lead,
            emergency_block(None, directory),
            consulate_block(asked, directory, full=False),
            abroad_source_line(guide),
        ]
    parts.append(_("Choose a topic:"))
    return "\n\n".join(parts)


def sos_text(reached: str, country: str | None, directory: Directory, delivered: bool) -> str:
    """The SOS screen under its first line (`reached`: whether the desk has it); what a
    message written now does depends on whether anyone at the desk could be reached."""
    write = (
        _(
            "If you can, write in a few words what happened and where you are: it goes "
            "straight to the attaché. You can also share a location you choose."
        )
        if delivered
        else _(
            "If you can, write in a few words what happened and where you are: it is kept in "
            "your case, and the attaché sees it as soon as someone at the desk is back. You "
            "can also share a location you choose."
        )
    )
    return "\n\n".join(
        [
            reached,
            _("If you are in danger, call the emergency number now."),
            emergency_block(country, directory),
            consulate_block(country, directory),
            write,
        ]
    )
