"""Which button a typed answer names: the label itself (any case, without emoji or
punctuation, in any of the three languages as the caller passes them), a number, yes or no,
or the label's words with an ending or one letter changed ("Караганда" for "Карагандинская
область"). A text that fits several buttons names none."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

from bot.content.countries import loose


def _words_of(*words: str) -> frozenset[str]:
    return frozenset(loose(word) for word in words)


YES = _words_of(
    "yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "да", "ага", "угу", "конечно",
    "ок", "иә", "ия", "иа", "йә", "әрине", "ыя", "ие",
)  # fmt: skip
NO = _words_of("no", "n", "nope", "нет", "неа", "жоқ", "жок", "жо", "joq", "jok")
# words that say what kind of place a name is, left out when names are compared
PLACE_WORDS = _words_of(
    "region", "oblast", "province", "city", "the", "of", "область", "обл", "облысы", "облыс",
    "город", "г", "қаласы", "қ",
)  # fmt: skip
STEM = 5  # two words this long sharing their first STEM letters are one word in two forms


def choose(text: str, buttons: Iterable[tuple[str, str]]) -> str | None:
    """The callback data of the one button `text` names, or None."""
    choices = [(_key(label), data) for label, data in buttons]
    wanted = _key(text)
    if not wanted:
        return None
    for named in (_same, _number, _yes_no, _words):
        found = {data for key, data in choices if key and named(wanted, key)}
        if len(found) == 1:
            return found.pop()
        if found:
            return None  # several buttons fit: none is chosen
    return None


def _key(text: str) -> str:
    return loose(text)


def _same(wanted: str, label: str) -> bool:
    return wanted == label


def _numbers(text: str) -> list[str]:
    return [word for word in text.split() if word.isdecimal()]


def _number(wanted: str, label: str) -> bool:
    """ "4", "4 человека", "нас 4" for a button "4" or "👪 4, as before"."""
    typed = _numbers(wanted)
    return len(typed) == 1 and _numbers(label) == typed


def _side(words: list[str]) -> frozenset[str] | None:
    if not words:
        return None
    if words[0] in YES:
        return YES
    if words[0] in NO:
        return NO
    return None


def _yes_no(wanted: str, label: str) -> bool:
    """ "да", "иә", "yes" for a button that starts with a yes ("Yes, up front"); likewise no."""
    typed = wanted.split()
    side = _side(typed)
    return len(typed) <= 2 and side is not None and _side(label.split()) is side


def _word_fits(typed: str, word: str) -> bool:
    if typed == word:
        return True
    if len(typed) >= 3 and word.startswith(typed):
        return True
    if len(typed) >= STEM and len(word) >= STEM and typed[:STEM] == word[:STEM]:
        return True
    return len(typed) >= STEM and Levenshtein.distance(typed, word, score_cutoff=1) <= 1


def _words(wanted: str, label: str) -> bool:
    """Every word typed is one of the label's, perhaps in another form or with a typo."""
    typed = [word for word in wanted.split() if word not in PLACE_WORDS]
    words = [word for word in label.split() if word not in PLACE_WORDS]
    return bool(typed) and all(any(_word_fits(t, w) for w in words) for t in typed)
