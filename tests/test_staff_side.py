"""The staff side as a newcomer found it (review of 6 December 2026): dates that read one
way, the broadcast dialogue in one language with the real fallback, night-time broadcasts,
the desk in a staff member's main menu, an admin's broadcast never withdrawn by a process
that does not know them, and the console."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import EditMessageReplyMarkup, SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select

from bot.app import create_app
from bot.console import render
from bot.i18n import speaking
from bot.simulator import Sent
from handlers.views.callbacks import BroadcastAction, BroadcastCb, DeskCb, DirAction
from handlers.views.moments import moment
from storage.models import Broadcast
from storage.records import Audience, Content
from tests.conftest import translated
from tests.test_broadcasts import ATTACHE, CROWD, people
from tests.test_directory import dcb, edit_phones
from tests.test_emigrants import emigrant, to, write_case

ADMIN = 7  # ADMIN_IDS in the test settings
LANGS = ("kk", "ru", "en")
LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
TITLES = {"kk": "Kazakh", "ru": "Russian", "en": "English"}
IN = {"kk": "in Kazakh", "ru": "in Russian", "en": "in English"}


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


def cb(action: BroadcastAction, value: str = "", id: int = 0) -> str:
    return BroadcastCb(action=action, value=value, id=id).pack()


async def staff_member(chat, user_id: int, lang: str):
    member = chat(user_id=user_id, lang=lang)
    await member.send("/start")
    await member.press(LANG_BUTTON[lang])
    return member


# --- P17: one way to write a moment on staff screens ---------------------------------------------


@pytest.mark.parametrize(
    ("lang", "shown"),
    [("en", "6 Dec 2026, 16:03"), ("ru", "06.12.2026, 16:03"), ("kk", "06.12.2026, 16:03")],
)
def test_a_moment_reads_one_way_never_month_first(app, lang, shown):
    with speaking(app.i18n, lang):
        assert moment(datetime(2026, 12, 6, 11, 3, tzinfo=UTC), "Asia/Almaty") == shown


@pytest.mark.parametrize(
    ("lang", "shown"), [("en", "21 Nov 2026, 11:00"), ("ru", "21.11.2026, 11:00")]
)
async def test_a_case_card_and_the_directory_history_show_that_moment(app, chat, lang, shown):
    await staff_member(chat, ADMIN, lang)
    user = await emigrant(chat(user_id=100, lang="en"), "en", "TR")  # no attaché: the admin
    sent = await write_case(app, user, "en", "💰 Unpaid wages", "My salary is late")
    [card] = to(ADMIN, sent)
    assert shown in card.text and "11/21/26" not in card.text
    admin = chat(user_id=ADMIN, lang=lang)
    await admin.send("/cases")
    sent = await admin.press(1)  # the case, with its history
    assert any(shown in s.text for s in sent)

    await edit_phones(admin, "m.KR", "+82 2 379 9714")
    await admin.press_data(dcb(DirAction.save, "m.KR"))
    sent = await admin.send("/directory history")
    assert f"#1 · {shown}" in sent[-1].text


# --- P7: step 2 names the real fallback, in the staff member's language ---------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_step_two_names_the_version_each_missing_language_gets(app, chat, lang):
    await people(app, *CROWD)
    admin = await staff_member(chat, ADMIN, lang)
    await admin.send("/broadcast")
    await admin.press_data(cb(BroadcastAction.content), admin.last_with_buttons())
    sent = await admin.press_data(cb(BroadcastAction.content, "kk"), admin.last_with_buttons())
    prompt = sent[-1].text
    send = t(
        app,
        lang,
        "Send the message {language} now: text, or a photo, document or video with a caption.",
    )
    assert send.format(language=t(app, lang, "in Kazakh")) in prompt
    assert "Қазақша" not in prompt or lang == "kk"  # no native name inside the sentence
    missing = t(app, lang, "➖ {language}: no text; its readers get the message {given}")

    sent = await admin.send("Жаңа ереже")  # Kazakh only: Russian and English readers get it
    screen = sent[-1].text
    for code in ("ru", "en"):
        line = missing.format(language=t(app, lang, TITLES[code]), given=t(app, lang, IN["kk"]))
        assert line in screen, screen
    await admin.press_data(cb(BroadcastAction.content, "ru"), admin.last_with_buttons())
    sent = await admin.send("Новое правило")  # with Russian, English readers get Russian
    screen = sent[-1].text
    line = missing.format(language=t(app, lang, "English"), given=t(app, lang, IN["ru"]))
    assert line in screen, screen
    assert missing.format(language=t(app, lang, "Russian"), given="").split("{")[0] not in screen


# --- P18: a broadcast that would arrive at night asks first ------------------------------------


async def schedule(admin, day: str, at: str) -> list:
    await admin.send("/broadcast")
    await admin.press_data(cb(BroadcastAction.content), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.content, "ru"), admin.last_with_buttons())
    await admin.send("Консульство закрыто в понедельник")
    await admin.press_data(cb(BroadcastAction.preview), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.later), admin.last_with_buttons())
    sent = await admin.send(day)  # typed: the time question follows, not an apology
    assert sent[-1].text.endswith("UTC+05:00.") and "09:00" in [b for b, _ in admin.buttons()]
    return await admin.send(at)


NIGHT = (
    "🌙 For {count} of them it arrives at night: {times}. Reminders never go out between "
    "{start} and {end}. Send it anyway, or choose another time with ◀️ When."
)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_broadcast_scheduled_for_the_night_says_when_it_would_arrive(app, chat, lang):
    await people(app, (301, "ru", "emigrant", None, "KR"), (302, "ru", "migrant", "UZ", None))
    await app.users.save(301, timezone="Asia/Seoul")
    await app.users.save(302, timezone="Asia/Almaty")
    admin = await staff_member(chat, ADMIN, lang)  # Almaty, UTC+5

    sent = await schedule(admin, "22.11.2026", "12:00")  # 16:00 in Seoul: daytime for all
    assert "🌙" not in sent[-1].text
    assert next(label for label, _ in admin.buttons()) == t(app, lang, "✅ Schedule")

    await admin.send("/cancel")
    sent = await schedule(admin, "22.11.2026", "21:00")  # 01:00 in Seoul
    screen = sent[-1].text
    head = t(app, lang, NIGHT).split("{")[0]
    assert head in screen and "01:00" in screen and "21:00" in screen.split(head)[0]
    times = screen.split(head)[1]
    assert "01:00" in times and "21:00" not in times  # only Seoul is at night
    assert next(label for label, _ in admin.buttons()) == t(
        app, lang, "🌙 Schedule for the night anyway"
    )
    sent = await admin.press(t(app, lang, "🌙 Schedule for the night anyway"))
    async with app.sessionmaker() as session:
        assert await session.scalar(select(Broadcast.status)) == "scheduled"


async def test_sending_now_at_night_warns_too(app, chat, clock):
    await people(app, (302, "en", "migrant", "UZ", None))
    await app.users.save(302, timezone="Asia/Almaty")
    clock.set(datetime(2026, 11, 21, 18, 30, tzinfo=UTC))  # 23:30 in Almaty
    admin = await staff_member(chat, ADMIN, "en")
    await admin.send("/broadcast")
    await admin.press_data(cb(BroadcastAction.content), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.content, "en"), admin.last_with_buttons())
    await admin.send("News")
    await admin.press_data(cb(BroadcastAction.preview), admin.last_with_buttons())
    sent = await admin.press_data(cb(BroadcastAction.now), admin.last_with_buttons())
    assert "🌙 For 2 of them it arrives at night: 23:30 in Almaty, UTC+05:00." in sent[-1].text
    assert next(label for label, _ in admin.buttons()) == "🌙 Send at night anyway"


# --- the desk in a staff member's main menu -------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_staff_find_the_desk_in_their_main_menu(app, chat, lang):
    label = t(app, lang, "🧑‍💼 Staff desk")
    admin = await staff_member(chat, ADMIN, lang)
    await admin.send("/menu")
    assert (label, DeskCb().pack()) in admin.buttons()
    sent = await admin.press(label)
    assert sent[-1].text.startswith(t(app, lang, "🧑‍💼 <b>Staff desk</b>"))
    assert "/facts" in sent[-1].text  # an admin's desk

    await app.cases.grant(ATTACHE, "KR", ADMIN)
    attache = await staff_member(chat, ATTACHE, lang)
    await attache.send("/menu")
    sent = await attache.press(label)
    assert "/cases" in sent[-1].text and "/facts" not in sent[-1].text

    user = await emigrant(chat(user_id=100, lang=lang), lang, "KR")
    await user.send("/menu")
    assert label not in [text for text, _ in user.buttons()]
    sent = await user.press_data(DeskCb().pack())  # forged: refused
    assert sent[-1].method.text == t(app, lang, "⛔ This is for the attaché desk's staff only.")


# --- who may withdraw a scheduled broadcast -----------------------------------------------------


async def test_a_process_without_admin_ids_leaves_an_admins_broadcast_alone(
    app, bot, chat, clock, settings, caplog
):
    """A console started without ADMIN_IDS on the same database must not withdraw (nor
    send) admin 7's broadcast: it cannot tell who is an admin; one that can sends it."""
    await people(app, *CROWD)
    await staff_member(chat, ADMIN, "en")
    authority = await app.broadcasts.authority(ADMIN)
    content = {"en": Content(kind="text", html="Hello")}
    await app.broadcasts.create(
        authority, Audience(), content, None, clock.now() + timedelta(hours=1)
    )
    clock.advance(hours=1)
    console = await create_app(settings.model_copy(update={"admin_ids": frozenset()}), clock=clock)
    try:
        caplog.set_level(logging.WARNING, logger="bot.services.broadcasts")
        before = len(bot.session.requests)
        for _ in range(2):
            report = await console.broadcasts.drain(bot)
            assert (report.started, report.sent) == (0, 0)
        assert bot.session.requests[before:] == []  # nothing sent, nobody told
        async with app.sessionmaker() as session:
            assert await session.scalar(select(Broadcast.status)) == "scheduled"
        assert caplog.text.count("left for another instance") == 1
        assert "withdrawn" not in caplog.text
    finally:
        await console.close()
    report = await app.broadcasts.drain(bot)  # the instance that knows the admin
    assert report.started == 1 and report.sent == 8


@pytest.mark.parametrize("lang", LANGS)
async def test_an_attache_with_no_role_left_is_told_why_in_their_language(
    app, bot, chat, clock, lang
):
    await people(app, *CROWD)
    await app.cases.grant(ATTACHE, "RU", ADMIN)
    await staff_member(chat, ATTACHE, lang)
    authority = await app.broadcasts.authority(ATTACHE)
    content = {"ru": Content(kind="text", html="Привет")}
    await app.broadcasts.create(
        authority, Audience(role="emigrant"), content, None, clock.now() + timedelta(hours=1)
    )
    await app.cases.revoke(ATTACHE, "RU")
    clock.advance(hours=1)
    before = len(bot.session.requests)
    await app.broadcasts.drain(bot)
    [told] = bot.session.requests[before:]
    assert told.chat_id == ATTACHE
    assert told.text == t(
        app, lang, "✖️ Broadcast #{id} was not sent: you are no longer on the attaché desk's staff."
    ).format(id=1)


async def test_without_a_stored_language_the_notice_is_in_the_default_locale(settings, bot, clock):
    kazakh = await create_app(settings.model_copy(update={"default_locale": "kk"}), clock=clock)
    try:
        await kazakh.cases.grant(ATTACHE, "RU", ADMIN)
        await kazakh.cases.grant(ATTACHE, "KR", ADMIN)
        authority = await kazakh.broadcasts.authority(ATTACHE)  # never started the bot
        await kazakh.broadcasts.create(
            authority,
            Audience(role="emigrant"),
            {"ru": Content(kind="text", html="Привет")},
            None,
            clock.now() + timedelta(hours=1),
        )
        await kazakh.cases.revoke(ATTACHE, "KR")  # still staff, but not for every country
        clock.advance(hours=1)
        before = len(bot.session.requests)
        await kazakh.broadcasts.drain(bot)
        [told] = bot.session.requests[before:]
        assert told.text == translated(
            kazakh,
            "kk",
            "✖️ Broadcast #{id} was not sent: you no longer serve the countries it was meant for.",
        ).format(id=1)
    finally:
        await kazakh.close()


# --- the console --------------------------------------------------------------------------------


def test_the_console_names_whom_a_message_is_for_and_numbers_only_yours():
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="⭐", callback_data="r")]]
    )
    mine = render(Sent(SendMessage(chat_id=900, text="<b>Hi</b>", reply_markup=markup)), 900)
    assert mine == "bot> Hi\n   [1] ⭐"
    theirs = render(Sent(SendMessage(chat_id=201, text="Rate it", reply_markup=markup)), 900)
    assert theirs == "bot → 201> Rate it\n   [-] ⭐"
    redrawn = render(
        Sent(EditMessageReplyMarkup(chat_id=900, message_id=5, reply_markup=markup)), 900
    )
    assert redrawn == "bot (edited)> (new buttons)\n   [1] ⭐"


@pytest.mark.parametrize(
    ("lang", "header"),
    [
        ("ru", ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]),
        ("kk", ["дс", "сс", "ср", "бс", "жм", "сб", "жс"]),
        ("en", ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]),
    ],
)
def test_the_button_calendar_names_its_weekdays_unambiguously(lang, header):
    from datetime import date

    from handlers.views.dates import month_markup

    markup = month_markup(2026, 12, date(2026, 1, 1), date(2026, 12, 31), lang)
    assert [button.text for button in markup.inline_keyboard[1]] == header


def test_an_empty_token_in_env_means_not_set():
    from bot.config import Settings

    assert Settings(_env_file=None, bot_token="", log_file=" ").bot_token is None
