"""Countries: names in the user's language (CLDR via Babel), the common picks, time zones."""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from datetime import datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale

from bot.content import Sourced, load

NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


class CountryFacts(Sourced):
    migrant_common: list[str]
    emigrant_common: list[str]
    kandas_common: list[str]  # where most kandas come from
    home_timezone: str
    main_timezone: dict[str, str]


class CountryAliases(Sourced):
    overrides: dict[str, dict[str, str]]  # language -> code -> the name shown instead of CLDR's
    aliases: dict[str, list[str]]  # code -> other names people type, in any language
    with_the: dict[str, list[str]]  # language -> codes whose name takes "the" in a sentence


def facts() -> CountryFacts:
    return load("countries.json", CountryFacts)


def aliases() -> CountryAliases:
    return load("country_aliases.json", CountryAliases)


@cache
def names(locale: str) -> dict[str, str]:
    parsed = Locale.parse(locale)
    found = {
        code: name
        for code, name in parsed.territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }
    found.update(aliases().overrides.get(parsed.language, {}))
    return found


def country_name(code: str | None, locale: str) -> str:
    if not code:
        return "—"
    return names(locale).get(code) or names("en").get(code) or code


def country_in_sentence(code: str | None, locale: str) -> str:
    """The name as it reads inside a sentence: "citizens of the United States", "in the
    Netherlands" (English only; a heading or a button keeps `country_name`)."""
    name = country_name(code, locale)
    language = Locale.parse(locale).language
    if code and name == names(language).get(code) and code in aliases().with_the.get(language, []):
        return f"the {name}"
    return name


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е").strip()


# Matching ignores case, accents, apostrophes and dots ("Oʻzbekiston", "U.S.A."), and other
# punctuation and spacing ("South-Korea"); ё/е and ў/у are one letter, but й and the
# Kazakh letters (қ, ғ, ң, ө, ү, ұ, і, ә, һ) stay themselves.
_DROPPED = str.maketrans("", "", "'’‘ʻʼ`´.")
_UNDECOMPOSED = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe"})
_KEPT = frozenset("й")
FUZZY_FROM = 4  # a query this long may have one wrong letter; a shorter one is taken as typed
FUZZY_PREFIX_FROM = 5  # ... and this long, also when it is the start of a name ("Tadjik")
EXACT, PREFIX, WORD_PREFIX, INSIDE, TYPO, TYPO_IN_PREFIX = range(6)
# Names are compared with the Kazakh letters as a Russian keyboard types them, and with Latin
# look-alikes inside a Cyrillic word read as Cyrillic: «тажикстан» and «тажiкстан» (a Latin
# i) are «Тәжікстан» exactly, not two letters off it.
_KAZAKH_ON_RUSSIAN = str.maketrans("әғқңөұүһі", "агкноуухи")
_LATIN_LOOKALIKES = str.maketrans("aceiopxyk", "асеиорхук")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]")


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """The form names and queries are compared in: "  Oʻzbekiston! " -> "ozbekiston"."""
    folded = unicodedata.normalize("NFC", text).casefold()
    folded = folded.translate(_DROPPED).translate(_UNDECOMPOSED)
    letters: list[str] = []
    for char in folded:
        if char in _KEPT:
            letters.append(char)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if not unicodedata.combining(part):
                letters.append(part if part.isalnum() else " ")
    return " ".join("".join(letters).split())


@lru_cache(maxsize=4096)
def loose(text: str) -> str:
    """`normalise`, then the Kazakh letters as Russian ones and Latin look-alikes inside a
    Cyrillic word as Cyrillic: the form names are searched in ("Тәжікстан" -> "тажикстан")."""
    words = normalise(text).translate(_KAZAKH_ON_RUSSIAN).split()
    return " ".join(
        word.translate(_LATIN_LOOKALIKES) if _CYRILLIC.search(word) else word for word in words
    )


@cache
def _index(locale: str) -> tuple[list[str], list[str], list[dict[str, int]]]:
    """Every normalised name and alias once, with its countries and the rank of its language:
    the user's language first, then kk, ru, en, then the aliases."""
    owners: dict[str, dict[str, int]] = {}

    def add(text: str, code: str, rank: int) -> None:
        key = loose(text)
        if key:
            ranks = owners.setdefault(key, {})
            ranks[code] = min(ranks.get(code, rank), rank)

    languages = list(dict.fromkeys((locale, "kk", "ru", "en")))
    for rank, language in enumerate(languages):
        for code, name in names(language).items():
            add(name, code, rank)
            if language == "en" and "&" in name:  # "Bosnia & Herzegovina"
                add(name.replace("&", "and"), code, rank)
    for code, words in aliases().aliases.items():
        for word in words:
            add(word, code, len(languages))
    keys = list(owners)
    return keys, [f" {key}" for key in keys], [owners[key] for key in keys]


def search(query: str, locale: str, limit: int = 8, exclude: str | None = None) -> list[str]:
    """Country codes whose name or alias (in any of our languages) matches the query, best
    first: exact, then start of the name, start of a word, inside it, then one letter off."""
    return [code for code, _quality in _ranked(query, locale, exclude)][:limit]


def named(query: str, locale: str, exclude: str | None = None) -> str | None:
    """The one country the query names: its name or alias exactly (as `search` compares
    them), or the only country found; None when it names none or several."""
    found = _ranked(query, locale, exclude)
    exact = [code for code, quality in found if quality == EXACT]
    if len(exact) == 1:
        return exact[0]
    return found[0][0] if len(found) == 1 else None


def _ranked(query: str, locale: str, exclude: str | None) -> list[tuple[str, int]]:
    wanted = loose(query)
    if not wanted:
        return []
    keys, spaced, owners = _index(locale)
    best: dict[str, tuple[int, int]] = {}

    def offer(i: int, quality: int) -> None:
        for code, rank in owners[i].items():
            best[code] = min(best.get(code, (quality, rank)), (quality, rank))

    if wanted.upper() in names("en"):
        best[wanted.upper()] = (EXACT, 0)
    word = f" {wanted}"
    for i, key in enumerate(keys):
        if key == wanted:
            offer(i, EXACT)
        elif key.startswith(wanted):
            offer(i, PREFIX)
        elif word in spaced[i]:
            offer(i, WORD_PREFIX)
        elif wanted in key:
            offer(i, INSIDE)
    if len(wanted) >= FUZZY_FROM and all(quality != EXACT for quality, _ in best.values()):
        for _key, _distance, i in _one_letter_off(wanted, keys):
            offer(i, TYPO)
        if len(wanted) >= FUZZY_PREFIX_FROM:
            for size in (len(wanted) - 1, len(wanted), len(wanted) + 1):
                starts = [key[:size] for key in keys]
                for _key, _distance, i in _one_letter_off(wanted, starts):
                    offer(i, TYPO_IN_PREFIX)
    best.pop(exclude or "", None)
    ordered = sorted(best, key=lambda code: (best[code], country_name(code, locale)))
    return [(code, best[code][0]) for code in ordered]


def _one_letter_off(wanted: str, choices: list[str]) -> list[tuple[str, int, int]]:
    from rapidfuzz import process  # only when someone types a name: a lighter start
    from rapidfuzz.distance import Levenshtein

    return process.extract(wanted, choices, scorer=Levenshtein.distance, score_cutoff=1, limit=None)


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
