"""Typed questions: answered from the knowledge base in the user's language, an honest "I do
not know" with a way forward, nothing typed on the attaché screen lost, /questions for admins
without user ids, and /delete."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from babel.numbers import format_decimal
from sqlalchemy import func, select

from bot.rules.language import detect, kazakh_stem, latin_to_cyrillic, looks_latin_kazakh
from handlers.views.callbacks import (
    AskAction,
    AskCb,
    KandasCb,
    KandasPage,
    MenuCb,
    RightsCb,
    TopicCb,
)
from storage.models import Case, Question, QuestionAsker
from tests.conftest import FakeClock, translated

LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
ADMIN = 7
PASSPORT_RU = RightsCb(country="RU", section="passport_taken")
PASSPORT_ANY = RightsCb(country="XX", section="passport_taken")
APPLY_HOME = KandasCb(page=KandasPage.apply, value="home")


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


async def person(chat, lang: str, role: str = "migrant", user_id: int = 500, country=None):
    user = chat(user_id=user_id, lang=lang)
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    button = {"migrant": "🌍", "emigrant": "✈️", "kandas": "🏡"}[role]
    await user.press(button)
    if country:
        await user.press_data(f"ctry:abroad:{country}")
    else:
        await user.press(len(user.buttons()))  # skip the country
    return user


def targets(sent) -> list[str]:
    return [data for _label, data in sent.buttons]


# --- the words ------------------------------------------------------------------------------


def test_language_is_told_by_its_letters_with_the_users_as_the_tie_break():
    assert detect("тіркелу үшін қанша күн", "ru") == "kk"
    assert detect("сколько платить за патент", "en") == "ru"
    assert detect("сколько платить за патент", "kk") == "kk"  # Cyrillic: the user's own
    assert detect("my boss took my passport", "ru") == "en"
    assert detect("tirkelu ushin qansha kun", "ru") == "kk"
    assert detect("12345", "kk") == "kk"


def test_kazakh_endings_go_and_kazakh_letters_fold():
    assert kazakh_stem("тіркеу") == kazakh_stem("тиркеу")  # typed without Kazakh letters
    assert kazakh_stem("қандастарға") == kazakh_stem("қандас") == "кандас"
    assert kazakh_stem("паспортымды") == "паспорт"
    assert looks_latin_kazakh("patent ushin qansha tolau kerek")
    assert not looks_latin_kazakh("my boss took my passport")
    assert latin_to_cyrillic("qansha") == "қанша"


# --- answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_the_permit_tax_question_gets_the_fact_and_the_guide(app, chat, lang):
    user = await person(chat, lang)
    [*_, answer] = await user.send("сколько платить за патент в месяц")
    assert answer.text.startswith(t(app, lang, "🔎 Here is what I found:"))
    assert f"{format_decimal(17_300, locale=lang)} ₸" in answer.text  # 4 MCI × 4,325 ₸
    figures = answer.text.replace("2023–2027", "")  # a source's name (a policy concept)
    assert "2026" in answer.text and "2027" not in figures  # the year its data is for
    for only_online in ("тек онлайн", "только онлайн", "online only"):  # a pilot that ended
        assert only_online not in answer.text
    assert MenuCb(item="permit").pack() in targets(answer)
    assert AskCb(action=AskAction.unhelpful).pack() in targets(answer)
    assert len(answer.text) <= 1500


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_in_2027_the_answers_say_their_figures_are_for_2026(settings, bot, lang):
    """A bot started in 2027 with 2026 data: the tax and the quota are called 2026 figures,
    and the 2027 ones are said to be missing (facts review row 5)."""
    from bot.app import create_app
    from bot.simulator import Conversation

    app = await create_app(
        settings, migrate=True, clock=FakeClock(datetime(2027, 1, 15, 6, tzinfo=UTC))
    )
    try:

        def chat(user_id: int = 500, lang: str = lang) -> Conversation:
            return Conversation(app.dispatcher, bot, user_id=user_id, language_code=lang)

        user = await person(chat, lang)
        [*_, tax] = await user.send("сколько платить за патент в месяц")
        assert f"{format_decimal(17_300, locale=lang)} ₸" in tax.text
        missing = t(
            app,
            lang,
            " (a {data_year} figure: the {year} MCI is not in my data yet, "
            "and egov.kz computes the exact sum)",
        ).format(data_year=2026, year=2027)
        assert missing in tax.text
        [*_, quota] = await user.send("региональная квота кандасов сколько мест")
        assert format_decimal(2281, locale=lang) in quota.text
        assert t(app, lang, " (the {year} quota is not in my data yet)").format(year=2027) in (
            quota.text
        )
    finally:
        await app.close()


@pytest.mark.parametrize(
    ("lang", "role", "country", "question", "target"),
    [
        ("kk", "migrant", None, "тіркелу үшін қанша күн бар", MenuCb(item="registration")),
        ("en", "emigrant", "RU", "my boss took my passport", PASSPORT_RU),
        ("en", "emigrant", None, "my boss took my passport", PASSPORT_ANY),
        ("ru", "migrant", None, "можно ли остаться больше 90 дней", MenuCb(item="stay")),
        ("kk", "kandas", None, "қандас мәртебесін қалай алуға болады", APPLY_HOME),
        ("kk", "migrant", None, "tirkelu ushin qansha kun bar", MenuCb(item="registration")),
        ("ru", "migrant", None, "сколко платить за патэнт", MenuCb(item="permit")),
    ],
)  # fmt: skip
async def test_typical_phrasings_land_on_the_right_guide(
    app, chat, lang, role, country, question, target
):
    user = await person(chat, lang, role, country=country)
    [*_, answer] = await user.send(question)
    assert target.pack() in targets(answer)[:3], (question, answer.text)


async def test_a_russian_question_from_a_kazakh_user_gets_a_kazakh_answer(app, chat):
    user = await person(chat, "kk")
    [*_, answer] = await user.send("сколько платить за патент в месяц")
    assert answer.text.startswith(t(app, "kk", "🔎 Here is what I found:"))
    assert "АЕК" in answer.text and "МРП" not in answer.text
    title = t(app, "kk", "💼 The work permit tax")
    assert title in answer.text


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_nonsense_gets_an_honest_answer_and_a_way_forward(app, chat, lang):
    user = await person(chat, lang, "emigrant", country="KR")
    [*_, answer] = await user.send("qwzx blorp 🤷‍♀️")
    honest = t(
        app,
        lang,
        "🤔 I do not know the answer to “{question}” yet. Try other words, or look in the menu.",
    )
    assert answer.text.startswith(honest.format(question="qwzx blorp 🤷‍♀️"))
    assert AskCb(action=AskAction.attache).pack() in targets(answer)
    assert MenuCb(item="profile").pack() in targets(answer)  # the menu itself
    async with app.sessionmaker() as session:
        row = await session.scalar(select(Question))
    assert row is not None and row.text == "qwzx blorp 🤷‍♀️" and row.outcome == "unanswered"
    assert not hasattr(row, "user_id")


async def test_the_unanswered_question_goes_to_the_attache_without_retyping(app, bot, chat):
    await app.cases.grant(ADMIN + 1, "KR", ADMIN)
    staff = chat(user_id=ADMIN + 1, lang="en")
    await staff.send("/start")
    user = await person(chat, "en", "emigrant", country="KR")
    question = "the factory in busan keeps half my pay as a deposit"
    await user.send(question)
    [*_, topics] = await user.press_data(AskCb(action=AskAction.attache).pack())
    assert topics.text.startswith("✉️ I kept your message.")
    sent = await user.press_data(TopicCb(topic="wages").pack(), user.last_with_buttons())
    to_staff = [s for s in sent if s.chat_id == ADMIN + 1]
    assert any(question in s.text for s in to_staff)
    async with app.sessionmaker() as session:
        case = await session.scalar(select(Case))
    assert case is not None and case.topic == "wages" and case.country == "KR"


async def test_text_typed_on_the_attache_screen_starts_a_case(app, bot, chat):
    user = await person(chat, "ru", "emigrant", country="RU")
    await user.press_data(MenuCb(item="attache").pack())
    [*_, topics] = await user.send("мне не платят зарплату уже два месяца")
    assert topics.text.startswith(
        t(
            app,
            "ru",
            "✉️ I kept your message. What is it about? It goes to the attaché once you choose.",
        )
    )
    sent = await user.press_data(TopicCb(topic="other").pack(), user.last_with_buttons())
    to_admin = [s for s in sent if s.chat_id == ADMIN]
    assert any("мне не платят зарплату уже два месяца" in s.text for s in to_admin)
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


async def test_this_did_not_help_is_noted_for_staff(app, chat):
    user = await person(chat, "en")
    await user.send("how much is the patent")
    [*_, thanks] = await user.press_data(AskCb(action=AskAction.unhelpful).pack())
    assert thanks.method.text == t(
        app, "en", "Thank you: I noted that this did not help, so the team can improve the answers."
    )
    async with app.sessionmaker() as session:
        row = await session.scalar(select(Question))
    assert row is not None and row.outcome == "unhelpful" and row.answer is not None


async def test_questions_for_admins_only_without_user_ids_and_gone_with_delete(app, chat, caplog):
    first = await person(chat, "en", user_id=501)
    second = await person(chat, "en", user_id=502)
    for user in (first, second, first):
        await user.send("zorglub frobnicate")
    caplog.set_level(logging.WARNING, logger="joldas.staff")
    [refused] = await first.send("/questions")
    assert refused.text == "⛔ This is for the attaché desk's staff only."
    assert "501" in caplog.text
    admin = chat(user_id=ADMIN, lang="en")
    await admin.send("/start")
    [listed] = await admin.send("/questions")
    assert "🚫 3 × [en] zorglub frobnicate" in listed.text
    assert "501" not in listed.text and "502" not in listed.text
    [usage] = await admin.send("/questions abc")
    assert usage.text.startswith("Usage: /questions")
    await first.send("/delete")
    await first.press("🗑")
    async with app.sessionmaker() as session:
        left = await session.scalar(select(func.count()).select_from(Question))
        askers = list(await session.scalars(select(QuestionAsker.user_id)))
    assert left == 1 and askers == [502]


async def test_unexpected_text_inside_a_dialogue_is_asked_again_not_searched(app, chat):
    user = chat(user_id=600, lang="en")
    await user.send("/start")
    await user.press("English")  # now the "who are you" question, answered by buttons
    sent = await user.send("how much is the patent")
    assert sent[0].text.startswith("“how much is the patent” is not one of the answers here")
    assert "🔎" not in " ".join(s.text for s in sent)
    assert "🌍" in sent[-1].buttons[0][0]  # the question again


async def test_a_greeting_is_not_a_question(app, chat):
    user = await person(chat, "ru")
    [*_, answer] = await user.send("привет")
    assert answer.text.startswith("👋 Здравствуйте!")  # a greeting back, and the menu under it
    assert MenuCb(item="profile").pack() in targets(answer)
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 0


async def test_leaving_the_attache_screen_makes_typed_text_a_question_again(app, chat):
    user = await person(chat, "en", "emigrant", country="RU")
    await user.press_data(MenuCb(item="attache").pack())
    await user.press_data(MenuCb(item="rights").pack())  # elsewhere
    [*_, answer] = await user.send("my boss took my passport")
    assert answer.text.startswith("🔎 Here is what I found:")
    assert RightsCb(country="RU", section="passport_taken").pack() in targets(answer)


async def test_every_message_typed_before_the_topic_reaches_the_case(app, chat):
    user = await person(chat, "en", "emigrant", country="KR")
    await user.press_data(MenuCb(item="attache").pack())
    await user.send("they keep my passport")
    await user.send_photo("the contract they made me sign")
    sent = await user.press_data(TopicCb(topic="passport").pack(), user.last_with_buttons())
    to_admin = [s for s in sent if s.chat_id == ADMIN]
    assert any("they keep my passport" in s.text for s in to_admin)
    assert any(s.name == "sendPhoto" for s in to_admin)


@pytest.mark.parametrize(
    ("question", "target"),
    [("work permit", MenuCb(item="permit")), ("permit", MenuCb(item="permit"))],
)
async def test_a_short_question_of_common_words_is_still_answered(app, chat, question, target):
    user = await person(chat, "en")
    [*_, answer] = await user.send(question)
    assert target.pack() in targets(answer)[:3]


def test_the_residence_answer_calls_the_scoring_a_pilot():
    """Facts review row 11: the scoring is a pilot since 13 Feb 2026, in every language."""
    from bot.content import load
    from handlers.views.answers import Entries

    entry = next(e for e in load("answers.json", Entries).entries if e.id == "residence")
    assert "13 February 2026 (a pilot)" in entry.answer.en
    assert "13 февраля 2026 года (пилот)" in entry.answer.ru
    assert "2026 жылғы 13 ақпаннан бастап (пилот)" in entry.answer.kk
