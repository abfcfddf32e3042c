"""Onboarding through the real dispatcher, in kk, ru and en."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.simulator import Conversation
from tests.conftest import translated

LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
COUNTRY_QUERY = {"kk": "Өзбек", "ru": "Узбек", "en": "Uzbek"}
UZBEKISTAN = {"kk": "Өзбекстан", "ru": "Узбекистан", "en": "Uzbekistan"}
ROLE_QUESTION = (
    "Who are you? This decides which guides I show first. You can change it later in /profile."
)
CITIZENSHIP_QUESTION = (
    "Which country are you a citizen of? It decides which stay and work rules apply to you."
)
ALL_SET = "✅ All set! Change anything later in /profile."


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_migrant_onboarding_in_each_language(app, chat, lang):
    user = chat(lang=lang)
    [greeting] = await user.send("/start")
    assert "Joldas" in greeting.text
    labels = [label for label, _ in greeting.buttons]
    assert f"✓ {LANG_BUTTON[lang]}" in labels  # Telegram's language is pre-selected
    for code in ("kk", "ru", "en"):  # "choose your language" readable in every language
        assert translated(app, code, "Choose your language:") in greeting.text

    sent = await user.press(LANG_BUTTON[lang])
    question = translated(app, lang, ROLE_QUESTION)
    assert lang == "en" or question != ROLE_QUESTION  # really translated
    assert any(s.text == question for s in sent)

    sent = await user.press("🌍")
    assert any(s.text == translated(app, lang, CITIZENSHIP_QUESTION) for s in sent)
    assert UZBEKISTAN[lang] in [label for label, _ in user.buttons()]

    await user.press("🔎")
    sent = await user.send(COUNTRY_QUERY[lang])
    assert sent[-1].buttons[0][0] == UZBEKISTAN[lang]
    sent = await user.press(UZBEKISTAN[lang])
    assert sent[-1].text.startswith(translated(app, lang, ALL_SET))
    assert translated(app, lang, "📅 How long may I stay") in [
        label for label, _ in sent[-1].buttons
    ]

    profile = await app.users.get(user.user_id)
    assert (profile.locale, profile.role, profile.citizenship) == (lang, "migrant", "UZ")
    assert profile.timezone == "Asia/Almaty"


async def test_emigrant_takes_the_time_zone_of_the_country_of_work(app, chat):
    user = chat(lang="ru")
    await user.send("/start")
    await user.press("Русский")
    await user.press("✈️")
    assert "Республика Корея" in [label for label, _ in user.buttons()]
    sent = await user.press("Республика Корея")
    assert translated(app, "ru", "🆘 SOS: I need help now") in [b for b, _ in sent[-1].buttons]
    profile = await app.users.get(user.user_id)
    assert (profile.role, profile.country_abroad, profile.timezone) == (
        "emigrant",
        "KR",
        "Asia/Seoul",
    )


async def test_kandas_and_skipping_finish_with_the_menu(app, chat):
    kandas = chat(user_id=1, lang="kk")
    await kandas.send("/start")
    await kandas.press("Қазақша")
    await kandas.press("🏡")  # asked where they come from, as others are
    sent = await kandas.press(len(kandas.buttons()))  # "Skip"
    assert sent[-1].text.startswith(translated(app, "kk", ALL_SET))
    assert (await app.users.get(1)).role == "kandas"

    skipper = chat(user_id=2, lang="de")  # a language we do not speak: default (ru) is shown
    [greeting] = await skipper.send("/start")
    assert "✓ Русский" in [label for label, _ in greeting.buttons]
    await skipper.press("English")
    sent = await skipper.press("Skip")
    assert "👤 Tell me who you are" in [label for label, _ in sent[-1].buttons]
    profile = await app.users.get(2)
    assert (profile.locale, profile.role) == ("en", None)


async def test_returning_user_gets_the_menu_not_the_questions(app, chat):
    user = chat()
    await user.send("/start")
    await user.press("English")
    await user.press("🏡")
    sent = await user.send("/start")
    assert sent[-1].text.startswith("👋 Welcome back to Joldas!")


async def test_text_where_a_button_was_expected_repeats_the_question(app, chat):
    user = chat(lang="kk")
    await user.send("/start")
    await user.press("Қазақша")
    sent = await user.send("сәлем әлем")
    reason = translated(
        app,
        "kk",
        "“{text}” is not one of the answers here. Press a button below, or type its words or "
        "number.",
    )
    assert sent[0].text == reason.format(text="сәлем әлем")
    assert sent[1].text == translated(app, "kk", ROLE_QUESTION)
    await user.send_sticker()
    await user.press("🌍")  # the dialogue goes on from the same step
    assert (await app.users.get(user.user_id)).role == "migrant"


async def test_country_search_answers_unknown_long_and_html_names(app, chat):
    user = chat()
    await user.send("/start")
    await user.press("English")
    await user.press("🌍")
    await user.press("🔎")
    [sent] = await user.send("<b>Atlantis</b>")
    assert "&lt;b&gt;Atlantis&lt;/b&gt;" in sent.text and "<b>Atlantis" not in sent.text
    [sent] = await user.send("x" * 500)
    assert sent.text.startswith("That is too long for a country name")
    [sent] = await user.send_photo()
    assert sent.text == "Please type the name of the country as text."
    sent = await user.send("korea")
    assert {"South Korea", "North Korea"} <= {label for label, _ in sent[-1].buttons}


async def test_language_switch_in_the_middle_of_onboarding(app, chat):
    user = chat(lang="en")
    await user.send("/start")
    await user.press("English")
    await user.press("🌍")  # now at the citizenship question, in English
    await user.send("/language")
    sent = await user.press("Русский")
    assert sent[-1].text == translated(app, "ru", CITIZENSHIP_QUESTION)
    assert "Узбекистан" in [label for label, _ in sent[-1].buttons]
    sent = await user.press("Узбекистан")
    assert sent[-1].text.startswith(translated(app, "ru", ALL_SET))
    assert (await app.users.get(user.user_id)).locale == "ru"


async def test_restart_in_the_middle_of_onboarding_loses_nothing(settings, bot, chat):
    first = await create_app(settings)
    user = Conversation(first.dispatcher, bot, user_id=55, language_code="en")
    await user.send("/start")
    await user.press("English")
    await user.press("🌍")
    await user.press("🔎")
    await first.close()  # the bot stops while the user is typing a country name

    second = await create_app(settings)
    try:
        again = Conversation(second.dispatcher, bot, user_id=55, language_code="en")
        sent = await again.send("Tajik")
        assert sent[-1].buttons[0][0] == "Tajikistan"
        sent = await again.press("Tajikistan")
        assert sent[-1].text.startswith(ALL_SET)
        profile = await second.users.get(55)
        assert (profile.locale, profile.role, profile.citizenship) == ("en", "migrant", "TJ")
    finally:
        await second.close()
