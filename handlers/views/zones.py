"""Time zones as people read them: the city in their language and the offset from UTC,
"Алматы, UTC+05:00", never the tz database's "Asia/Almaty"."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_timezone_location


def utc_offset(zone: ZoneInfo, now: datetime) -> str:
    """The offset at `now`, "UTC+05:00" (it changes with summer time)."""
    offset = now.astimezone(zone).strftime("%z") or "+0000"
    return f"UTC{offset[:3]}:{offset[3:]}"


@lru_cache(maxsize=1024)
def zone_city(zone: str, locale: str) -> str | None:
    """The zone's city in `locale` (CLDR via Babel), or None for zones with no city."""
    try:
        info = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    if zone.startswith("Etc/") or "/" not in zone:  # UTC, GMT, Etc/GMT+5: no place
        return None
    return get_timezone_location(info, locale=locale, return_city=True)


def zone_label(zone: str, locale: str, now: datetime) -> str:
    """The zone in the user's language: "Сеул, UTC+09:00" (it reads the same inside brackets
    and after a colon); "UTC+00:00" for a zone with no city; an unknown name as it is."""
    try:
        info = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return zone
    offset = utc_offset(info, now)
    city = zone_city(zone, locale)
    return f"{city}, {offset}" if city else offset
