"""Kazakh in its three scripts: Cyrillic to the 2021 Latin alphabet and to the Arabic script
(төте жазу, as written by the Kazakhs of China), and typed Latin or Arabic Kazakh back to
Cyrillic. Our own tables and code, letter by letter:

Latin: the alphabet the Government presented on 28 January 2021 (as tabulated by Wikipedia,
"Kazakh alphabets", and in its sample transliteration "Būryñğy ötken zamanda, bır
danyşpan kısı..."): ә ä, ғ ğ, ң ñ, ө ö, ұ ū, ү ü, у u, ш ş, ч ç, ж j, қ q, ы y, і ı (capital
I), и and й i (capital İ), х and һ h. The letters of Russian loanwords, which that alphabet
leaves out, are spelt as they sound: ц ts, щ şş, э e, and ё ю я as й + о у а: io iu ia
(«Азия» Aziia, as «ия» is і-less и + я); ъ and ь are dropped.

Arabic: the alphabet of the Kazakhs of Xinjiang as Unicode's CLDR (locale kk_Arab: «ءتىلى»
тілі, «سولتۇستىك» солтүстік, «بوسنيا» Босния) and the Kazakhstani press's төте editions
(Kazinform, Egemen, Aqsham) write it. The vowels ә ө ү і are written as а о ұ ы (ا و ۇ ى); a
word that has one of them takes one hamza sign before its first letter: ٴ (U+0674, the high
hamza of the written norm and of Unicode's Kazakh; CLDR and that press often type the plain
ء, U+0621, which is read the same), except a word with е, к or г (ە ك گ), which are front by
themselves and need no sign: «ءبىز» біз, «كەرەك» керек, «ءۇشىن» үшін, «كوپ» көп. Loanword
letters: в ۆ, ф ف, х ح, һ ھ, ц تس (Kazinform: «كونستيتۋتسيا»; CLDR writes س), ч چ, щ شش, э
ە, ё يو, ю يۋ, я يا; ъ and ь dropped (ي before е: Вьетнам ۆيەتنام). As that press and CLDR
spell loans by sound: е after a vowel is يە (Тоқаев توقايەۆ), дж is ج (Джерси جەرسي), нг not
before a vowel is ڭ (Килинг كيليڭ), a doubled final consonant is written once (Маршалл
مارشال), and after и the ي of й и я ю ё is written once (Азия ازيا, валлий ۆاللي). Commas,
question marks and semicolons of the text become ، ؟ ؛ (not inside numbers, links or tags).

Only the Cyrillic words of a text change: HTML tags and entities, {placeholders} and
%(name)s, links, e-mail addresses, /commands, @mentions, numbers, emoji and words already in
Latin letters ("egov.kz", "WhatsApp") stay as they are.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

from bot.rules.language import looks_latin_kazakh

Script = Literal["cyrl", "latn", "arab"]

LATIN: dict[str, str] = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e",
    "ё": "io", "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ұ": "ū", "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ç",
    "ш": "ş", "щ": "şş", "ъ": "", "ы": "y", "і": "ı", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip
HAMZA = "\u0674"  # ٴ, the high hamza of the written norm (the press often types ء)
ARABIC: dict[str, str] = {
    "а": "ا", "ә": "ا", "б": "ب", "в": "ۆ", "г": "گ", "ғ": "ع", "д": "د", "е": "ە",
    "ё": "يو", "ж": "ج", "з": "ز", "и": "ي", "й": "ي", "к": "ك", "қ": "ق", "л": "ل",
    "м": "م", "н": "ن", "ң": "ڭ", "о": "و", "ө": "و", "п": "پ", "р": "ر", "с": "س", "т": "ت",
    "у": "ۋ", "ұ": "ۇ", "ү": "ۇ", "ф": "ف", "х": "ح", "һ": "ھ", "ц": "تس", "ч": "چ",
    "ш": "ش", "щ": "شش", "ъ": "", "ы": "ى", "і": "ى", "ь": "", "э": "ە", "ю": "يۋ", "я": "يا",
}  # fmt: skip
VOWELS_CYRILLIC = frozenset("аәеёиоөуұүыіэюя")
TABLES: dict[str, dict[str, str]] = {"latn": LATIN, "arab": ARABIC}
FRONT_VOWELS = frozenset("әөүі")  # a word with one takes the hamza...
FRONT_BY_THEMSELVES = frozenset("екгэ")  # ...unless it has one of these
ARABIC_PUNCTUATION = {",": "،", "?": "؟", ";": "؛"}


def _merged(table: dict[str, str]) -> dict[str, str]:
    """The letters whose image another letter (or a run of letters) shares."""
    images = set(table.values())
    return {
        letter: image
        for letter, image in table.items()
        if list(table.values()).count(image) > 1
        or image == ""
        or (len(image) > 1 and all(part in images for part in image))
    }


# the letters each script merges, with the image they share: и and й are both i in Latin...
MERGED: dict[Script, dict[str, str]] = {"cyrl": {}, "latn": _merged(LATIN), "arab": _merged(ARABIC)}

# what is kept as it is, in this order: tags, entities, placeholders, links, e-mails,
# /commands, @mentions
KEEP = re.compile(
    r"""<[^>]*>
    | &(?:\#\d+|\#x[0-9a-f]+|[a-z]\w*);
    | \{[^{}]*\}
    | %(?:\([^)]*\))?[-#0+]*\d*(?:\.\d+)?[sdifr]
    | (?:https?://|www\.)[^\s<>"«»]*[^\s<>"«».,;:!?)]
    | [\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+
    | (?<![\w/])/[a-z_][a-z0-9_@]*
    | (?<!\w)@[a-z0-9_]{3,}
    | \b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:kz|ru|com|org|net|gov|io|me|info|uz|kg|cn)\b
    """,
    re.VERBOSE | re.IGNORECASE,
)
CYRILLIC_RUN = re.compile(r"[\u0400-\u052f]+")
NUMBER_COMMA = re.compile(r"(?<=\d)[,](?=\d)")


def _spans(text: str) -> list[tuple[bool, str]]:
    """The text cut into (kept, part): the kept parts are not converted."""
    parts: list[tuple[bool, str]] = []
    at = 0
    for found in KEEP.finditer(text):
        if found.start() > at:
            parts.append((False, text[at : found.start()]))
        parts.append((True, found.group()))
        at = found.end()
    if at < len(text):
        parts.append((False, text[at:]))
    return parts


def _latin_upper(letters: str) -> str:
    return letters.replace("i", "İ").replace("ı", "I").upper()


def _latin_word(word: str) -> str:
    """One Cyrillic word in Latin letters, its capitals kept: Title, ALL CAPS."""
    out: list[str] = []
    for at, char in enumerate(word):
        lower = char.lower()
        image = LATIN.get(lower)
        if image is None:
            out.append(char)
        elif char == lower:
            out.append(image)
        elif len(word) > 1 and (
            word[at + 1 : at + 2].isupper() or (at == len(word) - 1 and word[at - 1].isupper())
        ):
            out.append(_latin_upper(image))  # a capital among capitals: ЦОН -> TSON
        else:
            out.append(_latin_upper(image[:1]) + image[1:])  # Цех -> Tseh
    return "".join(out)


def _hamza(word: str) -> bool:
    letters = set(word)
    return bool(letters & FRONT_VOWELS) and not letters & FRONT_BY_THEMSELVES


def _arabic_word(word: str) -> str:
    """One Cyrillic word in the Arabic script (no capitals there)."""
    word = word.lower()
    out = [HAMZA] if _hamza(word) else []
    for at, char in enumerate(word):
        image = ARABIC.get(char, char)
        before, after = word[at - 1 : at], word[at + 1 : at + 2]
        if before in ("и", "й") and image[:1] == "ي" and (char != "й" or before == "и"):
            image = image[1:]  # ий ии йи ия ию иё: the ي once (валлий, гусии, Азия)
        elif char == "н" and after == "г" and word[at + 2 : at + 3] not in VOWELS_CYRILLIC:
            image = "ڭ"  # нг at the end or before a consonant: ڭ (Килинг)
        elif char == "г" and before == "н" and after not in VOWELS_CYRILLIC:
            image = ""
        elif char == "е" and before and before in "аәоөұүыіэ":
            image = "يە"  # е after a vowel is йе: Тоқаев توقايەۆ
        elif char == "д" and after == "ж":
            image = ""  # дж: ج (Джерси, Фиджи)
        elif char in "ьъ" and after in ("е", "и"):
            image = "ي"  # ье: يە (Вьетнам)
        elif char == before and at == len(word) - 1 and char not in VOWELS_CYRILLIC:
            image = ""  # a double consonant at the end once (Маршалл)
        out.append(image)
    return "".join(out)


def _convert(part: str, script: str) -> str:
    if script == "latn":
        return CYRILLIC_RUN.sub(lambda found: _latin_word(found.group()), part)
    part = CYRILLIC_RUN.sub(lambda found: _arabic_word(found.group()), part)
    part = NUMBER_COMMA.sub("\0", part)  # 1,5 keeps its comma
    for mark, arabic in ARABIC_PUNCTUATION.items():
        part = part.replace(mark, arabic)
    return part.replace("\0", ",")


@lru_cache(maxsize=4096)
def to_script(text: str, script: Script) -> str:
    """Kazakh Cyrillic text (Telegram HTML allowed) in `script`; "cyrl" returns it as it is."""
    if script == "cyrl" or not CYRILLIC_RUN.search(text):
        return text
    text = unicodedata.normalize("NFC", text)
    return "".join(part if kept else _convert(part, script) for kept, part in _spans(text))


def unmapped(text: str, script: Script) -> set[str]:
    """The Cyrillic characters of `text` (outside links, tags, placeholders) that `script`'s
    table has no letter for."""
    if script == "cyrl":
        return set()
    table = TABLES[script]
    text = unicodedata.normalize("NFC", text)
    return {
        char
        for kept, part in _spans(text)
        if not kept
        for run in CYRILLIC_RUN.findall(part)
        for char in run
        if char.lower() not in table
    }


# ---------------------------------------------------------------------------------------
# typed input back to Cyrillic

ARABIC_LETTERS = re.compile(r"[\u0621-\u064a\u0671-\u06d5\ufb50-\ufdff\ufe70-\ufeff]+")
# every form a keyboard may give a Kazakh Arabic letter; ambiguous vowels are resolved per word
ARABIC_BACK: dict[str, str] = {
    "ب": "б", "ۆ": "в", "گ": "г", "ع": "ғ", "د": "д", "ە": "е", "ه": "е", "ج": "ж", "ز": "з",
    "ك": "к", "ک": "к", "ق": "қ", "ل": "л", "م": "м", "ن": "н", "ڭ": "ң", "پ": "п", "ر": "р",
    "س": "с", "ت": "т", "ۋ": "у", "ف": "ф", "ح": "х", "ھ": "һ", "چ": "ч", "ش": "ш", "ۉ": "у",
    "ي": "и", "ی": "и", "ئ": "", "ٴ": "", "ء": "", "أ": "а", "إ": "і", "آ": "а",
}  # fmt: skip
ARABIC_VOWELS = {"ا": ("а", "ә"), "و": ("о", "ө"), "ۇ": ("ұ", "ү"), "ى": ("ы", "і")}
ARABIC_WITH_HAMZA = {"ٵ": "ءا", "ٶ": "ءو", "ٷ": "ءۇ", "ٸ": "ءى", "ۆٴ": "ءو"}
ARABIC_FRONT = frozenset("ەهكکگ")
BACK_CONSONANTS = frozenset("قع")
TELLERS = ARABIC_FRONT | BACK_CONSONANTS
HAMZAS = frozenset("ءٴئ")
IOTATED = {"а": "я", "у": "ю", "о": "ё"}
IOTATED_START = re.compile(r"(^|[аәеиоөуұүыі])[ий]([ауо])")
IOTATED_AFTER_CONSONANT = re.compile(r"(?<=[бвгғджзйкқлмнңпрстфхһцчшщ])и([ау])")
SENTENCE_START = re.compile(r"(?:^|(?<=[.!?]\s)|(?<=\n))[а-яёәғқңөұүһі]")
ARABIC_PUNCTUATION_BACK = str.maketrans({"،": ",", "؟": "?", "؛": ";"})


def _front_vowels(word: str) -> list[bool]:
    """Whether each letter of an Arabic-script word reads as a front vowel. In a word with the
    hamza all do, but by ق or ع (бірақ, қазір, мұғалім); in a word without it each takes the
    nearest letter that tells: ە ك گ front, ق ع back (қызмет: ى by ق is ы; тіркеу: ى by ك
    is і); where none tells, back."""
    if any(char in HAMZAS for char in word):
        return [
            not (word[at - 1 : at] in BACK_CONSONANTS or word[at + 1 : at + 2] in BACK_CONSONANTS)
            for at in range(len(word))
        ]
    tellers = [(at, char in ARABIC_FRONT) for at, char in enumerate(word) if char in TELLERS]
    if not tellers:
        return [False] * len(word)
    return [min(tellers, key=lambda teller: abs(teller[0] - at))[1] for at in range(len(word))]


def _arabic_to_cyrillic(word: str) -> str:
    """A word of Kazakh Arabic script in Cyrillic (see `_front_vowels`)."""
    for composed, parts in ARABIC_WITH_HAMZA.items():
        word = word.replace(composed, parts)
    front = _front_vowels(word)
    out: list[str] = []
    for at, char in enumerate(word):
        if char in ARABIC_VOWELS:
            out.append(ARABIC_VOWELS[char][front[at]])
            continue
        letter = ARABIC_BACK.get(char, char)
        if letter == "и" and out and out[-1] in VOWELS_CYRILLIC:
            letter = "й"  # ي after a vowel: бай, сыйлық
        if letter == "ш" and out and out[-1] == "ш":
            out[-1] = "щ"  # شش is щ (ащы)
            continue
        out.append(letter)
    # я ю ё: ي + а у о at the start of a word or after a vowel (ая, аю); ия, ию after a
    # consonant (Азия, жию: the ي is written once there)
    cyrillic = IOTATED_START.sub(
        lambda found: found.group(1) + IOTATED[found.group(2)], "".join(out)
    )
    return IOTATED_AFTER_CONSONANT.sub(lambda found: "и" + IOTATED[found.group(1)], cyrillic)


# Latin: every letter of the 2021 alphabet, the 2018 one (á ǵ ń ó ú ý, sh ch, ı for и й),
# and plain ASCII as people type it (q or k, g or gh, sh ch zh, i for і)
LATIN_2021_MARKS = frozenset("äğñöşüūç")
LATIN_2018_MARKS = frozenset("áǵńóúý")
LATIN_COMMON: dict[str, str] = {
    "a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "j": "ж", "l": "л", "m": "м", "n": "н",
    "o": "о", "p": "п", "q": "қ", "r": "р", "s": "с", "t": "т", "v": "в", "z": "з", "y": "ы",
    "ä": "ә", "á": "ә", "ğ": "ғ", "ǵ": "ғ", "ñ": "ң", "ń": "ң", "ö": "ө", "ó": "ө",
    "ş": "ш", "ç": "ч", "ü": "ү", "ú": "ү", "ū": "ұ", "ý": "у", "w": "у", "x": "х",
    "c": "с", "h": "х", "k": "к", "g": "г",
}  # fmt: skip
LATIN_PAIRS = {"sh": "ш", "ch": "ч", "zh": "ж", "gh": "ғ", "kh": "х"}
LATIN_VOWELS = frozenset("aeiouyäáöóüúūıý")
SYLLABIC = frozenset("aeoyäáöóüúū")  # vowels an і never follows (i, ı, u and ý may be й, у)
# an English word or a name in a Latin Kazakh message is left as it is
ENGLISH_LOOKING = re.compile(r"th|oo|ee|ck|ph|w|x|c(?!h)|\d|[a-z][A-Z]")
ASCII_FRONT = re.compile(r"[eäáöóüú]|(?<![aeouy])i")
LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏǴǵ]+")


def _latin_variant(text: str) -> str:
    """2021, 2018 or ascii: which Latin the text is written in (its marks tell; an ı only
    ever after a vowel, qalaı, is the 2018 й)."""
    lower = text.lower()
    letters = set(lower)
    if letters & LATIN_2018_MARKS:
        return "2018"
    if letters & LATIN_2021_MARKS:
        return "2021"
    if "ı" in letters:
        after_vowel = all(at and lower[at - 1] in SYLLABIC for at in _positions(lower, "ı"))
        return "2018" if after_vowel else "2021"
    return "ascii"


def _positions(text: str, letter: str) -> list[int]:
    return [at for at, char in enumerate(text) if char == letter]


def _i_letter(before: str) -> str:
    """и/й of the Latin alphabets: й after a vowel (бай, үйі), и elsewhere."""
    return "й" if before and before in LATIN_VOWELS else "и"


def _latin_to_cyrillic_word(word: str, variant: str) -> str:
    lower = word.replace("İ", "i").lower()
    # which Latin letter is и/й and which is і in this variant
    yi, ii = {"2021": ("i", "ı"), "2018": ("ı", "i"), "ascii": ("", "i")}[variant]
    # ASCII k g u: к г ү in a word with a front vowel (an i after a vowel is й, not one)
    front = variant == "ascii" and bool(ASCII_FRONT.search(lower))
    out: list[str] = []
    at = 0
    while at < len(lower):
        char, pair = lower[at], lower[at : at + 2]
        before = lower[at - 1] if at else ""
        after = lower[at + 1 : at + 2]
        if variant != "ascii" and lower.startswith("ts" + yi, at):
            out.append("ц")  # ts + и is ци (полиция, медицина); тс + і is кетсін
            at += 2
            continue
        if pair in LATIN_PAIRS:
            out.append(LATIN_PAIRS[pair])
            at += 2
            continue
        if variant == "ascii" and pair == "ng" and lower[at + 2 : at + 3] not in LATIN_VOWELS:
            out.append("ң")  # ng at the end or before a consonant: мың, кеңсе
            at += 2
            continue
        if (
            char in (yi or "i")
            and after in ("a", "u", "o", "ý")
            and (not before or before in LATIN_VOWELS or before == char)
        ):
            out.append({"a": "я", "u": "ю", "ý": "ю", "o": "ё"}[after])  # ia: я, aiu: аю
            at += 2
            continue
        if variant == "ascii" and char == "y" and after in ("a", "u") and not before:
            out.append("я" if after == "a" else "ю")
            at += 2
            continue
        if char == yi:
            out.append(_i_letter(before))
        elif char == ii:
            after_vowel = variant != "2018" and before in SYLLABIC
            out.append("й" if after_vowel else "і")  # ASCII qalai: й
        elif char == "u":
            if variant == "2018":
                out.append("ұ")
            elif variant == "2021" or not before or before in LATIN_VOWELS:
                out.append("у")
            elif after in LATIN_VOWELS or not after:
                out.append("у")  # тұру: a u at the end or before a vowel is у
            else:
                out.append("ү" if front else "ұ")
        elif variant == "ascii" and char in "kg":
            out.append({"k": "кқ", "g": "гғ"}[char][not front])
        elif variant == "ascii" and char == "y" and before in "aeo" and after not in LATIN_VOWELS:
            out.append("й")  # bay, qaray
        elif char in LATIN_COMMON:
            out.append(LATIN_COMMON[char])
        else:
            out.append(char)
        at += 1
    return _case_like(word, "".join(out))


def _case_like(original: str, converted: str) -> str:
    if len(original) > 1 and original.isupper():
        return converted.upper()
    if original[:1].isupper():
        return converted[:1].upper() + converted[1:]
    return converted


def _latin_to_cyrillic(part: str, variant: str) -> str:
    def word(found: re.Match[str]) -> str:
        text = found.group()
        if ENGLISH_LOOKING.search(text.lower()) or ENGLISH_LOOKING.search(text):
            return text  # WhatsApp, Google: not Kazakh
        return _latin_to_cyrillic_word(text, variant)

    return LATIN_WORD.sub(word, part)


@lru_cache(maxsize=1024)
def to_cyrillic(text: str) -> str:
    """Kazakh typed in the 2021 Latin, the 2018 accented Latin, plain ASCII Latin or the
    Arabic script, in Cyrillic (the likeliest reading: an ASCII i is і, and и or й in the
    Latin alphabets is й after a vowel, и elsewhere; ASCII k g u follow the word's vowels).
    Cyrillic text, and Latin text that reads as English, come back as they are."""
    text = unicodedata.normalize("NFC", text)
    if CYRILLIC_RUN.search(text):
        return text
    if ARABIC_LETTERS.search(text):
        converted = []
        for kept, part in _spans(text):
            if not kept:
                part = ARABIC_LETTERS.sub(lambda found: _arabic_to_cyrillic(found.group()), part)
                part = part.translate(ARABIC_PUNCTUATION_BACK)
            converted.append(part)
        # the Arabic script has no capitals: a sentence starts with one
        return SENTENCE_START.sub(lambda found: found.group().upper(), "".join(converted))
    if not looks_latin_kazakh(text):
        return text
    variant = _latin_variant(text)
    return "".join(
        part if kept else _latin_to_cyrillic(part, variant) for kept, part in _spans(text)
    )
