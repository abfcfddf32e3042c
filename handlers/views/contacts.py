"""The contacts users call, as the directory has them now (bot/content/directory.py): the
Embassy or Consulate of Kazakhstan, a country's emergency numbers, the help lines in
Kazakhstan. Each block ends with when it was last confirmed, and by whom."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _

from bot.content.abroad import EmergencyNumber, consulates
from bot.content.countries import country_in_sentence
from bot.content.directory import HELP_LINES, Contact, Directory
from handlers.views.guide import day_text
from handlers.views.ui import current_locale, one_stop


def confirmed_line(contact: Contact, mission: bool = False) -> str:
    """When the contact was last confirmed: by our staff, or checked against the shipped
    guide's published sources, or not at all yet."""
    if contact.checked_on is None:
        if mission:
            return _("⚠️ Its contacts are not confirmed by our staff yet.")
        return _("⚠️ Not confirmed by our staff yet.")
    day = day_text(contact.checked_on)
    if contact.confirmed_by_staff:
        return one_stop(_("✅ Last confirmed by our staff on {date}.").format(date=day))
    return one_stop(_("🗓 Last checked on {date}.").format(date=day))


def number_lines(numbers: list[EmergencyNumber]) -> list[str]:
    locale = current_locale()
    return [
        f"☎️ <b>{html.escape(n.number)}</b> — {html.escape(n.service.in_(locale))}" for n in numbers
    ]


def emergency_block(code: str | None, directory: Directory) -> str:
    """The emergency numbers of the country (the general ones when it has none of its own)."""
    numbers, contact, own = directory.emergency(code)
    if own:
        title = _("<b>Emergency numbers in {country}:</b>").format(
            country=country_in_sentence(code, current_locale())
        )
    else:
        title = _("<b>Emergency numbers:</b>")
    return "\n".join([title, *number_lines(numbers), confirmed_line(contact)])


def consulate_block(code: str | None, directory: Directory, full: bool = True) -> str:
    """The Embassy or Consulate of Kazakhstan there, as staff keep it: in full (SOS, its
    own screen), or its name and phone lines only (the rights page, which is long already).
    Where to find current contacts is said only while there is no phone to call."""
    locale = current_locale()
    lines = [_("<b>Embassy or Consulate of Kazakhstan:</b>")]
    found = directory.mission(code)
    callable_ = False
    if found is not None:
        mission, contact = found
        callable_ = bool(mission.phones or mission.emergency)
        lines.append(html.escape(mission.name.in_(locale)))
        if mission.address and full:
            lines.append(f"📍 {html.escape(mission.address.in_(locale))}")
        if mission.phones:
            lines.append(_("☎️ Phone: {numbers}").format(numbers=", ".join(mission.phones)))
        if mission.emergency:
            lines.append(_("🆘 Emergency line: {number}").format(number=mission.emergency))
        if mission.email and full:
            lines.append(_("✉️ E-mail: {address}").format(address=html.escape(mission.email)))
        if mission.hours and full:
            hours = html.escape(mission.hours.in_(locale))
            lines.append(_("🕘 Hours: {hours}").format(hours=hours))
        if mission.map and full:
            link = html.escape(mission.map, quote=True)
            label = _("On the map")
            lines.append(f'🗺 <a href="{link}">{label}</a>')
        lines.append(confirmed_line(contact, mission=True))
    if not callable_:
        lines.append(consulates().directory.in_(locale))
    return "\n".join(lines)


def has_more(code: str | None, directory: Directory) -> bool:
    """Whether the full block says more than the short one (a button leads to it)."""
    found = directory.mission(code)
    if found is None:
        return False
    mission, _contact = found
    return bool(mission.address or mission.email or mission.hours or mission.map)


def help_lines_text(directory: Directory) -> str:
    """The help lines for people in Kazakhstan (migrants and kandas)."""
    numbers, contact = directory.numbers(HELP_LINES)
    return "\n".join(
        [
            _("☎️ <b>Help lines in Kazakhstan</b>"),
            "",
            *number_lines(numbers),
            "",
            confirmed_line(contact),
            _("<i>I inform, I do not decide: check at egov.kz.</i>"),
        ]
    )
