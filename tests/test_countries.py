"""Country names and search: any text in, valid countries out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.countries import facts, names, search, timezone_of


def test_common_countries_have_names_in_every_language():
    data = facts()
    for code in {*data.migrant_common, *data.emigrant_common}:
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
