"""Countries: names in the user's language (CLDR via Babel), the common picks, time zones."""

from __future__ import annotations

import importlib.resources
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale

from bot.content import Sourced, load

NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


class CountryFacts(Sourced):
    migrant_common: list[str]
    emigrant_common: list[str]
    home_timezone: str
    main_timezone: dict[str, str]


def facts() -> CountryFacts:
    return load("countries.json", CountryFacts)


@cache
def names(locale: str) -> dict[str, str]:
    territories = Locale.parse(locale).territories
    return {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }


def country_name(code: str | None, locale: str) -> str:
    if not code:
        return "—"
    return names(locale).get(code) or names("en").get(code) or code


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е").strip()


def search(query: str, locale: str, limit: int = 8, exclude: str | None = None) -> list[str]:
    """Country codes whose name (in any of our languages) matches the query, best first."""
    wanted = _fold(query)
    if not wanted:
        return []
    scored: dict[str, int] = {}
    for rank, lang in enumerate((locale, "kk", "ru", "en")):
        for code, name in names(lang).items():
            folded = _fold(name)
            if folded == wanted or code.casefold() == wanted:
                score = 0
            elif folded.startswith(wanted):
                score = 1
            elif wanted in folded:
                score = 2
            else:
                continue
            scored[code] = min(scored.get(code, 99), score * 10 + rank)
    scored.pop(exclude or "", None)
    return sorted(scored, key=lambda code: (scored[code], country_name(code, locale)))[:limit]


def timezone_of(code: str | None) -> str:
    data = facts()
    if not code:
        return data.home_timezone
    return data.main_timezone.get(code) or next(
        iter(_all_zones().get(code, [])), data.home_timezone
    )


@cache
def _all_zones() -> dict[str, list[str]]:
    text = (importlib.resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text()
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _coords, zone, *_ = line.split("\t")
            zones.setdefault(code, []).append(zone)
    return zones


def zones_of(code: str | None, when: datetime) -> list[str]:
    """A country's zones, one per UTC offset in force at `when` (Kazakhstan: one)."""
    seen: dict[timedelta | None, str] = {}
    for zone in _all_zones().get(code or "", []):
        seen.setdefault(when.astimezone(ZoneInfo(zone)).utcoffset(), zone)
    return list(seen.values())


def find_zones(query: str, limit: int = 8) -> list[str]:
    """Zones whose city matches the query, e.g. "seoul" -> Asia/Seoul."""
    wanted = _fold(query).replace(" ", "_")
    if len(wanted) < 2:
        return []
    cities = [zone for zones in _all_zones().values() for zone in zones]
    return sorted(zone for zone in cities if wanted in _fold(zone.split("/")[-1]))[:limit]
