"""STAND-IN for the Kazakh script converter (issue 28), written only so the plumbing around
it can be built and tested: the real module, with the same API, replaces this file at merge.
It is a plain letter table, without the written norms (hamza rules, loanwords) of the real
one: nothing here may be relied on beyond the API.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from bot.rules.language import cyrillic_readings, looks_latin_kazakh, normalise

Script = Literal["cyrl", "latn", "arab"]

_LETTERS = "аәбвгғдежзийкқлмнңоөпрстуұүфхһчшыіэ"
_LATN = {
    **dict(zip(_LETTERS, "aäbvgğdejziikqlmnñoöprstuūüfhhçşyıe", strict=True)),
    "ё": "io", "ц": "ts", "щ": "şş", "ъ": "", "ь": "", "ю": "iu", "я": "ia",
}  # fmt: skip
_ARAB = {
    **dict(zip(_LETTERS, "اابۆگعدەجزييكقلمنڭووپرستۋۇۇفحھچشىىە", strict=True)),
    "ё": "يو", "ц": "تس", "щ": "شش", "ъ": "", "ь": "", "ю": "يۋ", "я": "يا",
}  # fmt: skip
MERGED: dict[Script, dict[str, str]] = {
    "cyrl": {},
    "latn": {"и": "i", "й": "i", "х": "h", "һ": "h"},
    "arab": {"ә": "ا", "ө": "و", "ү": "ۇ", "і": "ى", "и": "ي", "й": "ي"},
}
HAMZA = "ٴ"
FRONT = frozenset("әөүі")
# what stays as it is: tags, entities, placeholders, URLs, e-mail, commands, Latin words
KEEP = re.compile(
    r"<[^>]+>|&#?\w+;|\{[^}]*\}|https?://\S+|[\w.+-]+@[\w-]+\.[\w.]+|/[A-Za-z_]\w*|"
    r"\b[\w-]+(?:\.[\w-]+)*\.(?:kz|com|org|ru|net|gov|uz|kg|cn)\b[/\w.-]*"
)
CYRILLIC_WORD = re.compile(r"[а-яёәғқңөұүһіА-ЯЁӘҒҚҢӨҰҮҺІ]+")
ARABIC = re.compile(r"[\u0600-\u06ff]+")
LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏ']+")


def _word(word: str, script: Script) -> str:
    lower = word.lower()
    if script == "latn":
        out = "".join(_LATN.get(char, char) for char in lower)
        return out[:1].upper() + out[1:] if word[:1].isupper() else out
    out = "".join(_ARAB.get(char, char) for char in lower)
    front = any(char in FRONT for char in lower) and not any(char in "екг" for char in lower)
    return HAMZA + out if front else out


@lru_cache(maxsize=16384)
def to_script(text: str, script: Script) -> str:
    if script == "cyrl":
        return text
    parts: list[str] = []
    at = 0
    for kept in KEEP.finditer(text):
        parts.append(_plain(text[at : kept.start()], script))
        parts.append(kept.group())
        at = kept.end()
    parts.append(_plain(text[at:], script))
    return "".join(parts)


def _plain(text: str, script: Script) -> str:
    text = CYRILLIC_WORD.sub(lambda m: _word(m.group(), script), text)
    if script == "arab":
        text = text.replace(",", "،").replace("?", "؟")
    return text


_FROM_ARAB = {
    "ب": "б", "ۆ": "в", "گ": "г", "ع": "ғ", "د": "д", "ە": "е", "ج": "ж", "ز": "з", "ك": "к",
    "ق": "қ", "ل": "л", "م": "м", "ن": "н", "ڭ": "ң", "پ": "п", "ر": "р", "س": "с", "ت": "т",
    "ۋ": "у", "ف": "ф", "ح": "х", "ھ": "һ", "چ": "ч", "ش": "ш", "،": ",", "؟": "?",
}  # fmt: skip
_VOWELS = {"ا": ("а", "ә"), "و": ("о", "ө"), "ۇ": ("ұ", "ү"), "ى": ("ы", "і")}


def _arabic_word(word: str) -> str:
    front = word.startswith(HAMZA) or any(char in "ەكگ" for char in word)
    out = ""
    for char in word.lstrip(HAMZA):
        if char in _VOWELS:
            out += _VOWELS[char][front]
        elif char == "ي":
            out += "й" if out and out[-1] in "аәоөұүыіеу" else "и"
        else:
            out += _FROM_ARAB.get(char, char)
    return out


@lru_cache(maxsize=16384)
def to_cyrillic(text: str) -> str:
    if ARABIC.search(text):
        return ARABIC.sub(lambda m: _arabic_word(m.group()), text)
    if not looks_latin_kazakh(text):
        return text

    def word(match: re.Match[str]) -> str:
        readings = cyrillic_readings(normalise(match.group()))
        if not readings:
            return match.group()
        reading = re.sub("(?<=[аәеоөұүыі])і", "й", readings[0])  # "qalai": қалай
        return reading[:1].upper() + reading[1:] if match.group()[:1].isupper() else reading

    return LATIN_WORD.sub(word, text)


def unmapped(text: str, script: Script) -> set[str]:
    table = _LATN if script == "latn" else _ARAB
    return {char for char in text.lower() if CYRILLIC_WORD.match(char) and char not in table}
