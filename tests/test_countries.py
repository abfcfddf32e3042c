"""Country names and search: any text in, valid countries out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.countries import (
    aliases,
    country_name,
    facts,
    names,
    normalise,
    search,
    timezone_of,
)


def test_common_countries_have_names_in_every_language():
    data = facts()
    for code in {*data.migrant_common, *data.emigrant_common, *data.kandas_common}:
        for locale in ("kk", "ru", "en"):
            assert code in names(locale)


def test_search_finds_by_name_in_any_language_and_by_code():
    assert search("Өзбекстан", "ru")[0] == "UZ"
    assert search("узб", "en")[0] == "UZ"
    assert search("germany", "kk")[0] == "DE"
    assert search("TJ", "en") == ["TJ"]
    assert search("Соединённые Штаты", "ru")[0] == "US"  # ё and е are one letter here
    assert "KZ" not in search("Kazakh", "en", exclude="KZ")


def test_each_destination_has_a_time_zone():
    assert timezone_of("KR") == "Asia/Seoul"
    assert timezone_of("RU") == "Europe/Moscow"
    assert timezone_of("US") == "America/New_York"
    assert timezone_of(None) == "Asia/Almaty"
    for code in names("en"):
        assert "/" in timezone_of(code)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.sampled_from(["kk", "ru", "en"]))
def test_search_never_fails_and_returns_known_codes(query, locale):
    found = search(query, locale)
    assert len(found) <= 8
    assert set(found) <= set(names("en"))


CIS = ("AM", "AZ", "BY", "KG", "KZ", "MD", "RU", "TJ", "TM", "UZ")


def test_kyrgyzstan_is_called_so_in_russian_wherever_it_is_shown():
    assert country_name("KG", "ru") == "Кыргызстан"
    assert names("ru")["KG"] == "Кыргызстан"
    assert country_name("KG", "kk") == "Қырғызстан"
    assert country_name("KG", "en") == "Kyrgyzstan"


def test_search_finds_common_short_official_and_native_names():
    cases = {
        "США": "US",
        "USA": "US",
        "U.S.A.": "US",
        "АҚШ": "US",
        "Кыргызстан": "KG",
        "Кыргыз": "KG",
        "Киргизия": "KG",
        "Kyrgyz Republic": "KG",
        "Ўзбекистон": "UZ",
        "Узбекистан": "UZ",
        "Oʻzbekiston": "UZ",
        "O'zbekiston": "UZ",
        "Тоҷикистон": "TJ",
        "Qazaqstan": "KZ",
        "UK": "GB",
        "Britain": "GB",
        "ОАЭ": "AE",
        "UAE": "AE",
        "БАӘ": "AE",
        "Корея": "KR",
        "South Korea": "KR",
        "Южная Корея": "KR",
        "Оңтүстік Корея": "KR",
        "КНДР": "KP",
        "Turkiye": "TR",
        "Türkiye": "TR",
        "Turkey": "TR",
        "Турция": "TR",
        "Түркия": "TR",
        "Белоруссия": "BY",
        "Молдавия": "MD",
        "Deutschland": "DE",
        "Polska": "PL",
        "РФ": "RU",
        "КНР": "CN",
    }
    for locale in ("kk", "ru", "en"):
        found = {query: search(query, locale, exclude="KZ")[:1] for query in cases}
        wanted = {query: [code] if code != "KZ" else [] for query, code in cases.items()}
        assert found == wanted, locale
    assert search("Qazaqstan", "en")[0] == "KZ"


def test_search_ignores_case_accents_spaces_and_punctuation():
    assert search("  türkİye ", "ru")[0] == "TR"
    assert search("SOUTH-KOREA", "kk")[0] == "KR"
    assert search("оңтүстік   корея", "ru")[0] == "KR"
    assert search("Bosnia and Herzegovina", "en")[0] == "BA"


def test_search_forgives_one_wrong_letter_in_a_name():
    assert search("Tadjikistan", "en", exclude="KZ")[0] == "TJ"  # one letter too many
    assert search("Таджикистон", "ru", exclude="KZ")[0] == "TJ"  # one letter changed
    assert search("Uzbekistn", "kk", exclude="KZ")[0] == "UZ"  # one letter missing
    assert search("Germny", "en")[0] == "DE"
    assert search("Туркия", "kk")[0] == "TR"  # Russian у for Kazakh ү
    assert search("Tadjik", "en")[0] == "TJ"  # the first letters, with a typo
    assert search("Uzbekstn", "en") == []  # two letters off is another word
    assert "ML" not in search("Mli", "en")  # 1-3 letters are never taken for a typo


def test_exact_names_come_before_longer_and_fuzzy_ones():
    assert search("Iran", "en") == ["IR"]  # not Iraq, one letter away
    assert search("UK", "en")[:2] == ["GB", "UA"]
    assert search("korea", "en")[:2] == ["KR", "KP"]
    assert search("США", "ru")[0] == "US"  # before the US islands that mention it


def test_every_shown_name_finds_its_own_country_first():
    for locale in ("kk", "ru", "en"):
        for code in names(locale):
            assert search(country_name(code, locale), locale)[0] == code, (locale, code)


def test_aliases_are_known_countries_and_cover_the_common_ones():
    data = aliases()
    assert data.source and data.checked_on
    known = set(names("en"))
    assert set(data.aliases) <= known
    for locale, renamed in data.overrides.items():
        assert locale in ("kk", "ru", "en") and set(renamed) <= known
    assert {*facts().migrant_common, *facts().emigrant_common, *CIS} <= set(data.aliases)
    owner: dict[str, str] = {}
    for code, words in data.aliases.items():
        for word in words:
            key = normalise(word)
            assert key and owner.setdefault(key, code) == code, (word, code, owner[key])


def test_normalise_keeps_kazakh_and_cyrillic_letters_apart():
    assert normalise("Ёлка Ўзбек") == "елка узбек"
    assert normalise("Қазақстан") != normalise("Казахстан")
    assert normalise("Йемен") == "йемен"
    assert normalise("Oʻzbekiston") == normalise("O’zbekiston") == "ozbekiston"
    assert normalise("Côte d’Ivoire") == "cote divoire"
    assert normalise("Täjıkstan") == "tajikstan"


async def test_a_user_types_a_country_the_way_people_say_it(app, chat):
    user = chat(user_id=1, lang="ru")
    await user.send("/start")
    await user.press("Русский")
    await user.press("🌍")
    shown = [label for label, _ in user.buttons()]
    assert "Кыргызстан" in shown and "Киргизия" not in shown
    await user.press("🔎")
    sent = await user.send("Кыргыз")
    assert sent[-1].buttons[0][0] == "Кыргызстан"
    await user.press("Кыргызстан")
    assert (await app.users.get(1)).citizenship == "KG"

    worker = chat(user_id=2, lang="en")
    await worker.send("/start")
    await worker.press("English")
    await worker.press("✈️")
    await worker.press("🔎")
    sent = await worker.send("U.S.A.")
    assert sent[-1].buttons[0][0] == "United States"
    sent = await worker.send("Tadjikistan")
    assert sent[-1].buttons[0][0] == "Tajikistan"
