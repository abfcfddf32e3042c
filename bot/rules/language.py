"""Words as the search sees them: normalised, in their language, stemmed.

Russian and English go through Snowball (PyStemmer). No installable Kazakh stemmer works
offline, so Kazakh goes through `kazakh_stem` below: a small suffix stripper for the
endings that carry grammar, not meaning (plural, possessive, case, a few verb forms).
Kazakh is agglutinative and its endings follow vowel harmony, so the endings are listed in
every harmonic variant and stripped longest first, repeatedly, while at least
MIN_KAZAKH_STEM letters stay. It over-stems a little (a noun ending in "-ға" loses it), which
costs nothing here: documents and questions are stemmed the same way.

Latin-script Kazakh ("tirkelu ushin qansha kun") is read as Cyrillic when it is unambiguous:
when a word carries a letter or digraph English does not use (q, ğ, ä, ö, ü, ū, ı, ñ, ş, or
"sh"/"zh"/"ch" next to a Kazakh word) — see `looks_latin_kazakh`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

KAZAKH_LETTERS = frozenset("әғқңөұүһі")
WORD = re.compile(r"[\w']+", re.UNICODE)
MIN_KAZAKH_STEM = 4
# Kazakh letters as people type them on a Russian keyboard: a stem is kept in this folded
# form, so "тиркеу" finds "тіркеу"
FOLD = str.maketrans("әғқңөұүһі", "агкноууhи".replace("h", "х"))


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# grammar endings, each in all its vowel-harmony variants (longest are tried first)
KAZAKH_SUFFIXES = tuple(
    sorted(
        _word_set(
            # plural; possessive
            "лар лер дар дер тар тер ымыз іміз мыз міз ыңыз іңіз ңыз ңіз сыз сіз "
            "ым ім ың ің сы сі ы і "
            # case: genitive, dative, accusative, locative, ablative, instrumental
            "ның нің дың дің тың тің ға ге қа ке на не а е ны ні ды ді ты ті "
            "нда нде да де та те нан нен дан ден тан тен мен бен пен "
            # verbs and verbal nouns; question particles
            "атын етін йтын йтін ған ген қан кен ып іп п у уы уі "
            "мын мін бын бін пын пін ады еді йды йді мақ мек бақ бек пақ пек "
            "шы ші ма ме ба бе па пе".translate(FOLD)
        ),
        key=lambda suffix: (-len(suffix), suffix),
    )
)


# question words and fillers: they match everything, so they do not count as a match
STOPWORDS = _word_set(
    """
    a an the is are am was were be been do does did to of in on at for from with by and or
    i me my we our you your he she it they them this that what how much many when where who
    why which can could should would will may might must have has had get got please hi
    hello there any some about if not no yes than then so just need want know tell
    и в во на с со к ко по о об от до за из у для а но или ли же бы не ни как что чтобы
    это этот эта эти то тот та те там тут где когда куда откуда почему зачем сколько
    какой какая какие каких кто чем мне меня мой моя мои я мы вы ты он она они его ее их
    есть быть был была было нужно надо можно нельзя ли пожалуйста здравствуйте привет
    скажите подскажите помогите хочу если да нет уже еще очень
    және мен бен пен да де та те ма ме ба бе па пе ғой қой ше шы ші бұл осы сол мына ол
    не неге қалай қанша қашан қайда кім қандай мен сен сіз біз олар менің сенің сіздің
    біздің керек бар жоқ ба ма болады болса сәлем сәлеметсіз бе және немесе үшін туралы
    ия иә жоқ енді тағы өте
    """
)

LATIN_TO_KAZAKH = [  # digraphs first
    ("sh", "ш"), ("zh", "ж"), ("ch", "ч"), ("gh", "ғ"), ("ng", "ң"), ("ya", "я"), ("yu", "ю"),
    ("a", "а"), ("ä", "ә"), ("b", "б"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"),
    ("ğ", "ғ"), ("h", "һ"), ("i", "і"), ("ı", "ы"), ("j", "ж"), ("k", "к"), ("l", "л"),
    ("m", "м"), ("n", "н"), ("ñ", "ң"), ("o", "о"), ("ö", "ө"), ("p", "п"), ("q", "қ"),
    ("r", "р"), ("s", "с"), ("ş", "ш"), ("ç", "ч"), ("t", "т"), ("u", "у"), ("ū", "ұ"),
    ("ü", "ү"), ("v", "в"), ("y", "ы"), ("z", "з"), ("w", "у"), ("x", "х"), ("c", "с"),
]  # fmt: skip
KAZAKH_LATIN_MARKS = frozenset("qğäöüūıñş")
KAZAKH_LATIN_WORDS = _word_set(
    "ushin qansha qalay qalai qayda qashan kerek zhoq zhok tirkelu tirkeu qandas kandas "
    "menin sizdin zhumys jumys aqsha tolau kuzhat kujat bolady boladi isteu isteimin "
    "jasaimyn jasaimin kerekpe kunde bermei jur"
)


def normalise(text: str) -> str:
    """Lower case, ё as е, accents of Latin letters kept (they mark Latin Kazakh)."""
    text = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    return text


def words(text: str) -> list[str]:
    return [word.strip("'_") for word in WORD.findall(normalise(text)) if word.strip("'_")]


def is_cyrillic(word: str) -> bool:
    return any("а" <= char <= "я" or char in KAZAKH_LETTERS or char == "ё" for char in word)


def looks_latin_kazakh(text: str) -> bool:
    """Latin letters that English does not use, or Kazakh words English does not have."""
    found = words(text)
    if not found or any(is_cyrillic(word) for word in found):
        return False
    if any(char in KAZAKH_LATIN_MARKS for word in found for char in word):
        return True
    return any(word in KAZAKH_LATIN_WORDS for word in found)


def latin_to_cyrillic(text: str) -> str:
    """Latin-script Kazakh (official 2021 letters or informal spelling) as Cyrillic."""
    result = normalise(text)
    for latin, cyrillic in LATIN_TO_KAZAKH:
        result = result.replace(latin, cyrillic)
    return result


def detect(text: str, fallback: str) -> str:
    """kk for Kazakh letters (or Latin Kazakh), ru for other Cyrillic, en for Latin; the
    user's language where the text does not tell (digits, emoji)."""
    found = words(text)
    if any(char in KAZAKH_LETTERS for word in found for char in word):
        return "kk"
    if any(is_cyrillic(word) for word in found):
        return "kk" if fallback == "kk" else "ru"
    if any(char.isalpha() for word in found for char in word):
        return "kk" if looks_latin_kazakh(text) else "en"
    return fallback


@lru_cache(maxsize=4)
def _snowball(language: str) -> Any:
    import Stemmer  # imported when the first question is stemmed, not at start-up

    return Stemmer.Stemmer(language)


@lru_cache(maxsize=65536)
def kazakh_stem(word: str) -> str:
    """The word without its grammar endings, its Kazakh letters folded (see FOLD)."""
    stem = word.translate(FOLD)
    changed = True
    while changed:
        changed = False
        for suffix in KAZAKH_SUFFIXES:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= MIN_KAZAKH_STEM:
                stem = stem[: -len(suffix)]
                changed = True
                break
    return stem


@lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, ...]:
    """The stems a word may have: Cyrillic as Russian and as Kazakh (the search cannot
    always tell them apart, and both forms are indexed), Latin as English."""
    if word in STOPWORDS or len(word) < 2 or (word.isdigit() and len(word) < 2):
        return ()
    if is_cyrillic(word):
        if any(char in KAZAKH_LETTERS for char in word):
            return (kazakh_stem(word),)
        return tuple(dict.fromkeys((_snowball("russian").stemWord(word), kazakh_stem(word))))
    return (_snowball("english").stemWord(word),)


def word_stems(text: str) -> list[tuple[str, ...]]:
    """Each meaningful word of `text` as the stems it may have (see `stems`)."""
    return [found for word in words(text) if (found := stems(word))]


def content_stems(text: str) -> list[str]:
    """Every stem of every meaningful word of `text`, in order, without repeats."""
    found: dict[str, None] = {}
    for word in words(text):
        for stem in stems(word):
            found[stem] = None
    return list(found)
