"""A moment (a date and a time) as staff read it, one way on every staff screen and in
the user's case history: «06.12.2026, 16:03» in Kazakh and Russian, "6 Dec 2026, 16:03"
in English. Never Babel's short "12/6/26, 4:03 PM", which reads as 12 June here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from handlers.views.ui import current_locale

PATTERNS = {"en": "d MMM y, HH:mm"}  # the month by name: no day/month order to guess
DOTTED = "dd.MM.y, HH:mm"  # what Kazakh and Russian readers write


def moment(when: datetime, zone: str | ZoneInfo) -> str:
    """`when` in `zone`, in the current language."""
    info = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    locale = current_locale()
    return format_datetime(when, PATTERNS.get(locale, DOTTED), tzinfo=info, locale=locale)
