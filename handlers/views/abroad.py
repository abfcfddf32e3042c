"""What the emigrant screens share: where a page comes from, the emergency and consulate
blocks that the rights pages, SOS and the attaché desk all show, and the measure every screen
keeps to (one message of at most MESSAGE_LIMIT characters, one full stop after a date)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.content.abroad import LocalizedSource, consulates, country_page, general_guide
from bot.content.countries import country_name
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


def emergency_block(code: str | None) -> str:
    """The emergency numbers of the country (the general ones when it has no page)."""
    locale = current_locale()
    page = country_page(code) if code else None
    numbers = page.emergency if page else general_guide().emergency
    if page:
        title = _("<b>Emergency numbers in {country}:</b>").format(
            country=country_name(code, locale)
        )
    else:
        title = _("<b>Emergency numbers:</b>")
    lines = [f"☎️ <b>{n.number}</b> — {n.service.in_(locale)}" for n in numbers]
    return "\n".join([title, *lines])


def consulate_block(code: str | None) -> str:
    """The Embassy or Consulate of Kazakhstan there, as staff keep it."""
    locale = current_locale()
    data = consulates()
    mission = data.missions.get(code or "")
    lines = [_("<b>Embassy or Consulate of Kazakhstan:</b>")]
    if mission is not None:
        lines.append(mission.name.in_(locale))
        if mission.address:
            lines.append(mission.address.in_(locale))
        for label, value in ((_("Phone"), mission.phone), (_("E-mail"), mission.email)):
            if value:
                lines.append(f"{label}: {value}")
        if mission.sample:
            lines.append(_("⚠️ Its contacts are not confirmed by our staff yet."))
    lines.append(data.directory.in_(locale))
    return "\n".join(lines)
