"""Kazakh in three scripts (bot/rules/scripts.py): Cyrillic to the 2021 Latin alphabet and to
the Arabic script, typed Latin and Arabic back to Cyrillic; what is not Kazakh Cyrillic
(tags, placeholders, links, names in Latin letters) stays as it is."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.rules.scripts import ARABIC, LATIN, MERGED, to_cyrillic, to_script, unmapped

ROOT = Path(__file__).resolve().parents[1]
KAZAKH = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"

# the 2021 alphabet as presented on 28 January 2021, and the loanword letters spelt by sound
LATIN_LINE = (
    "a ä b v g ğ d e io j z i i k q l m n ñ o ö p r s t u ū ü f h h ts ç ş şş - y ı - e iu ia"
)
# the Arabic script of the Kazakhs of China (CLDR kk_Arab; ц as Kazinform writes it)
ARABIC_LINE = (
    "ا ا ب ۆ گ ع د ە يو ج ز ي ي ك ق ل م ن ڭ و و پ ر س ت ۋ ۇ ۇ ف ح ھ تس چ ش شش - ى ى - ە يۋ يا"
)
LATIN_2021 = dict(zip(KAZAKH, LATIN_LINE.split(), strict=True))
ARABIC_XINJIANG = dict(zip(KAZAKH, ARABIC_LINE.split(), strict=True))


def test_the_tables_have_every_letter_as_published() -> None:
    assert {letter: image or "-" for letter, image in LATIN.items()} == LATIN_2021
    assert {letter: image or "-" for letter, image in ARABIC.items()} == ARABIC_XINJIANG


def test_merged_letters_are_the_ones_sharing_an_image() -> None:
    assert MERGED["cyrl"] == {}
    for pair in ("ий", "хһ", "еэ", "ъь"):
        assert set(pair) <= MERGED["latn"].keys()
    for group in ("ий", "еэ", "аә", "оө", "ұү", "ыі", "ъь"):
        assert set(group) <= MERGED["arab"].keys()
    assert not {"ә", "ө", "ү", "ұ", "і", "ы", "ғ", "қ", "ң", "ш"} & MERGED["latn"].keys()


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Қазақстан Республикасы", "Qazaqstan Respublikasy"),
        ("бұрыңғы өткен заманда, бір данышпан кісі", "būryñğy ötken zamanda, bır danyşpan kısı"),
        ("үйіне келіп қоныпты", "üiıne kelıp qonypty"),
        ("сый беріп, қалайын", "syi berıp, qalaiyn"),
        ("жұмысқа шығу, шешім", "jūmysqa şyğu, şeşım"),
        ("Азия, полиция, ащы, ёлка, юрист", "Aziia, politsiia, aşşy, iolka, iurist"),
        ("мобильді, съезд, чек, хат, һәм", "mobildı, sezd, çek, hat, häm"),
    ],
)
def test_latin_2021(cyrillic: str, latin: str) -> None:
    assert to_script(cyrillic, "latn") == latin


def test_latin_capitals_title_and_all_caps() -> None:
    assert to_script("Ірі Иә Шымкент Ұлттық Өскемен", "latn") == "Irı İä Şymkent Ūlttyq Öskemen"
    assert to_script("ЖСН ИИН ӘҚБтК АҚШ", "latn") == "JSN İİN ÄQBtK AQŞ"
    assert to_script("ЦОН, Цех, ЮНЕСКО, Юрист, Я", "latn") == "TSON, Tseh, İUNESKO, İurist, İa"
    assert to_script("ШЕКАРА ЖАБЫҚ", "latn") == "ŞEKARA JABYQ"


@pytest.mark.parametrize(
    ("cyrillic", "arabic"),
    [
        # the hamza: a word with ә ө ү і takes it once, before its first letter...
        ("біз", "ٴبىز"),
        ("тілі", "ٴتىلى"),
        ("үшін", "ٴۇشىن"),
        ("сәтті", "ٴساتتى"),
        ("Әзірбайжан", "ٴازىربايجان"),
        ("иә", "ٴيا"),
        # ...not a word with е, к or г, front by themselves
        ("керек", "كەرەك"),
        ("көп", "كوپ"),
        ("гүл", "گۇل"),
        ("төменгі", "تومەنگى"),
        ("солтүстік", "سولتۇستىك"),
        ("бергейсіз", "بەرگەيسىز"),
        # back words have none
        ("ағылшын", "اعىلشىن"),
        ("жоғарғы", "جوعارعى"),
        ("қазақ", "قازاق"),
    ],
)
def test_arabic_hamza(cyrillic: str, arabic: str) -> None:
    assert to_script(cyrillic, "arab") == arabic


@pytest.mark.parametrize(
    ("cyrillic", "arabic"),
    [
        ("Франция", "فرانتسيا"),  # ц: تس
        ("Тоқаев", "توقايەۆ"),  # е after a vowel: يە
        ("поэзиясы", "پوەزياسى"),  # э: ە
        ("Джерси", "جەرسي"),  # дж: ج
        ("Азия", "ازيا"),  # ия: the ي once
        ("валлий", "ۆاللي"),  # ий: the ي once
        ("Вьетнам", "ۆيەتنام"),  # ье: يە
        ("Маршалл", "مارشال"),  # a double consonant at the end once
        ("кирилл", "كيريل"),
        ("аттар", "اتتار"),  # inside a word it stays double
        ("Кюрасао", "كيۋراساو"),  # ю: يۋ
        ("соёмбо", "سويومبو"),  # ё: يو
        ("ащы", "اششى"),  # щ: شش
        ("съезд, мобильді, фриуль", "سيەزد، ٴموبيلدى، فريۋل"),  # ъ ь: dropped, ي before е
        ("чех", "چەح"),
        ("Килинг", "كيليڭ"),  # нг at the end: ڭ
        ("жазу", "جازۋ"),
    ],
)
def test_arabic_loanwords(cyrillic: str, arabic: str) -> None:
    assert to_script(cyrillic, "arab") == arabic


def test_arabic_punctuation_outside_numbers_links_and_tags() -> None:
    text = 'Иә, 1,5 млн; қалай? <a href="https://a.kz/?q=1,2;3">сілтеме</a>, {name}?'
    assert to_script(text, "arab") == (
        'ٴيا، 1,5 ملن؛ قالاي؟ <a href="https://a.kz/?q=1,2;3">سىلتەمە</a>، {name}؟'
    )
    assert "," not in to_script("бір, екі", "arab")


KEPT = [
    "<b>",
    "</b>",
    '<a href="https://egov.kz/cms/kk/articles/тіркеу?lang=kk">',
    "</a>",
    "&amp;",
    "&lt;",
    "&#8381;",
    "{contact_centre}",
    "{days}",
    "%(count)s",
    "%s",
    "https://www.gov.kz/memleket/entities/мвд",
    "info@joldas.kz",
    "/start",
    "/directory",
    "@joldas_bot",
    "egov.kz",
    "WhatsApp",
    "Neo Nomad",
    "2026",
    "1 625",
    "🇰🇿",
    "🆘",
    "⚠️",
]


@pytest.mark.parametrize("script", ["latn", "arab"])
def test_what_is_not_kazakh_cyrillic_stays(script: str) -> None:
    text = "Сәлем! " + " тексеріңіз ".join(KEPT) + " соңы"
    converted = to_script(text, script)
    for kept in KEPT:
        assert kept in converted, kept
    assert "тексеріңіз" not in converted and "Сәлем" not in converted


def test_cyrillic_and_text_without_cyrillic_are_returned_as_they_are() -> None:
    text = "<b>Сәлем</b>, {name}!"
    assert to_script(text, "cyrl") is text
    assert to_script("Hello, WhatsApp?", "arab") == "Hello, WhatsApp?"


def test_to_script_is_cached() -> None:
    assert to_script.cache_parameters()["maxsize"] == 4096
    text = "Кеш тексеру мәтіні"
    first = to_script(text, "latn")
    hits = to_script.cache_info().hits
    assert to_script(text, "latn") is first
    assert to_script.cache_info().hits == hits + 1


# real Kazakh words: Cyrillic -> script -> Cyrillic gives them back (equal up to MERGED)
ROUND_TRIP = """
    қазақстан тіркеу керек жұмыс үшін өтініш сіз біз мен бала ата ана әке шешім құжат
    мерзім рұқсат азамат еңбек көші-қон уақыт сағат қызмет мекенжай қалай қашан қайда
    бәрі білім мектеп ауыл қала үй отбасы сөз тіл күн жыл ай апта кітап дүкен жол шекара
    жазыңыз жіберіңіз тексеріңіз сақтандыру айыппұл салық төлем ақша банк телефон ұйым
    сыйлық бұйрық жауап сұрақ ықтиярхат шетелдік көмек өтеді болады келеді тұрады
    сенім жаңа ескі үлкен кіші жақсы ұзақ қысқа оңтүстік солтүстік батыс шығыс
"""


@pytest.mark.parametrize("script", ["latn", "arab"])
def test_round_trips_equal_up_to_the_merged_letters(script: str) -> None:
    sentence = " ".join(ROUND_TRIP.split())
    back = to_cyrillic(to_script(sentence, script))
    assert to_script(back, script) == to_script(sentence, script)  # the same image
    for word, read in zip(sentence.split(), back.lower().split(), strict=True):
        if not set(word) & MERGED[script].keys():
            assert read == word, (word, to_script(word, script), read)


def test_round_trip_latin_keeps_the_merged_letters_it_can_tell() -> None:
    sentence = "ол үйге келді, айтты, Азия, полиция, сый, тию, жаяу, аю, киім, тиісті"
    assert to_cyrillic(to_script(sentence, "latn")) == sentence


@pytest.mark.parametrize(
    ("typed", "cyrillic"),
    [
        # 2021
        ("Qazaqstanda qalai tırkelemın?", "Қазақстанда қалай тіркелемін?"),
        ("Sälem! Būl jerde jūmys bar ma?", "Сәлем! Бұл жерде жұмыс бар ма?"),
        ("İä, bılemın", "Иә, білемін"),
        # 2018 accented, with its own і/и: i is і, ı is и and й
        ("Qazaqstan Respýblıkasy, saıt, ǵylym, ań", "Қазақстан Республикасы, сайт, ғылым, аң"),
        ("Qazaqstanda qalaı tirkelemin? Rahmet", "Қазақстанда қалай тіркелемін? Рахмет"),
        # plain ASCII: q or k, g or gh, sh ch zh, i for і (й after a vowel), u by the vowels
        ("Qazaqstanda qalay tirkelemin?", "Қазақстанда қалай тіркелемін?"),
        ("kazakstanda kuzhat kerek pe", "қазақстанда құжат керек пе"),
        ("Men Almatyda jumys isteimin, kujat kerek", "Мен Алматыда жұмыс істеймін, құжат керек"),
        ("kunine qansha aqsha kerek", "күніне қанша ақша керек"),
    ],
)
def test_latin_typed_back_to_cyrillic(typed: str, cyrillic: str) -> None:
    assert to_cyrillic(typed) == cyrillic


def test_english_and_names_in_latin_are_not_mangled() -> None:
    assert to_cyrillic("How do I register in Kazakhstan?") == "How do I register in Kazakhstan?"
    assert to_cyrillic("Men WhatsApp arqyly jazdym, Google-dan taptym") == (
        "Мен WhatsApp арқылы жаздым, Google-дан таптым"
    )
    kept = "Qalai tirkelemin? https://egov.kz/cms /start info@mail.kz {name} @joldas_bot"
    assert to_cyrillic(kept) == (
        "Қалай тіркелемін? https://egov.kz/cms /start info@mail.kz {name} @joldas_bot"
    )


def test_cyrillic_and_other_text_unchanged() -> None:
    for text in ("Қалай тіркелемін?", "Как зарегистрироваться?", "12345", "👍", ""):
        assert to_cyrillic(text) == text


@pytest.mark.parametrize(
    ("typed", "cyrillic"),
    [
        (
            "ءبىز قازاقستاندا تۇرامىز، سىزدەر قالايسىزدار؟",
            "Біз қазақстанда тұрамыз, сіздер қалайсыздар?",
        ),
        ("ٴبىز", "Біз"),  # the high hamza U+0674 too
        ("ٵكە", "Әке"),  # a letter with the hamza built in
        ("كەرەك", "Керек"),  # е к г: front without the hamza
        ("ءتىركەۋ ءۇشىن", "Тіркеу үшін"),
        ("قىزمەت", "Қызмет"),  # ى by ق is ы
        ("ءقازىر ءبىراق", "Қазір бірақ"),  # by ق a back vowel, even with the hamza
        ("سىيلىق باي", "Сыйлық бай"),  # ي after a vowel: й
        ("بوسنيا، ازيا", "Босния, азия"),
        ("اششى", "Ащы"),
    ],
)
def test_arabic_typed_back_to_cyrillic(typed: str, cyrillic: str) -> None:
    assert to_cyrillic(typed) == cyrillic


def _kazakh_texts() -> list[str]:
    texts = []
    with (ROOT / "locales/kk/LC_MESSAGES/messages.po").open("rb") as po:
        for message in read_po(po):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            texts += [string for string in strings if message.id and string]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "kk" and isinstance(value, str):
                    texts.append(value)
                elif key == "kk" and isinstance(value, list):
                    texts.extend(item for item in value if isinstance(item, str))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted((ROOT / "bot/content").rglob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return texts


@pytest.mark.parametrize("script", ["latn", "arab"])
def test_every_kazakh_text_converts_with_no_unmapped_letter(script: str) -> None:
    texts = _kazakh_texts()
    assert len(texts) > 1500
    missing = {char: text for text in texts for char in unmapped(text, script)}
    assert missing == {}
    assert unmapped("Київ", script) == {"ї"}


# published parallel texts (tests/data/script_pairs.json, each with its source): Kazakhstani
# and Xinjiang sites' Cyrillic and төте editions, the 2021 Latin of adyrna.kz, the 2018 Latin
# of lat.egemen.kz
PAIRS = json.loads((ROOT / "tests/data/script_pairs.json").read_text(encoding="utf-8"))
LETTERS = re.compile(r"[^\W\d_]+")
# adyrna.kz types look-alikes for two letters of the 2021 alphabet: ǧ for ğ and ŋ for ñ
LOOK_ALIKES = str.maketrans({"ǧ": "ğ", "Ǧ": "Ğ", "ŋ": "ñ", "Ŋ": "Ñ"})
# the press types the hamza as the plain ء (U+0621); the written norm's sign is ٴ (U+0674)
PLAIN_HAMZA = str.maketrans({"ء": "ٴ"})


def _word_accuracy(pairs: list[tuple[str, str]]) -> tuple[float, list[tuple[str, str]]]:
    """Words of the converted texts equal to the published ones (texts whose word counts
    differ, a split abbreviation, are left out), and the misses."""
    total, misses = 0, []
    for converted, published in pairs:
        ours, theirs = LETTERS.findall(converted), LETTERS.findall(published)
        if len(ours) != len(theirs):
            continue
        total += len(ours)
        misses += [
            (mine, wanted) for mine, wanted in zip(ours, theirs, strict=True) if mine != wanted
        ]
    return 1 - len(misses) / total, misses


def test_published_parallel_texts_word_accuracy() -> None:
    arabic = [
        (to_script(pair["cyrillic"], "arab"), pair["arabic"].translate(PLAIN_HAMZA))
        for pair in PAIRS["arabic"]
    ]
    latin = [
        (to_script(pair["cyrillic"], "latn"), pair["latin"].translate(LOOK_ALIKES))
        for pair in PAIRS["latin2021"]
    ]
    for script, pairs in (("arab", arabic), ("latn", latin)):
        accuracy, misses = _word_accuracy(pairs)
        print(f"{script}: word accuracy {accuracy:.3f}, misses {misses}")
        assert accuracy >= 0.98, (script, accuracy, misses)


def test_published_parallel_texts_read_back() -> None:
    """Typed-input reading of the same texts: reported, held to what it reaches now."""
    arabic = [
        (to_cyrillic(pair["arabic"]).lower(), pair["cyrillic"].lower()) for pair in PAIRS["arabic"]
    ]
    latin = [
        (to_cyrillic(pair["latin"].translate(LOOK_ALIKES)), pair["cyrillic"])
        for pair in PAIRS["latin2021"]
    ]
    for script, pairs, floor in (("arab", arabic, 0.9), ("latn", latin, 0.98)):
        accuracy, misses = _word_accuracy(pairs)
        print(f"{script} -> Cyrillic: word accuracy {accuracy:.3f}, misses {misses}")
        assert accuracy >= floor, (script, accuracy, misses)
