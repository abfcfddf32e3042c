"""/facts: an admin adds the 2027 MCI, users see it at once, the audit keeps it, a revert
brings back "not in my data yet"; refusals, forged buttons and staff rights."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from babel.numbers import format_decimal

from handlers.views.callbacks import FactAction, FactCb
from tests.conftest import translated
from tests.test_ask import person

ADMIN = 7  # ADMIN_IDS in the test settings
ATTACHE = 8
LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
PERMIT_QUESTION = "сколько платить за патент в месяц"


async def staff_member(chat, user_id: int, lang: str):
    member = chat(user_id=user_id, lang=lang)
    await member.send("/start")
    await member.press(LANG_BUTTON[lang])
    return member


def fcb(action: FactAction, fact: str = "", **extra) -> str:
    return FactCb(action=action, fact=fact, **extra).pack()


async def add_2027_mci(admin, value: str = "4519") -> list:
    await admin.send("/facts")
    await admin.press_data(fcb(FactAction.fact, "mci_tax"))
    await admin.press_data(fcb(FactAction.add, "mci_tax"))
    await admin.send(value)
    await admin.send("01.01.2027")
    await admin.send("31.12.2027")
    await admin.send("Law on the republican budget for 2027–2029, 5 Dec 2026")
    return await admin.send("-")


async def test_an_admin_adds_the_2027_mci_and_users_see_it_until_it_is_reverted(app, chat, clock):
    clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))
    admin = await staff_member(chat, ADMIN, "en")
    [preview] = await add_2027_mci(admin)
    for lang in ("kk", "ru", "en"):  # each language's permit tax with the draft in force
        assert f"[{lang}]" in preview.text
        assert f"{format_decimal(18_076, locale=lang)} ₸" in preview.text  # 4 × 4,519
    assert "Save this change?" in preview.text
    sent = await admin.press("Save")
    assert "Saved. Users see it now." in sent[-1].text
    for lang, user_id in (("kk", 601), ("ru", 602), ("en", 603)):
        user = await person(chat, lang, user_id=user_id)
        [*_, answer] = await user.send(PERMIT_QUESTION)
        assert f"{format_decimal(18_076, locale=lang)} ₸" in answer.text
        assert "2027" in answer.text
    await admin.press_data(fcb(FactAction.history, "mci_tax"))
    [change_id] = [FactCb.unpack(data).id for _label, data in admin.buttons() if ":revert:" in data]
    history = admin.last_with_buttons()
    assert history is not None and f"#{change_id}" in history.text and "added" in history.text
    await admin.press_data(fcb(FactAction.revert, "mci_tax", id=change_id))
    sent = await admin.press("Yes, revert")
    assert "Reverted" in sent[-1].text
    user = chat(user_id=603, lang="en")
    [*_, answer] = await user.send(PERMIT_QUESTION)
    assert "the 2027 MCI is not in my data yet" in answer.text
    assert f"{format_decimal(17_300, locale='en')} ₸" in answer.text


async def test_the_permit_screen_takes_each_month_at_the_new_value(app, chat, clock):
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    admin = await staff_member(chat, ADMIN, "en")
    await add_2027_mci(admin)
    await admin.press("Save")
    user = await person(chat, "en", user_id=610)
    await app.users.save(610, citizenship="UZ")
    await user.press_data("m:permit")
    await user.press("New permit")
    await user.send("10.12.2026")
    screen = (await user.press("2"))[-1].text
    assert "17,300 ₸" in screen and "18,076 ₸" in screen and "35,376 ₸" in screen
    assert "not in my data" not in screen


@pytest.mark.parametrize(
    ("value", "start", "end", "problem"),
    [
        ("abc", None, None, "whole number above zero"),
        ("4519", "yesterday-ish", None, "not a date"),
        ("4519", "01.06.2026", "31.12.2027", "overlaps"),  # 2026 already has its period
        ("4519", "01.01.2027", "01.01.2026", "end is before the start"),
    ],
)
async def test_bad_values_are_refused_with_the_reason(app, chat, clock, value, start, end, problem):
    clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))
    admin = await staff_member(chat, ADMIN, "en")
    await admin.send("/facts")
    await admin.press_data(fcb(FactAction.add, "mci_tax"))
    said = []
    for typed in (value, start, end, "Some law", "-"):
        if typed is not None:
            said += [sent.text for sent in await admin.send(typed)]
    assert any(problem in text for text in said), said
    async with app.sessionmaker() as session:
        from sqlalchemy import func, select

        from storage.models import FactValue

        assert await session.scalar(select(func.count()).select_from(FactValue)) == 0


async def test_attaches_and_forged_buttons_change_nothing(app, chat):
    await app.cases.grant(ATTACHE, "RU", ADMIN)
    attache = await staff_member(chat, ATTACHE, "ru")
    sent = await attache.send("/facts")
    assert "📊" not in sent[-1].text
    for data in (fcb(FactAction.add, "mci_tax"), fcb(FactAction.save, "mci_tax")):
        sent = await attache.press_data(data)
        assert any(s.name == "answerCallbackQuery" for s in sent)
    admin = await staff_member(chat, ADMIN, "kk")
    for data in (
        fcb(FactAction.fact, "no_such_fact"),
        fcb(FactAction.save, "mci_tax"),  # no draft
        fcb(FactAction.revert, "mci_tax", id=999),
    ):
        sent = await admin.press_data(data)
        assert any(s.name == "answerCallbackQuery" for s in sent)
    assert await app.facts.history("mci_tax") == []


async def test_the_staff_screens_speak_the_staff_members_language(app, chat):
    admin = await staff_member(chat, ADMIN, "kk")
    sent = await admin.send("/facts")
    assert translated(app, "kk", "📊 <b>Facts the advice rests on</b>") in sent[-1].text
    assert "📊 <b>Facts the advice rests on</b>" not in sent[-1].text


async def test_on_1_january_the_monthly_notice_names_the_facts_without_the_new_years_value(
    app, bot, chat, clock
):
    await staff_member(chat, ADMIN, "en")
    clock.set(datetime(2027, 1, 1, 5, 0, tzinfo=UTC))  # 10:00 in Almaty on 1 January
    assert await app.directory.flag_stale(bot) == 1
    notice = bot.session.requests[-1].text
    assert "<b>Facts: " in notice and "/facts" in notice
    assert "MCI for taxes and fines: ⚠️ no value for 2027 yet" in notice
    assert len(notice) <= 1500


async def test_a_2027_mci_reaches_the_kandas_support_of_a_2027_contract(app, chat, clock):
    """One MCI added for 2027 serves benefits too (they had their own value only in 2022):
    a contract signed in 2027 counts its support at it."""
    from tests.test_kandas import contract, kandas

    clock.set(datetime(2027, 1, 20, 9, 0, tzinfo=UTC))
    user, _ = await kandas(chat, "en")
    before = (await contract(user, "15.01.2027", "pavlodar", "5")).text
    assert "1,513,750 ₸" in before  # 70 MCI × 5 at the 2026 MCI
    admin = await staff_member(chat, ADMIN, "en")
    await add_2027_mci(admin)
    await admin.press("Save")
    from tests.test_kandas import menu

    after = (await user.press_data(menu("kandas_contract")))[-1].text
    assert "1,581,650 ₸" in after  # 70 MCI × 5 × 4,519


async def test_a_shipped_rule_gets_a_new_value_from_a_day_and_screens_follow(app, chat, clock):
    """The permit tax rate (shipped in migrants.json) ends on 31 Dec 2026 and takes a new
    value from 1 Jan 2027: a 2027 question is answered with it, a 2026 one is not."""
    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    admin = await staff_member(chat, ADMIN, "en")
    await admin.send("/facts")
    await admin.press_data(fcb(FactAction.end, "permit_tax_mci"))
    [preview] = await admin.send("31.12.2026")
    assert "Save this change?" in preview.text
    await admin.press("Save")
    await admin.press_data(fcb(FactAction.add, "permit_tax_mci"))
    for typed in ("5", "01.01.2027", "-", "Tax Code as amended, 2026"):
        await admin.send(typed)
    await admin.send("-")
    assert "Saved" in (await admin.press("Save"))[-1].text
    user = await person(chat, "en", user_id=620)
    [*_, answer] = await user.send(PERMIT_QUESTION)
    assert "4 MCI a month" in answer.text  # still 2026
    clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))
    [*_, answer] = await user.send(PERMIT_QUESTION)
    assert "5 MCI a month" in answer.text and "21,625 ₸" in answer.text  # 5 × the 2026 MCI


async def test_a_pilot_extended_in_facts_shows_its_new_end_on_the_guide(app, chat, clock):
    clock.set(datetime(2026, 5, 20, 9, 0, tzinfo=UTC))
    admin = await staff_member(chat, ADMIN, "en")
    await admin.send("/facts")
    [*_, question] = await admin.press_data(fcb(FactAction.end, "permit_online_pilot"))
    assert "Until which day" in question.text  # a period has no value to ask
    await admin.send("31.12.2026")
    await admin.press("Save")
    user = await person(chat, "en", user_id=630)
    await app.users.save(630, citizenship="UZ")
    await user.press_data("m:permit")
    await user.press("New permit")
    await user.send("20.05.2026")
    await user.press("1")
    documents = (await user.press("Documents and how to apply"))[-1].text
    assert "December 21, 2025" in documents and "December 31, 2026" in documents
    assert "May 31, 2026" not in documents


async def test_two_instances_see_a_saved_fact_at_once(tmp_path, clock, bot):
    """Two instances on one database and one Redis: the 2027 MCI saved on one is what the
    other answers with at once, and so is its revert (the shared version key)."""
    from bot.app import create_app
    from bot.simulator import Conversation
    from tests.conftest import REDIS_URL, make_settings

    if REDIS_URL is None:
        pytest.skip("needs JOLDAS_TEST_REDIS_URL: several instances share a Redis")
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))
    settings = make_settings(tmp_path, redis_url=REDIS_URL)
    one = await create_app(settings, migrate=True, clock=clock)
    two = await create_app(settings, migrate=False, clock=clock)
    try:
        await two.users.save(640, locale="en", role="migrant", citizenship="UZ")
        user = Conversation(two.dispatcher, bot, user_id=640, language_code="en")
        [*_, answer] = await user.send(PERMIT_QUESTION)
        assert "the 2027 MCI is not in my data yet" in answer.text
        await one.users.save(ADMIN, locale="en")
        admin = Conversation(one.dispatcher, bot, user_id=ADMIN, language_code="en")
        await add_2027_mci(admin)
        await admin.press("Save")
        [*_, answer] = await user.send(PERMIT_QUESTION)
        assert "18,076 ₸" in answer.text
        [change] = await one.facts.history("mci_tax")
        await one.facts.revert(change.id, ADMIN)
        [*_, answer] = await user.send(PERMIT_QUESTION)
        assert "the 2027 MCI is not in my data yet" in answer.text
    finally:
        await two.close()
        await one.close()


async def test_a_new_value_ends_the_open_ended_shipped_one_the_day_before(app, chat, clock):
    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    admin = await staff_member(chat, ADMIN, "en")
    await admin.send("/facts")
    await admin.press_data(fcb(FactAction.add, "overstay_fine_mci"))
    for typed in ("12", "01.01.2027", "-", "Code of Administrative Offences as amended"):
        await admin.send(typed)
    [preview] = await admin.send("-")
    assert "Save this change?" in preview.text
    assert "Saved" in (await admin.press("Save"))[-1].text
    values = (await app.facts.current()).facts["overstay_fine_mci"].values
    assert [(v.value, v.valid_until) for v in values] == [
        (10, datetime(2026, 12, 31).date()),
        (12, None),
    ]
    actions = [change.action for change in await app.facts.history("overstay_fine_mci")]
    assert actions == ["add", "end"]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_every_facts_screen_fits_a_phone(app, chat, clock, lang):
    """The groups, each group and each fact, in the staff member's language, ≤1,500."""
    from tests.test_screens import visible

    clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))  # with what is overdue shown
    admin = await staff_member(chat, ADMIN, lang)
    screens = [(await admin.send("/facts"))[-1]]
    book = await app.facts.current()
    for group in {fact.group for fact in book.facts.values()}:
        screens += await admin.press_data(fcb(FactAction.group, group))
    for name in book.facts:
        screens += await admin.press_data(fcb(FactAction.fact, name))
    texts = [sent.text for sent in screens if sent.text]
    assert len(texts) == 1 + len({f.group for f in book.facts.values()}) + len(book.facts)
    assert max(len(visible(text)) for text in texts) <= 1500
    forged = await admin.press_data(fcb(FactAction.group, "no_group"))
    assert any(sent.name == "answerCallbackQuery" for sent in forged)
