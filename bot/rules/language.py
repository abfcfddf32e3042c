"""Words as the search sees them: normalised, in their language, stemmed.

Russian and English go through Snowball (PyStemmer). No installable Kazakh stemmer works
offline, so Kazakh goes through `kazakh_stem` below: a small suffix stripper for the
endings that carry grammar, not meaning (plural, possessive, case, a few verb forms).
Kazakh is agglutinative and its endings follow vowel harmony, so the endings are listed in
every harmonic variant and stripped longest first, repeatedly, while at least
MIN_KAZAKH_STEM letters stay. It over-stems a little (a noun ending in "-ға" loses it), which
costs nothing here: documents and questions are stemmed the same way.

Latin-script Kazakh ("qalaı tirkelemin", "kalai tirkelemin", "qalai tırkelemın") is read
in Cyrillic through one table of the official alphabets and informal spelling
(`LATIN_KAZAKH`); a spelling with several readings keeps them all (`cyrillic_readings`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
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
    us upon into its their whether also shall obtain receive non some any there here
    would want guidance possible options
    и в во на с со к ко по о об от до за из у для а но или ли же бы не ни как что чтобы
    это этот эта эти то тот та те там тут где когда куда откуда почему зачем сколько
    какой какая какие каких кто чем мне меня мой моя мои я мы вы ты он она они его ее их
    есть быть был была было нужно надо можно нельзя ли пожалуйста здравствуйте привет
    скажите подскажите помогите хочу если да нет уже еще очень нужен нужна нужны
    может могу можете могут мог смогу сможет сможете смогут того этого этом этой тому
    например более менее также тоже либо ну вот так всё все всех весь вся свой своя свои
    себя нам вам нас вас ему ей им ими будет будут был были именно просто каков какова
    каковы какое какую который которая которые которых буду будешь должен должна должно
    должны через хотелось хотел хотела хотим мое моё моего моей моем необходимо человек
    және мен бен пен да де та те ма ме ба бе па пе ғой қой ше шы ші бұл осы сол мына ол
    не неге қалай қанша қашан қайда кім қандай мен сен сіз біз олар менің сенің сіздің
    біздің керек бар жоқ ба ма болады болса сәлем сәлеметсіз бе және немесе үшін туралы
    ия иә жоқ енді тағы өте
    """
)

# Latin-script Kazakh, every way it is written, in one table: what each Latin letter (or
# pair) may stand for in Cyrillic, the likeliest first.
#   2021 official alphabet (presented by the Government on 28 Jan 2021): ä ğ ñ ö ş ü ū;
#     ı for і, i for и and й, y for ы, u for у, ç for ч;
#   2018 alphabet (Decree of 19 Feb 2018): á ǵ ń ó ú ý, sh and ch; i for і, ı for и and й,
#     y for ы, ý for у, u for ұ;
#   2017 apostrophes (a' g' n' o' u' y' i' s' c') and plain ASCII as people type it:
#     q or k for қ, g or gh for ғ, sh, ch, zh or j, u for ұ/ү/у, o for ө, a for ә, i or y
#     for і/ы/й.
# Where one spelling has several readings (i, ı, y, ng), every reading is kept and the search
# matches any; қ/к, ғ/г, ұ/ү/у... need none, as the Kazakh stems fold them (see FOLD).
LATIN_TABLE = """
    sh:ш  ch:ч  zh:ж  gh:ғ  kh:х  ng:ң,нг  ya:я  yu:ю
    a':ә  g':ғ  n':ң  o':ө  u':ү  y':у  i':и  s':ш  c':ч
    a:а,ә  ä:ә  á:ә  b:б  c:с  ç:ч  d:д  e:е  f:ф  g:г,ғ  ğ:ғ  ǵ:ғ  h:х,һ  i:і,и,й  ı:і,й,и
    j:ж  k:к,қ  l:л  m:м  n:н,ң  ñ:ң  ń:ң  o:о,ө  ö:ө  ó:ө  p:п  q:қ  r:р  s:с  ş:ш  t:т
    u:у,ұ,ү  ū:ұ  ü:ү  ú:ү  v:в  w:у  x:х  y:ы,й  ý:у  z:з
"""
LATIN_KAZAKH: dict[str, tuple[str, ...]] = {
    spelling: tuple(readings.split(","))
    for spelling, readings in (entry.split(":") for entry in LATIN_TABLE.split())
}
LATIN_SPELLINGS = sorted(LATIN_KAZAKH, key=len, reverse=True)  # pairs before letters
FOLDED_STOPWORDS = frozenset(word.translate(FOLD) for word in STOPWORDS)
QAZAQ_Q = re.compile(r"q[aeiouyıäöüū]")  # English has q only before u
VOWELS = frozenset("aeiouyäáöóüúūıý")
CONSONANT_RUN = re.compile(r"[^aeiouyäáöóüúūıý]{4}")
REPEAT = re.compile(r"(.)\1\1")
KAZAKH_LATIN_MARKS = frozenset("äáğǵñńöóşüúūıýç")  # letters only Latin Kazakh uses
MAX_READINGS = 8  # readings of one word kept (the likeliest)
# Kazakh words people type in Latin that English does not have (beside the stopwords)
KAZAKH_LATIN_WORDS = _word_set(
    "ushin qansha qalay qalai qayda qashan kerek zhoq zhok tirkelu tirkeu qandas kandas "
    "menin sizdin zhumys jumys aqsha tolau kuzhat kujat bolady boladi isteu isteimin "
    "jasaimyn jasaimin kerekpe kunde bermei jur"
)


def normalise(text: str) -> str:
    """Lower case, ё as е, accents of Latin letters kept (they mark Latin Kazakh); a capital
    dotted İ is an i."""
    text = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    return text.replace("i\u0307", "i")


# Abbreviations people type for the papers, read as the words they stand for too (kept
# themselves: a text may use either). Each language's own, and the ones people mix up (ИНН
# is Russia's tax number, but in Kazakhstan people mean the ИИН).
ABBREVIATIONS = {
    "trp": "temporary residence permit",
    "rvp": "temporary residence permit",
    "рвп": "разрешение на временное проживание",
    "внж": "вид на жительство",
    "пмж": "постоянное место жительства",
    "рпп": "разрешение на постоянное проживание",
    "инн": "иин",
    "iin": "иин жсн",
    "иин": "iin жсн",
    "жсн": "иин iin",
    "цон": "правительство для граждан",
    "хқко": "азаматтарға арналған үкімет",
    "psc": "government for citizens",
    "эцп": "электронная цифровая подпись",
    "эцқ": "электрондық цифрлық қолтаңба",
    "eds": "electronic digital signature",
    "еаэс": "евразийский экономический союз",
    "еаэо": "еуразиялық экономикалық одақ",
    "eaeu": "eurasian economic union",
}


def words(text: str) -> list[str]:
    found = [word.strip("'_") for word in WORD.findall(normalise(text)) if word.strip("'_")]
    expanded: list[str] = []
    for word in found:
        expanded.append(word)
        if word in ABBREVIATIONS:
            expanded += ABBREVIATIONS[word].split()
    return expanded


def is_cyrillic(word: str) -> bool:
    return any("а" <= char <= "я" or char in KAZAKH_LETTERS or char == "ё" for char in word)


def is_latin(word: str) -> bool:
    return any("a" <= char <= "z" or char in LATIN_KAZAKH for char in word)


@lru_cache(maxsize=65536)
def cyrillic_readings(word: str) -> tuple[str, ...]:
    """A Latin word as the Cyrillic Kazakh words it may spell, likeliest first (at most
    MAX_READINGS, told apart as the stems see them); () if it has a letter of no Latin
    Kazakh alphabet."""
    readings: dict[str, str] = {"": ""}  # folded -> reading
    at = 0
    while at < len(word):
        spelling = next((s for s in LATIN_SPELLINGS if word.startswith(s, at)), None)
        if spelling is None and not word[at].isdigit():
            return ()
        options = LATIN_KAZAKH[spelling] if spelling else (word[at],)
        grown: dict[str, str] = {}
        for folded, reading in readings.items():
            for option in options:
                grown.setdefault(folded + option.translate(FOLD), reading + option)
        readings = dict(list(grown.items())[:MAX_READINGS])
        at += len(spelling) if spelling else 1
    return tuple(readings.values())


def latin_to_cyrillic(text: str) -> str:
    """Latin-script Kazakh as Cyrillic, each word in its likeliest reading."""
    return " ".join((cyrillic_readings(word) or (word,))[0] for word in words(text))


def kazakh_stopword(word: str) -> bool:
    """A Latin word that reads as a Kazakh (or Russian) question word or filler."""
    return any(reading.translate(FOLD) in FOLDED_STOPWORDS for reading in cyrillic_readings(word))


def latin_kazakh_evidence(word: str) -> bool:
    """A Latin word English would not have: a Latin Kazakh letter, q before a vowel, a
    Kazakh word, or a Kazakh question word or filler."""
    if word in STOPWORDS:  # English: "men", "bar" and "ne" are not taken for Kazakh
        return False
    return (
        any(char in KAZAKH_LATIN_MARKS for char in word)
        or QAZAQ_Q.search(word) is not None
        or word in KAZAKH_LATIN_WORDS
        or kazakh_stopword(word)
    )


def looks_latin_kazakh(text: str) -> bool:
    """Latin text with more signs of Kazakh than of English (its function words)."""
    found = [word for word in words(text) if is_latin(word)]
    if not found or any(is_cyrillic(word) for word in words(text)):
        return False
    kazakh = sum(latin_kazakh_evidence(word) for word in found)
    english = sum(word in STOPWORDS for word in found)
    return kazakh > english


def pronounceable(word: str) -> bool:
    """Not keyboard mashing: a vowel, no four consonants or three same letters in a row."""
    letters = "".join(char for char in word if char.isalpha())
    if not any(char in VOWELS for char in letters):
        return False
    return not CONSONANT_RUN.search(letters) and not REPEAT.search(letters)


def detect(text: str, fallback: str) -> str:
    """The language a text is written in: kk for Kazakh letters or Latin Kazakh, ru for other
    Cyrillic (kk for a Kazakh speaker: the search cannot tell them apart), en for Latin
    words; the user's language where the text does not tell (digits, emoji, mashed keys)."""
    found = words(text)
    if any(char in KAZAKH_LETTERS for word in found for char in word):
        return "kk"
    if any(is_cyrillic(word) for word in found):
        return "kk" if fallback == "kk" else "ru"
    latin = [word for word in found if is_latin(word) and len(word) > 1]
    if not latin:
        return fallback
    if looks_latin_kazakh(text):
        return "kk"
    if sum(pronounceable(word) for word in latin) * 2 <= len(latin):
        return fallback  # mostly mashed keys: no language
    return "en"


GREETING_WORDS = _word_set(
    """
    сәлем сәлеметсіз сәлеметсіздер салам салем селем салют амансыз амансыздар қалайсыз қалайсың
    привет приветствую здравствуйте здравствуй здрасте здрасьте хай
    hi hii hello helo hey hallo salem salam selem privet zdravstvuite
    """.translate(FOLD)
)
GREETING_PHRASES = (  # phrases that greet only together
    "добрый день", "доброе утро", "добрый вечер", "қайырлы таң", "қайырлы күн", "қайырлы кеш",
    "good morning", "good afternoon", "good evening", "good day", "как дела", "how are you",
    "жағдайыңыз қалай", "қалыңыз қалай",
)  # fmt: skip
GREETING_FILLERS = _word_set(
    "бе ба ма ме бот всем вам ағай апай there all everyone bot dear".translate(FOLD)
)
# as-salamu alaykum as it is typed: ассалаумағалейкум, салам алейкум, assalamu alaikum...
SALAM_ALEIKUM = re.compile(r"^а?с+ал[а-я]*?л[еяа]?[йи]?к[уюоү]м$|^a?s+al[a-z]*?l[ea]?[iy]?k[uo]m$")


def is_greeting(text: str) -> bool:
    """Only a greeting ("сәлем", "привет", "hi", "ассалаумағалейкум", "good morning")."""
    text = " ".join(words(text)).translate(FOLD)
    if not text:
        return False
    if SALAM_ALEIKUM.match(text.replace(" ", "")):
        return True
    for phrase in GREETING_PHRASES:
        text = text.replace(phrase.translate(FOLD), "сәлем".translate(FOLD))
    found = text.split()
    return any(word in GREETING_WORDS for word in found) and all(
        word in GREETING_WORDS or word in GREETING_FILLERS for word in found
    )


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
        russian = _snowball("russian").stemWord(word)
        if russian in russian_stop_stems():  # "каком", "этого": fillers too
            return ()
        return tuple(dict.fromkeys((russian, kazakh_stem(word))))
    stem = _snowball("english").stemWord(word)
    return () if stem in english_stop_stems() else (stem,)  # "needed", "gets": fillers too


@cache
def russian_stop_stems() -> frozenset[str]:
    """The Russian stopwords as stems, those of three letters or more (shorter stems, "ег"
    of «его», would take real words with them)."""
    russian = _snowball("russian")
    found = (russian.stemWord(word) for word in STOPWORDS if is_cyrillic(word))
    return frozenset(stem for stem in found if len(stem) >= 3) - KEEP_STEMS


KEEP_STEMS = frozenset({"ест", "быт", "бол", "бар", "над"})  # also stems of real words (боль)


@cache
def english_stop_stems() -> frozenset[str]:
    """The English stopwords as stems ("needed" stems as the stopword "need" does)."""
    english = _snowball("english")
    return frozenset(english.stemWord(word) for word in STOPWORDS if word.isascii())


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
