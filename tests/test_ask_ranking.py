"""Typed questions, ranked and read as people write them: Latin-script Kazakh in every
alphabet, the word that carries the intent before a shared one, the asker's own guides
first, greetings, the question kept after "did not help", long messages to the attaché,
the language /questions shows, and short sources on the answer screen."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.rules.language import (
    LATIN_KAZAKH,
    cyrillic_readings,
    detect,
    is_greeting,
    kazakh_stem,
    latin_to_cyrillic,
    words,
)
from handlers.views.answers import first_source
from handlers.views.callbacks import AskAction, AskCb, MenuCb, RegAction, RegCb, RightsCb, TopicCb
from storage.models import Case, Question
from tests.test_ask import ADMIN, person, t, targets

REGISTRATION = MenuCb(item="registration").pack()
ADDRESS = RegCb(action=RegAction.address).pack()
CONSULAR = MenuCb(item="checklist_tips").pack()  # the emigrants' checklist (consular registration)
PRIVACY = MenuCb(item="profile").pack()
KOREA_PASSPORT = RightsCb(country="KR", section="passport_taken").pack()
TAG = re.compile(r"<[^>]+>")


# --- the words ------------------------------------------------------------------------------


def test_the_table_has_the_2021_and_2018_letters_and_informal_spelling():
    for letter, cyrillic in {
        "ä": "ә", "ğ": "ғ", "ñ": "ң", "ö": "ө", "ş": "ш", "ü": "ү", "ū": "ұ", "ı": "і",  # 2021
        "á": "ә", "ǵ": "ғ", "ń": "ң", "ó": "ө", "ú": "ү", "ý": "у",  # 2018
        "q": "қ", "k": "қ", "g": "ғ", "sh": "ш", "ch": "ч", "zh": "ж", "j": "ж", "u": "ұ",
    }.items():  # fmt: skip
        assert cyrillic in LATIN_KAZAKH[letter], letter
    assert "й" in LATIN_KAZAKH["ı"]  # 2018: ı is и/й; 2021: ı is і — both are read
    assert latin_to_cyrillic("qansha") == "қанша"


@pytest.mark.parametrize(
    "spelling",
    ["тіркелемін", "tirkelemin", "tırkelemın", "TIRKELEMIN", "tİrkelemİn"],
)
def test_every_spelling_of_a_word_has_the_cyrillic_stem(spelling):
    cyrillic = kazakh_stem("тіркелемін")
    [word] = words(spelling)  # lower case, a capital İ as i
    readings = cyrillic_readings(word) or (word,)
    assert cyrillic in {kazakh_stem(reading) for reading in readings}


def test_k_and_q_g_and_gh_u_and_u_bar_fold_to_the_same_stem():
    assert {kazakh_stem(r) for r in cyrillic_readings("kalai")} & {
        kazakh_stem(r) for r in cyrillic_readings("qalaı")
    }
    assert kazakh_stem(cyrillic_readings("zhumys")[0]) == kazakh_stem("жұмыс")
    assert kazakh_stem(cyrillic_readings("jūmys")[0]) == kazakh_stem("жұмыс")
    assert kazakh_stem(cyrillic_readings("ağash")[0]) == kazakh_stem(cyrillic_readings("agash")[0])
    assert cyrillic_readings("x7!") == ()  # not Latin Kazakh


@pytest.mark.parametrize(
    ("text", "fallback", "language"),
    [
        ("asdkjh qwe zzz", "ru", "ru"),  # mashed keys: the asker's language
        ("qwzx blorp", "kk", "kk"),
        ("kalai tirkelemin", "en", "kk"),  # Latin Kazakh with k
        ("qalaı tirkelemin", "ru", "kk"),
        ("patent ushin qansha tolau kerek", "ru", "kk"),
        ("how do I register", "kk", "en"),
        ("my boss took my passport", "ru", "en"),
        ("қалай тіркелемін", "en", "kk"),
        ("как зарегистрироваться", "en", "ru"),
        ("15", "kk", "kk"),
    ],
)
def test_the_language_is_the_texts_own(text, fallback, language):
    assert detect(text, fallback) == language


@pytest.mark.parametrize(
    "text",
    ["сәлем", "привет", "hi", "салам", "hello", "ассалаумағалейкум", "Ассалаумағалейкум!",
     "салам алейкум", "assalamu alaikum", "Сәлеметсіз бе", "Добрый день!", "hi there 👋"],
)  # fmt: skip
def test_greetings(text):
    assert is_greeting(text)


@pytest.mark.parametrize("text", ["привет, как зарегистрироваться", "день", "hi register", ""])
def test_a_question_with_a_greeting_is_a_question(text):
    assert not is_greeting(text)


def test_a_source_is_cut_to_its_first_part():
    source = (
        "Concept of Migration Policy (Resolution No. 961; amended); Concept to 2030 "
        "(Kazakhstanskaya Pravda, 8 Jan 2026; not confirmed); ILO guidance"
    )
    assert first_source(source) == (
        "Concept of Migration Policy (Resolution No. 961; amended)",
        True,
    )
    assert first_source("Law on Migration art. 6.") == ("Law on Migration art. 6", False)
    long, more = first_source("word " * 40)
    assert more and long.endswith("…") and len(long) <= 90


# --- through the bot ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("kk", "қалай тіркелемін?"),
        ("kk", "qalai tirkelemin"),
        ("kk", "kalai tirkelemin"),
        ("kk", "qalaı tirkelemin"),  # 2018 alphabet
        ("kk", "qalai tırkelemın"),  # 2021 alphabet
        ("kk", "tirkeu"),
        ("ru", "как мне зарегистрироваться?"),
        ("en", "how do I register?"),
    ],
)
async def test_registration_comes_first_for_a_migrant(app, chat, lang, question):
    user = await person(chat, lang)
    [*_, answer] = await user.send(question)
    assert answer.text.startswith(t(app, lang, "🔎 Here is what I found:")), answer.text
    found = targets(answer)
    assert found[0] == REGISTRATION, (question, found)
    assert t(app, lang, "📝 Registration on arrival") in answer.text
    if CONSULAR in found:  # the emigrants' consular registration, if at all, below it
        assert found.index(CONSULAR) > found.index(REGISTRATION)


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("ru", "я потерял паспорт в Корее"),
        ("en", "I lost my passport in Korea"),
        ("kk", "Кореяда паспортымды жоғалттым"),
    ],
)
async def test_a_lost_passport_finds_the_passport_section_never_the_privacy_page(
    app, chat, lang, question
):
    """The passport section of the country's page is where losing a passport is covered
    (the consulate issues a certificate for the return home); the privacy page only says
    the bot keeps no passport numbers."""
    user = await person(chat, lang, "emigrant", country="KR")
    [*_, answer] = await user.send(question)
    assert targets(answer)[0] == KOREA_PASSPORT
    assert PRIVACY not in targets(answer)
    assert t(app, lang, "🔒 Your data") not in answer.text


@pytest.mark.parametrize(
    ("lang", "text"),
    [("kk", "сәлем"), ("kk", "ассалаумағалейкум"), ("ru", "привет"), ("ru", "салам"),
     ("en", "hi"), ("en", "hello")],
)  # fmt: skip
async def test_a_greeting_is_greeted_with_the_menu(app, chat, lang, text):
    user = await person(chat, lang)
    [*_, answer] = await user.send(text)
    hello = t(
        app, lang, "👋 Hello! Choose what you need below, or write your question in a few words."
    )
    assert answer.text.startswith(hello)
    assert MenuCb(item="registration").pack() in targets(answer)  # the menu
    assert "🤔" not in answer.text
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 0


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_did_not_help_keeps_the_question_for_the_attache(app, chat, lang):
    await app.cases.grant(ADMIN + 1, "KR", ADMIN)
    staff = chat(user_id=ADMIN + 1, lang="en")
    await staff.send("/start")
    user = await person(chat, lang, "emigrant", country="KR")
    question = "я потерял паспорт в Корее"
    await user.send(question)
    await user.press_data(AskCb(action=AskAction.unhelpful).pack())
    [*_, topics] = await user.press_data(AskCb(action=AskAction.attache).pack())
    kept = t(
        app,
        lang,
        "✉️ I kept your message. What is it about? It goes to the attaché once you choose.",
    )
    assert topics.text == kept
    sent = await user.press_data(TopicCb(topic="passport").pack(), user.last_with_buttons())
    assert any(question in s.text for s in sent if s.chat_id == ADMIN + 1)
    async with app.sessionmaker() as session:
        noted = await session.scalar(select(Question))
    assert noted is not None and noted.outcome == "unhelpful"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_an_emigrants_long_message_goes_whole_to_the_attache(app, chat, lang):
    await app.cases.grant(ADMIN + 1, "KR", ADMIN)
    staff = chat(user_id=ADMIN + 1, lang="en")
    await staff.send("/start")
    user = await person(chat, lang, "emigrant", country="KR")
    story = " ".join(f"day {n}: the employer in Busan again kept my wages." for n in range(80))
    assert 1000 < len(story) <= 4096
    [*_, offer] = await user.send(story)
    assert offer.text.startswith(
        t(
            app,
            lang,
            "📨 Your message is long ({length} characters): a person should read it. The labour "
            "attaché can answer it: I will send it whole, nothing cut.",
        ).format(length=len(story))
    )
    assert targets(offer)[0] == AskCb(action=AskAction.attache).pack()
    [*_, topics] = await user.press_data(AskCb(action=AskAction.attache).pack())
    kept = "✉️ I kept your message. What is it about? It goes to the attaché once you choose."
    assert topics.text == t(app, lang, kept)
    await user.press_data(TopicCb(topic="wages").pack(), user.last_with_buttons())
    async with app.sessionmaker() as session:
        case = await session.scalar(select(Case))
    assert case is not None
    [message] = await app.cases.messages(case.id)
    assert message.text == story  # nothing cut


async def test_a_long_message_from_a_migrant_is_searched_not_refused(app, chat):
    user = await person(chat, "en")
    story = "how many days do i have for registration " + "please help me " * 80
    [*_, answer] = await user.send(story)
    assert "too long" not in answer.text
    assert REGISTRATION in targets(answer)


async def test_questions_are_tagged_with_their_own_language(app, chat):
    russian = await person(chat, "ru", user_id=501)
    await russian.send("asdkjh qwe zzz")
    for noise in ("15", "a"):
        await russian.send(noise)
    kazakh = await person(chat, "kk", user_id=502)
    await kazakh.send("kalai tirkelemin")
    await kazakh.press_data(AskCb(action=AskAction.unhelpful).pack())
    admin = chat(user_id=ADMIN, lang="en")
    await admin.send("/start")
    [listed] = await admin.send("/questions")
    assert "🚫 1 × [ru] asdkjh qwe zzz" in listed.text
    assert "👎 1 × [kk] kalai tirkelemin" in listed.text
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 2  # not "15"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_three_answers_fit_with_a_short_source_each(app, chat, lang):
    user = await person(chat, lang, "emigrant", country="KR")
    [*_, answer] = await user.send("я потерял паспорт в Корее")
    visible = TAG.sub("", answer.text)
    menu = MenuCb(item="menu").pack()
    hits = [data for data in targets(answer) if not data.startswith("ask:") and data != menu]
    source = t(app, lang, "Source: {source}; checked on {checked}.").split("{")[0]
    lines = [line for line in visible.splitlines() if line.startswith(source)]
    assert len(hits) == 3 and len(lines) == 3  # every answer says where it comes from
    assert all(len(line) <= 170 for line in lines), lines
    assert len(visible) <= 1500, visible


async def test_a_long_message_that_finds_nothing_says_so_with_the_menu(app, chat):
    user = await person(chat, "ru", "kandas")
    [*_, answer] = await user.send("ы" * 2000)
    too_long = "That message is too long for me ({length} characters). Please use the menu buttons."
    assert answer.text.startswith(t(app, "ru", too_long).format(length=2000))
    assert MenuCb(item="kandas_status").pack() in targets(answer)
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 0
