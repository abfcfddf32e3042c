"""The emigrant content files and the job-offer rule."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content.abroad import (
    KAZAKH_LETTERS,
    Text,
    checklist,
    consulates,
    country_codes,
    country_page,
    general_guide,
    offer_check,
)
from bot.content.countries import facts as country_facts
from bot.rules.offer import assess

PHONE = re.compile(r"\+?\d[\d ()-]{6,}\d")


def texts(model) -> list[Text]:
    """Every Text inside a content model."""
    found: list[Text] = []

    def walk(value) -> None:
        if isinstance(value, Text):
            found.append(value)
        elif hasattr(value, "__pydantic_fields__"):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(model)
    return found


def every_file():
    pages = [country_page(code) for code in country_codes()]
    return [*pages, general_guide(), consulates(), checklist(), offer_check()]


def test_every_emigrant_destination_has_a_page():
    assert set(country_facts().emigrant_common) <= set(country_codes())
    for code in country_codes():
        assert country_page(code).country == code


def test_every_text_is_in_kazakh_russian_and_english():
    for content in every_file():
        for text in texts(content):
            assert KAZAKH_LETTERS.search(text.kk) or text.kk == text.en, text.kk
            assert re.search("[а-яё]", text.ru, re.IGNORECASE), text.ru
        assert content.checked_on


def test_html_in_content_is_balanced_and_limited():
    for content in every_file():
        for text in texts(content):
            for value in (text.kk, text.ru, text.en):
                tags = re.findall(r"</?([a-z]+)", value)
                assert set(tags) <= {"b", "i"}, value
                assert value.count("<b>") == value.count("</b>"), value


def test_consulate_samples_carry_no_invented_contacts():
    for code, mission in consulates().missions.items():
        if mission.confirmed_on is None:  # a sample: staff confirm contacts in /directory
            assert not mission.phones and mission.email is None and mission.emergency is None, code
            assert not PHONE.search(mission.name.en), code


def test_unknown_pages_are_none():
    assert country_page("ZZ") is None
    assert country_page("../x") is None


CHECK = offer_check()


def answers_for(**chosen: str) -> dict[str, str]:
    safe = {q.id: min(q.answers, key=lambda a: a.points).id for q in CHECK.questions}
    return {**safe, **chosen}


@pytest.mark.parametrize(
    ("chosen", "risk"),
    [
        ({}, "low"),
        ({"who_pays": "yes"}, "high"),  # a red flag alone
        ({"visa": "tourist"}, "high"),
        ({"passport": "yes"}, "high"),
        ({"agency": "unchecked"}, "medium"),
        ({"pay": "yes"}, "medium"),
        ({"pay": "yes", "contract": "no"}, "high"),  # 4 points
        ({"pay": "unsure", "agency": "unchecked"}, "medium"),
    ],
)
def test_offer_verdicts(chosen, risk):
    result = assess(CHECK, answers_for(**chosen))
    assert result.risk == risk
    assert {a.id for a in result.reasons} <= set(chosen.values())


def test_unknown_answers_count_as_nothing():
    assert assess(CHECK, {"who_pays": "maybe", "nonsense": "yes"}).risk == "low"


@given(st.dictionaries(st.sampled_from([q.id for q in CHECK.questions]), st.text(max_size=8)))
def test_more_points_never_lower_the_risk(answers):
    result = assess(CHECK, answers)
    order = {"low": 0, "medium": 1, "high": 2}
    assert result.points >= 0
    if result.points >= CHECK.high_from:
        assert result.risk == "high"
    assert order[result.risk] >= (1 if result.points >= CHECK.medium_from else 0)
