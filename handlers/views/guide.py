"""What every guide shares: the source line, the citizenship it needs, dates."""

from __future__ import annotations

from datetime import date

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date
from babel.numbers import format_decimal

from bot.content import Sourced
from bot.content.countries import country_name
from bot.content.directory import help_lines
from bot.rules.reminders import local_today
from bot.services.reminders import ReminderService
from bot.services.users import Profile, reader_abroad
from handlers.views.callbacks import ProfileAction, ProfileCb
from handlers.views.ui import column, current_locale, menu_button, show


def day_text(day: date) -> str:
    return format_date(day, "long", locale=current_locale())


def short_day(day: date) -> str:
    """A compact date for lists; Kazakh keeps the long form (its medium form abbreviates
    month names, "2026 ж. 01 шіл.", unlike every other date it reads)."""
    locale = current_locale()
    return format_date(day, "long" if locale == "kk" else "medium", locale=locale)


def tenge(amount: int) -> str:
    return f"{format_decimal(amount, locale=current_locale())} ₸"


def contact_centre() -> str:
    """The eGov contact centre's number, from the help-lines data. It is a short number, so
    a reader who may be abroad is told where else to turn."""
    number = help_lines().contact_centre
    if reader_abroad.get():
        return _("{number} (from abroad: an embassy of Kazakhstan)").format(number=number)
    return number


def source_line(facts: Sourced) -> str:
    """Every rule screen ends with where it comes from and where to check it."""
    checked = day_text(date.fromisoformat(facts.checked_on))
    return _(
        "<i>Source: {source}. Checked on {checked}. I inform, I do not decide: check at "
        "egov.kz or migration.enbek.kz, or call {contact_centre}.</i>"
    ).format(
        source=facts.source_in(current_locale()), checked=checked, contact_centre=contact_centre()
    )


def citizenship_name(profile: Profile) -> str:
    return country_name(profile.citizenship, current_locale())


async def today_of(reminders: ReminderService, profile: Profile | None) -> date:
    """Today in the user's time zone (the server's date for someone unknown)."""
    zone = await reminders.zone_of(profile.id) if profile else None
    now = reminders.clock.now()
    return local_today(now, zone) if zone else now.date()


async def with_citizenship(
    event: Message | CallbackQuery, profile: Profile | None
) -> Profile | None:
    """The rules depend on citizenship: the profile when it is known; otherwise None, after
    asking for it."""
    if profile is not None and profile.citizenship:
        return profile
    text = _(
        "The rules depend on your citizenship. Tell me which country you are a "
        "citizen of, then open this guide again."
    )
    await show(
        event,
        text,
        column(
            [
                (_("🏳️ Choose my citizenship"), ProfileCb(action=ProfileAction.citizenship)),
                menu_button(),
            ]
        ),
    )
    return None
