"""How deadlines and reminders read: titles by kind, "in 3 days", local moments, and the
reminder message the reminder service sends (rendered outside any update)."""

from __future__ import annotations

import html
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list

from bot.i18n import speaking
from bot.rules.reminders import ZonePlan, days_left
from bot.services.users import Profile
from handlers.views.callbacks import DeadlineAction, DeadlineCb, MenuCb
from handlers.views.ui import Button, column
from handlers.views.zones import zone_label
from storage.models import Deadline
from storage.records import PersonalRecord

if TYPE_CHECKING:
    from handlers.wiring import Wiring

PERSONAL = "personal"  # the kind of a deadline the user added themselves


def personal_title(record: PersonalRecord) -> str:
    return html.escape(record.title)


def title_of(wiring: Wiring, kind: str, payload: dict[str, Any]) -> str:
    """The deadline's title in the current language, from its kind and typed record."""
    known = wiring.kinds.get(kind)
    if known is None:
        return _("Deadline")
    return known.title(known.record.model_validate(payload))


def when_phrase(left: int) -> str:
    if left < 0:
        return _("passed")
    if left == 0:
        return _("today")
    if left == 1:
        return _("tomorrow")
    return ngettext("in {n} day", "in {n} days", left).format(n=left)


@lru_cache(maxsize=4096)
def long_date(day: date, locale: str) -> str:
    return format_date(day, "long", locale=locale)


def local_moment(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    local = moment.astimezone(zone)
    day = format_date(local.date(), "long" if locale == "kk" else "medium", locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)}"


def promise_line(moments: list[datetime], plan: ZonePlan, locale: str) -> str:
    """What will actually happen: the reminders still ahead, in the user's time, or that
    none is left (a deadline too close for any)."""
    if not moments:
        return _("⏰ No reminder is left before this deadline.")
    local = [moment.astimezone(plan.at(moment)) for moment in moments]
    times = {format_time(moment, "short", locale=locale) for moment in local}
    if len(times) > 1:
        every = [local_moment(moment, plan.at(moment), locale) for moment in moments]
        return _("⏰ I will remind you on {moments}, your time (see /reminders).").format(
            moments=format_list(every, locale=locale)
        )
    return _("⏰ I will remind you on {days} at {time} your time (see /reminders).").format(
        days=days_text([moment.date() for moment in local], locale), time=times.pop()
    )


def days_text(days: list[date], locale: str) -> str:
    """Days with each month named once: "13, 17 and 20 February", "February 13, 17, and 20"."""
    day_first = format_skeleton("MMMMd", date(2000, 1, 2), locale=locale).startswith("2")
    words: list[str] = []
    for number, day in enumerate(days):
        named = (
            number == len(days) - 1 or days[number + 1].month != day.month
            if day_first
            else number == 0 or days[number - 1].month != day.month
        )
        words.append(format_skeleton("MMMMd", day, locale=locale) if named else str(day.day))
    return format_list(words, locale=locale)


def zones_line(plan: ZonePlan, today: date, locale: str, now: datetime) -> str | None:
    """Before a departure to another zone: which zone the reminders keep, until when."""
    if not plan.switches_after(today) or plan.home is None or plan.leaving is None:
        return None
    return _(
        "🕒 Reminders come in Kazakhstan's time ({home}) until you leave on {day}, then in "
        "the local time there ({zone})."
    ).format(
        home=zone_label(plan.home.key, locale, now),
        day=long_date(plan.leaving, locale),
        zone=zone_label(plan.zone.key, locale, now),
    )


class ReminderView:
    """Renders reminder messages for the service's tick (no update context there)."""

    def __init__(self, i18n: I18n, wiring: Wiring) -> None:
        self.i18n = i18n
        self.wiring = wiring

    def __call__(
        self, deadline: Deadline, profile: Profile, now: datetime
    ) -> tuple[str, InlineKeyboardMarkup]:
        locale = profile.locale or self.i18n.default_locale
        with speaking(self.i18n, locale):
            zone = ZoneInfo(profile.timezone)
            left = days_left(deadline.due_on, zone, now)
            day = long_date(deadline.due_on, locale)
            text = _("⏰ Reminder: <b>{title}</b>\nDeadline: {day} ({when}).").format(
                title=title_of(self.wiring, deadline.kind, deadline.payload),
                day=day,
                when=when_phrase(left),
            )
            buttons: list[Button] = [
                (_("✅ Done"), DeadlineCb(action=DeadlineAction.done, id=deadline.id)),
                (
                    _("⏰ Remind me tomorrow"),
                    DeadlineCb(action=DeadlineAction.again, id=deadline.id),
                ),
            ]
            kind = self.wiring.kinds.get(deadline.kind)
            if kind and kind.guide:
                buttons.append((_("📖 Open the guide"), MenuCb(item=kind.guide)))
            return text, column(buttons)
