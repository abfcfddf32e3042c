"""Staff broadcasts: the dialogue, the audience, authorisation, and the delivery engine.

Recipients are stored straight through the user service (onboarding has its own tests);
staff talk to the real dispatcher; delivery runs the real engine through the in-process
Bot API stand-in with the injected clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram.methods import EditMessageText, SendMessage, SendPhoto
from sqlalchemy import func, select

import bot.services.broadcasts as engine
from bot.rules.broadcasts import batch_size, content_locale
from bot.services.sender import RateLimiter
from handlers.views.callbacks import BroadcastAction, BroadcastCb
from storage.models import Broadcast, BroadcastDelivery, User
from storage.records import Audience, Content, PermitRecord
from tests.conftest import translated

ADMIN = 7  # ADMIN_IDS in the test settings
ATTACHE = 8
LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
BOLD = [{"type": "bold", "offset": 0, "length": 9}]


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


def head(app, lang: str, msgid: str) -> str:
    """The translated text up to its first placeholder (what a screen starts with)."""
    return t(app, lang, msgid).split("{")[0]


def cb(action: BroadcastAction, value: str = "", id: int = 0) -> str:
    return BroadcastCb(action=action, value=value, id=id).pack()


async def people(app, *rows: tuple) -> None:
    """(id, locale, role, citizenship, country of work) for each user."""
    for user_id, locale, role, citizenship, country in rows:
        await app.users.save(
            user_id, locale=locale, role=role, citizenship=citizenship, country_abroad=country
        )


CROWD = (
    (201, "kk", "migrant", "UZ", None),
    (202, "ru", "migrant", "UZ", None),
    (203, "en", "migrant", "KG", None),
    (211, "kk", "emigrant", None, "RU"),
    (212, "ru", "emigrant", None, "RU"),
    (213, "en", "emigrant", None, "KR"),
    (221, "ru", "kandas", "CN", None),
)


async def staff_member(chat, user_id: int, lang: str):
    member = chat(user_id=user_id, lang=lang)
    await member.send("/start")
    await member.press(LANG_BUTTON[lang])
    return member


def to(chat_id: int, sent) -> list:
    return [s for s in sent if s.chat_id == chat_id]


async def statuses(app) -> Counter[str]:
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(BroadcastDelivery.status, func.count()).group_by(BroadcastDelivery.status)
        )
    return Counter({status: n for status, n in rows})


async def compose_to_confirm(staff, texts: dict[str, str]) -> list:
    """From the audience screen: every language's text (bold first word), preview, now.
    Returns what the preview sent."""
    await staff.press_data(cb(BroadcastAction.content), staff.last_with_buttons())
    for code, text in texts.items():
        await staff.press_data(cb(BroadcastAction.content, code), staff.last_with_buttons())
        await staff.send(text, entities=BOLD)
    preview = await staff.press_data(cb(BroadcastAction.preview), staff.last_with_buttons())
    await staff.press_data(cb(BroadcastAction.now), staff.last_with_buttons())
    return [s for s in preview if isinstance(s.method, SendMessage)]


# --- the whole way, in each language -----------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_an_admin_broadcasts_to_emigrants_in_each_readers_language(app, bot, chat, lang):
    await people(app, *CROWD)
    admin = await staff_member(chat, ADMIN, lang)

    sent = await admin.send("/broadcast")
    screen = sent[-1].text
    assert screen.startswith(
        head(app, lang, "📣 <b>New broadcast</b> · step {step} of {steps}: {title}")
    )
    assert "8" in screen  # 7 people and the admin: everyone
    await admin.press_data(cb(BroadcastAction.filter, "role"), admin.last_with_buttons())
    sent = await admin.press_data(
        cb(BroadcastAction.set, "role=emigrant"), admin.last_with_buttons()
    )
    shown = admin.last_with_buttons()
    assert shown is not None and "<b>3</b>" in shown.text  # the live count
    assert t(app, lang, "Kazakhstanis working abroad") in shown.text

    preview = await compose_to_confirm(
        admin, {"ru": "Внимание: новые правила", "kk": "Назар аудар: жаңа ережелер"}
    )
    # a header and the message for each language with readers: kk, ru, en (the ru version)
    assert [m.text for m in preview[1:6:2]] == [
        "<b>Назар ауд</b>ар: жаңа ережелер",
        "<b>Внимание:</b> новые правила",
        "<b>Внимание:</b> новые правила",
    ]
    confirm = admin.last_with_buttons()
    assert confirm is not None
    ask = app.i18n.gettext(
        "Send it to <b>{count}</b> person now?",
        "Send it to <b>{count}</b> people now?",
        3,
        locale=lang,
    )
    assert ask.format(count=3) in confirm.text
    assert "<b>3</b>" in confirm.text
    sent = await admin.press_data(cb(BroadcastAction.confirm), confirm)
    assert (
        head(
            app,
            lang,
            "📣 Broadcast #{id} starts within a few seconds. Its progress will appear here; "
            "/broadcasts lists it.",
        )
        in sent[-1].text
    )

    before = len(bot.session.requests)
    report = await app.broadcasts.drain(bot)
    delivered = bot.session.requests[before:]
    assert (report.started, report.sent, report.finished) == (1, 3, 1)
    # each reader their language; English falls back to Russian; formatting kept
    assert to(211, delivered)[0].text == "<b>Назар ауд</b>ар: жаңа ережелер"
    assert to(212, delivered)[0].text == "<b>Внимание:</b> новые правила"
    assert to(213, delivered)[0].text == "<b>Внимание:</b> новые правила"
    assert not to(201, delivered) and not to(221, delivered)
    for reader, chat_id in (("kk", 211), ("ru", 212), ("en", 213)):  # preview == delivered
        shown = preview[1 + 2 * ("kk", "ru", "en").index(reader)].method
        assert shown.model_dump(exclude={"chat_id"}) == to(chat_id, delivered)[0].method.model_dump(
            exclude={"chat_id"}
        )
    # the sender: one progress message, edited at the end, and a summary in their language
    progress = [s for s in to(ADMIN, delivered) if isinstance(s.method, SendMessage)]
    edits = [s for s in to(ADMIN, delivered) if isinstance(s.method, EditMessageText)]
    assert len(progress) == 2 and len(edits) == 1
    assert progress[0].text.startswith(head(app, lang, "📣 <b>Broadcast #{id}</b> — {status}"))
    summary = progress[1].text
    assert head(app, lang, "✅ <b>Broadcast #{id} is finished.</b>") in summary
    # the languages named in the sender's own language
    assert f"{t(app, lang, 'Kazakh')} 1 · {t(app, lang, 'Russian')} 2" in summary
    for english in ("Sent:", "Blocked the bot", "Recipients") if lang != "en" else ():
        assert english not in summary
    assert all(len(s.text) <= 1500 for s in delivered)


async def test_media_preview_is_exactly_what_recipients_get(app, bot, chat):
    await people(app, (301, "en", "migrant", "UZ", None), (302, "kk", "migrant", "UZ", None))
    admin = await staff_member(chat, ADMIN, "en")
    await admin.send("/broadcast")
    await admin.press_data(cb(BroadcastAction.filter, "role"), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.set, "role=migrant"), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.content), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.content, "en"), admin.last_with_buttons())
    sent = await admin.send_photo("x" * 1100)  # Telegram takes 1,024 under a photo
    assert "1100" in sent[0].text and "1024" in sent[0].text.replace("\xa0", "").replace(" ", "")
    await admin.send_photo(
        "Office hours change", caption_entities=[{"type": "italic", "offset": 0, "length": 6}]
    )
    await admin.press_data(cb(BroadcastAction.link), admin.last_with_buttons())
    sent = await admin.send("not a link")
    assert sent[0].text == t(
        app,
        "en",
        "That is not a web link. A link looks like https://example.kz/page. Please send it again.",
    )
    await admin.send("https://migration.enbek.kz/news")

    sent = await admin.press_data(cb(BroadcastAction.preview), admin.last_with_buttons())
    previews = [s for s in sent if isinstance(s.method, SendPhoto)]
    assert len(previews) == 2  # readers of English, readers of Kazakh (the English version)
    headers = [s.text for s in sent if isinstance(s.method, SendMessage)]
    assert headers[:2] == [
        "👁 Readers who use the bot in Kazakh (1) will get the message in English:",
        "👁 Readers who use the bot in English (1) will get:",
    ]

    await admin.press_data(cb(BroadcastAction.now), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.confirm), admin.last_with_buttons())
    before = len(bot.session.requests)
    await app.broadcasts.drain(bot)
    delivered = {
        s.chat_id: s.method
        for s in bot.session.requests[before:]
        if isinstance(s.method, SendPhoto)
    }

    def seen(method: SendPhoto) -> tuple:
        return method.model_dump(exclude={"chat_id"})

    assert seen(delivered[302]) == seen(previews[0].method)
    assert seen(delivered[301]) == seen(previews[1].method)
    assert (
        delivered[301].photo == "photo1" and delivered[301].caption == "<i>Office</i> hours change"
    )
    assert (
        delivered[301].reply_markup.inline_keyboard[0][0].url == "https://migration.enbek.kz/news"
    )
    labels = {chat: m.reply_markup.inline_keyboard[0][0].text for chat, m in delivered.items()}
    assert labels == {301: "🔗 Read more", 302: t(app, "kk", "🔗 Read more")}


# --- the audience ------------------------------------------------------------------------------


async def test_audience_filters_combine_and_count_only_active_users(app):
    await people(app, *CROWD)
    await app.users.save(214, locale="ru", role="emigrant", country_abroad="RU", is_active=False)
    await app.reminders.schedule(
        202,
        "permit",
        date(2027, 1, 10),
        PermitRecord(
            start=date(2026, 12, 11),
            end=date(2027, 1, 10),
            months=1,
            first_start=date(2026, 12, 11),
        ),
        "permit",
    )
    admin = await app.broadcasts.authority(ADMIN)
    assert admin is not None and admin.admin

    async def count(**filters) -> int:
        return await app.broadcasts.count(admin, Audience(**filters))

    assert await count() == 7  # the blocked emigrant is never targeted
    assert await count(role="migrant") == 3
    assert await count(role="migrant", citizenship="UZ") == 2
    assert await count(role="migrant", citizenship="UZ", locale="kk") == 1
    assert await count(role="emigrant", country="RU") == 2
    assert await count(kind="permit") == 1
    assert await count(kind="permit", locale="kk") == 0
    assert await app.broadcasts.count_by_locale(admin, Audience(role="emigrant")) == {
        "kk": 1,
        "ru": 1,
        "en": 1,
    }
    common = await app.broadcasts.common_values(admin, Audience(role="migrant"), "citizenship")
    assert common == [("UZ", 2), ("KG", 1)]


def test_each_reader_gets_their_language_then_russian_then_what_there_is():
    assert content_locale("kk", {"kk", "ru"}) == "kk"
    assert content_locale("en", {"kk", "ru"}) == "ru"
    assert content_locale("kk", {"en"}) == "en"
    assert content_locale("ru", {"kk", "en"}) == "kk"
    assert batch_size(25) == 50 and batch_size(0) == 1000 and batch_size(1000) == 1000


# --- who may ------------------------------------------------------------------------------------


async def test_an_attache_reaches_only_their_countries_emigrants(app, bot, chat, caplog):
    await people(app, *CROWD)
    await app.cases.grant(ATTACHE, "RU", ADMIN)
    attache = await staff_member(chat, ATTACHE, "ru")
    caplog.set_level(logging.WARNING, logger="joldas.staff")

    sent = await attache.send("/broadcast")
    screen = attache.last_with_buttons()
    assert screen is not None and "<b>2</b>" in screen.text  # the two emigrants in Russia
    assert not any("role" in data for _, data in attache.buttons(screen))  # no "who" filter
    for forged in ("country=KR", "role=migrant", "role=any"):
        sent = await attache.press_data(cb(BroadcastAction.set, forged), screen)
        if forged == "role=any":  # stays their emigrants
            assert "<b>2</b>" in attache.last_with_buttons().text
        else:
            assert sent[-1].method.text == t(
                app, "ru", "⛔ This is for the attaché desk's staff only."
            )
    assert caplog.text.count("refused") == 2 and str(ATTACHE) in caplog.text
    await attache.press_data(cb(BroadcastAction.filter, "role"), screen)
    assert caplog.text.count("refused") == 3

    # forged dialogue data cannot widen it either
    state = app.dispatcher.fsm.get_context(bot, ATTACHE, ATTACHE)
    await compose_to_confirm(attache, {"ru": "Консульство работает до 18:00"})
    await state.update_data(aud={"role": "migrant"})
    sent = await attache.press_data(cb(BroadcastAction.confirm), attache.last_with_buttons())
    assert caplog.text.count("refused") == 4
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
    await state.update_data(aud={"role": "emigrant"})
    await attache.press_data(cb(BroadcastAction.confirm), attache.last_with_buttons())
    before = len(bot.session.requests)
    await app.broadcasts.drain(bot)
    got = {s.chat_id for s in bot.session.requests[before:] if s.chat_id != ATTACHE}
    assert got == {211, 212}


async def test_strangers_and_revoked_attaches_are_refused(app, bot, chat, caplog):
    await people(app, *CROWD)
    caplog.set_level(logging.WARNING, logger="joldas.staff")
    stranger = chat(user_id=666, lang="en")
    for attempt in ("/broadcast", "/broadcasts", "/desk"):
        sent = await stranger.send(attempt)
        assert sent[-1].text == "⛔ This is for the attaché desk's staff only."
    sent = await stranger.press_data(cb(BroadcastAction.new))
    sent = await stranger.press_data(cb(BroadcastAction.pause, id=1))
    assert caplog.text.count("refused") == 5 and "666" in caplog.text

    await app.cases.grant(ATTACHE, "RU", ADMIN)
    attache = await staff_member(chat, ATTACHE, "en")
    await attache.send("/broadcast")
    screen = attache.last_with_buttons()
    await app.cases.revoke(ATTACHE, "RU")  # mid-dialogue
    sent = await attache.press_data(cb(BroadcastAction.content), screen)
    assert sent[-1].method.text == "⛔ This is for the attaché desk's staff only."


@pytest.mark.parametrize("action", list(BroadcastAction))
async def test_every_broadcast_button_pressed_by_a_stranger_is_refused_and_logged(
    app, chat, caplog, action
):
    caplog.set_level(logging.WARNING, logger="joldas.staff")
    stranger = chat(user_id=666, lang="en")
    sent = await stranger.press_data(cb(action, "09.00" if action == "time" else "", id=1))
    answers = [s for s in sent if s.name == "answerCallbackQuery"]
    assert (
        len(answers) == 1
        and answers[0].method.text == "⛔ This is for the attaché desk's staff only."
    )
    assert "refused" in caplog.text and "666" in caplog.text, action


async def test_a_scheduled_broadcast_of_a_revoked_attache_is_withdrawn(app, bot, chat, clock):
    await people(app, *CROWD)
    await app.cases.grant(ATTACHE, "RU", ADMIN)
    authority = await app.broadcasts.authority(ATTACHE)
    await staff_member(chat, ATTACHE, "en")
    content = {"ru": Content(kind="text", html="Привет")}
    await app.broadcasts.create(
        authority, Audience(role="emigrant"), content, None, clock.now() + timedelta(hours=1)
    )
    await app.cases.revoke(ATTACHE, "RU")
    clock.advance(hours=1)
    before = len(bot.session.requests)
    await app.broadcasts.drain(bot)
    sent = bot.session.requests[before:]
    assert [s.chat_id for s in sent] == [ATTACHE]
    assert "was not sent" in sent[0].text
    async with app.sessionmaker() as session:
        assert await session.scalar(select(Broadcast.status)) == "cancelled"


# --- the dialogue's bad input ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_the_dialogue_answers_bad_input_in_context(app, bot, chat, lang):
    await people(app, *CROWD)
    admin = await staff_member(chat, ADMIN, lang)
    await admin.send("/broadcast")
    sent = await admin.send("hello?")  # typed where buttons are expected: asked again
    reason = (
        "“{text}” is not one of the answers here. Press a button below, or type its words or "
        "number."
    )
    assert t(app, lang, reason).format(text="hello?") == sent[0].text
    assert sent[-1].text.startswith(
        head(app, lang, "📣 <b>New broadcast</b> · step {step} of {steps}: {title}")
    )
    await admin.press_data(cb(BroadcastAction.content), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.content, lang), admin.last_with_buttons())
    sent = await admin.send_sticker()
    assert sent[0].text == t(
        app, lang, "A broadcast can be text, or a photo, a document or a video with a caption."
    )
    sent = await admin.send("x" * 1600)
    assert "1600" in sent[0].text and "1500" in sent[0].text.replace(" ", "").replace("\xa0", "")
    await admin.send("<script>alert(1)</script> 😀")
    await admin.press_data(cb(BroadcastAction.preview), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.later), admin.last_with_buttons())
    await admin.send("22.11.2026")  # tomorrow
    sent = await admin.send("25:00")
    assert sent[0].text == t(app, lang, "Please type the time as 10:30.")
    await admin.press_data(cb(BroadcastAction.time, "25.99"), admin.last_with_buttons())
    confirm = admin.last_with_buttons()
    assert cb(BroadcastAction.confirm) not in [d for _, d in admin.buttons(confirm)]
    await admin.send("/cancel")
    sent = await admin.press_data(cb(BroadcastAction.now), confirm)  # a stale button
    assert sent[-1].method.text == t(app, lang, "This button is out of date.")


async def test_a_scheduled_broadcast_fires_at_the_staff_members_local_time(app, bot, chat, clock):
    await people(app, *CROWD)
    admin = await staff_member(chat, ADMIN, "en")  # Asia/Almaty, UTC+5
    await admin.send("/broadcast")
    await admin.press_data(cb(BroadcastAction.content), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.content, "en"), admin.last_with_buttons())
    await admin.send("The consulate is closed on Monday")
    await admin.press_data(cb(BroadcastAction.preview), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.later), admin.last_with_buttons())
    await admin.send("22.11.2026")
    sent = await admin.send("9:00")
    assert "22 Nov 2026, 09:00" in sent[-1].text
    sent = await admin.press_data(cb(BroadcastAction.confirm), admin.last_with_buttons())
    assert "22 Nov 2026, 09:00" in sent[-1].method.text
    await people(app, (231, "en", "migrant", "TJ", None))  # joins after it was scheduled

    clock.set(datetime(2026, 11, 22, 3, 59, tzinfo=UTC))  # 08:59 in Almaty
    assert (await app.broadcasts.drain(bot)).started == 0
    clock.set(datetime(2026, 11, 22, 4, 0, tzinfo=UTC))
    before = len(bot.session.requests)
    report = await app.broadcasts.drain(bot)
    assert report.sent == 9  # the 8 of before, and the newcomer
    assert 231 in {s.chat_id for s in bot.session.requests[before:]}

    sent = await admin.send("/broadcasts")
    assert "#1" in sent[-1].text and "finished" in sent[-1].text


async def test_a_scheduled_broadcast_can_be_cancelled_from_the_list(app, bot, chat, clock):
    await people(app, *CROWD)
    admin = await staff_member(chat, ADMIN, "en")
    authority = await app.broadcasts.authority(ADMIN)
    later = clock.now() + timedelta(days=1)
    await app.broadcasts.create(
        authority, Audience(), {"en": Content(kind="text", html="Hi")}, None, later
    )
    await admin.send("/broadcasts")
    await admin.press("✖️ Cancel #1")
    clock.advance(days=1)
    assert (await app.broadcasts.drain(bot)).sent == 0
    sent = await admin.send("/broadcasts")
    assert "cancelled" in sent[-1].text


# --- running it: pause, resume, cancel, Telegram's answers -------------------------------------


async def start(app, bot, audience: Audience | None = None, text: str = "News") -> Broadcast:
    authority = await app.broadcasts.authority(ADMIN)
    broadcast = await app.broadcasts.create(
        authority, audience or Audience(), {"en": Content(kind="text", html=text)}, None, None
    )
    return broadcast


async def test_pause_resume_and_cancel_from_the_progress_message(
    app, bot, chat, clock, monkeypatch
):
    await people(app, *[(400 + n, "en", "migrant", "UZ", None) for n in range(10)])
    admin = await staff_member(chat, ADMIN, "en")
    monkeypatch.setattr(engine, "batch_size", lambda rate: 3)
    broadcast = await start(app, bot, Audience(role="migrant"))
    await app.broadcasts.tick(bot)  # starts, sends 3
    assert (await statuses(app))["sent"] == 3
    progress = admin.last_with_buttons()
    assert progress is not None and "#1" in progress.text
    await admin.press("⏸ Pause", progress)
    assert "paused" in progress.text
    assert (await app.broadcasts.tick(bot)).sent == 0
    await admin.press("▶️ Resume", progress)
    assert (await app.broadcasts.tick(bot)).sent == 3
    clock.advance(seconds=5)  # the progress message is edited at most every 4 s
    await app.broadcasts.tick(bot)
    assert "Sent: 9" in progress.text and "Remaining: 1 of 10" in progress.text
    sent = await admin.press("✖️ Cancel", progress)
    assert (await statuses(app)) == {"sent": 9, "cancelled": 1}
    summary = to(ADMIN, sent)[-1].text
    assert "was cancelled" in summary and "Not sent (cancelled): 1" in summary
    assert admin.buttons(progress) == []  # the final state has no buttons
    assert broadcast.id == 1


async def test_telegram_errors_each_get_their_treatment(app, bot, chat, clock):
    await people(app, *[(500 + n, "en", "migrant", "UZ", None) for n in range(6)])
    await staff_member(chat, ADMIN, "en")
    await start(app, bot, Audience(role="migrant"))
    with pytest.MonkeyPatch.context() as patch:  # started, its progress message sent
        patch.setattr(engine, "batch_size", lambda rate: 0)
        await app.broadcasts.tick(bot)
    session = bot.session
    session.fail_next(403, "Forbidden: bot was blocked by the user", method="sendMessage")
    session.fail_next(400, "Bad Request: chat not found", method="sendMessage")
    session.fail_next(0, "Server disconnected", method="sendMessage")
    session.fail_next(502, "Bad Gateway", method="sendMessage")
    session.fail_next(429, "Too Many Requests", retry_after=1, method="sendMessage")
    report = await app.broadcasts.drain(bot)
    assert report.sent == 1
    assert await statuses(app) == {"sent": 1, "blocked": 1, "failed": 1, "pending": 3}
    async with app.sessionmaker() as session_:
        assert await session_.scalar(select(User.is_active).where(User.id == 500)) is False
    clock.advance(seconds=5)
    await asyncio.sleep(1.05)  # the 429 held the real sender for a second
    report = await app.broadcasts.drain(bot)
    assert await statuses(app) == {"sent": 4, "blocked": 1, "failed": 1}
    summary = to(ADMIN, bot.session.requests)[-1].text
    assert "Blocked the bot: 1" in summary and "the chat no longer exists — 1" in summary


async def test_a_user_who_deletes_their_data_mid_broadcast_is_skipped(app, bot, chat, monkeypatch):
    await people(app, *[(600 + n, "en", "migrant", "UZ", None) for n in range(4)])
    monkeypatch.setattr(engine, "batch_size", lambda rate: 2)
    await start(app, bot, Audience(role="migrant"))
    await app.broadcasts.tick(bot)
    await app.users.delete(603)
    before = len(bot.session.requests)
    await app.broadcasts.drain(bot)
    assert {s.chat_id for s in bot.session.requests[before:]} - {ADMIN} == {602}
    async with app.sessionmaker() as session:
        rows = await session.scalar(
            select(func.count())
            .select_from(BroadcastDelivery)
            .where(BroadcastDelivery.user_id == 603)
        )
    assert rows == 0


async def test_a_restart_mid_broadcast_resumes_without_duplicates(settings, clock, monkeypatch):
    from bot.app import build_bot, create_app
    from bot.services.reminders import RUNNING
    from bot.simulator import LocalSession

    first = await create_app(settings, clock=clock)
    second = None
    try:
        await people(first, *[(700 + n, "en", "migrant", "UZ", None) for n in range(20)])
        monkeypatch.setattr(engine, "batch_size", lambda rate: 5)
        await start(first, None)
        one = build_bot(settings, session=LocalSession())
        await first.broadcasts.tick(one)  # 5 sent
        await first.broadcasts.tick(one)  # 5 more
        async with first.sessionmaker() as session, session.begin():  # 5 claimed, then a crash
            from storage.repositories.broadcasts import BroadcastRepository

            await BroadcastRepository(session).claim(1, clock.now(), 5, first.reminders.instance_id)
        RUNNING.pop(first.reminders.instance_id)  # the process is gone (same pid: this one)
        second = await create_app(settings, clock=clock)
        two = build_bot(settings, session=LocalSession())
        report = await second.broadcasts.drain(two)
        assert report.sent == 10
        delivered = Counter(one.session.delivered) + Counter(two.session.delivered)
        recipients = {chat: n for chat, n in delivered.items() if chat != ADMIN}
        assert sorted(recipients) == list(range(700, 720)) and set(recipients.values()) == {1}
        assert await statuses(second) == {"sent": 20}
    finally:
        await first.close()
        if second is not None:
            await second.close()


# --- the one sender -------------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0) + 0.0003  # every wake-up a little late, as in life
        await asyncio.sleep(0)


@pytest.mark.parametrize("rate", [30, 1000])
async def test_broadcasts_keep_their_rate_and_never_exceed_it_in_any_second(rate):
    fake = FakeTime()
    limiter = RateLimiter(0, 0, clock=fake.monotonic, sleep=fake.sleep, bulk_per_second=rate)
    times = []
    for chat in range(rate * 5):
        await limiter.wait(chat, bulk=True)
        times.append(fake.now)
    start = times[0]
    in_window = [sum(1 for t in times if s <= t < s + 1) for s in times]
    assert max(in_window) <= rate
    achieved = (len(times) - 1) / (times[-1] - start)
    assert achieved >= 0.97 * rate, achieved


async def test_a_waiting_reminder_goes_before_the_next_broadcast_message():
    fake = FakeTime()
    limiter = RateLimiter(30, 0, clock=fake.monotonic, sleep=fake.sleep, bulk_per_second=25)
    order: list[str] = []

    async def bulk(n: int) -> None:
        await limiter.wait(1000 + n, bulk=True)
        order.append(f"b{n}")

    async def reminder() -> None:
        await asyncio.sleep(0)
        await limiter.wait(1, bulk=False)
        order.append("r")

    await asyncio.gather(*(bulk(n) for n in range(20)), reminder())
    assert order.index("r") <= 2  # behind at most the broadcast message already in line


class OwnedLock(asyncio.Lock):
    """A lock that knows which task holds it."""

    owner: asyncio.Task | None = None

    async def acquire(self) -> bool:
        await super().acquire()
        self.owner = asyncio.current_task()
        return True

    def release(self) -> None:
        self.owner = None
        super().release()


async def test_a_chat_waiting_for_its_own_turn_never_holds_the_other_chats():
    """A backlog of several messages per chat (reminders due together after downtime): a
    message that waits for its chat's one-a-second turn waits outside the line, so the line
    only ever waits for the global rate's next slot."""
    fake = FakeTime()
    limiter = RateLimiter(30, 1, clock=fake.monotonic, sleep=fake.sleep)
    limiter._line = OwnedLock()
    in_line: list[float] = []  # what was slept while holding the line

    async def sleep(seconds: float) -> None:
        if limiter._line.owner is asyncio.current_task():
            in_line.append(seconds)
        await fake.sleep(seconds)

    limiter._sleep = sleep
    order: list[int] = []

    async def send(chat: int) -> None:
        await limiter.wait(chat)
        order.append(chat)

    await asyncio.gather(*(send(chat) for chat in range(50) for _ in range(4)))
    assert len(order) == 200
    assert in_line and max(in_line) <= 1 / 30 + 0.001  # one global slot at most
    assert Counter(order) == dict.fromkeys(range(50), 4)


async def test_a_429_holds_every_sender_and_slows_broadcasts():
    fake = FakeTime()
    limiter = RateLimiter(30, 0, clock=fake.monotonic, sleep=fake.sleep, bulk_per_second=25)
    await limiter.wait(1, bulk=True)
    limiter.hold(10)
    start = fake.now
    await limiter.wait(2)  # a reminder waits too
    assert fake.now - start >= 10
    assert limiter.pace == 0.5
    limiter.hold(5, everyone=False)  # a reminder's own 429: only broadcasts wait
    start = fake.now
    await limiter.wait(3)
    assert fake.now - start < 1


async def test_a_large_broadcast_does_not_delay_a_due_reminder(settings, clock):
    """Both engines on one sender (50 messages a second, broadcasts 45) on a fake monotonic
    clock: once the reminder asks for its slot, at most the broadcast message already in
    line goes before it, within two slots, not after the broadcast's remaining 1.5 s. (The
    same on the real clock, in seconds: bench/broadcast.py.)"""
    from bot.app import build_bot, create_app
    from bot.simulator import LocalSession
    from storage.records import PersonalRecord

    app = await create_app(settings, clock=clock)
    fake = FakeTime()
    limiter = RateLimiter(50, 0, clock=fake.monotonic, sleep=fake.sleep, bulk_per_second=45)
    app.reminders.limiter = app.broadcasts.limiter = limiter
    asked = asyncio.Event()
    arrived: list[tuple[int, float]] = []  # (chat, fake time), in the order they arrive
    asked_at: list[tuple[float, int]] = []  # (fake time, messages arrived before)

    async def paced_sleep(seconds: float) -> None:
        if len(arrived) >= 20:  # the broadcast is under way: the reminder falls due now
            await asked.wait()
        await fake.sleep(seconds)

    limiter._sleep = paced_sleep
    wait = limiter.wait

    async def noted_wait(chat_id: int, **kind: bool) -> None:
        if chat_id == 900:
            asked_at.append((fake.now, len(arrived)))
            asked.set()
        await wait(chat_id, **kind)

    limiter.wait = noted_wait  # type: ignore[method-assign]
    try:
        await people(app, *[(800 + n, "en", "migrant", "UZ", None) for n in range(90)])
        await app.users.save(900, locale="en")
        await app.reminders.schedule(
            900, "personal", date(2026, 11, 29), PersonalRecord(title="Rent"), "p:1"
        )
        clock.set(datetime(2026, 11, 22, 5, 0, tzinfo=UTC))  # the 7-day step: 10:00 Almaty
        session = LocalSession()
        session.listeners.append(lambda sent: arrived.append((int(sent.chat_id), fake.now)))
        bot = build_bot(settings, session=session)
        await start(app, bot, Audience(role="migrant"))
        sending = asyncio.create_task(app.broadcasts.drain(bot))
        while len(arrived) < 20:
            await asyncio.sleep(0.01)
        assert (await app.reminders.tick(bot)).sent == 1
        await sending
        [(when, before)] = asked_at
        chats = [chat for chat, _ in arrived]
        position = chats.index(900)
        assert position - before <= 1  # behind the one broadcast message in line, if any
        assert arrived[position][1] - when <= 2 / 50 + 0.001  # two slots at 50 a second
        assert before >= 20 and position < len(chats) - 60  # the broadcast was far from done
        assert sorted(c for c in chats if 800 <= c < 890) == list(range(800, 890))
    finally:
        await app.close()


async def test_delivery_rows_go_90_days_after_a_broadcast_and_its_counts_stay(app, bot, clock):
    await people(app, *CROWD)
    await start(app, bot)
    await app.broadcasts.drain(bot)
    clock.advance(days=91)
    app.broadcasts._purged_at = None  # the hourly purge is due
    await app.broadcasts.tick(bot)
    assert await statuses(app) == {}
    sent = await app.broadcasts.recent(await app.broadcasts.authority(ADMIN), 5)
    assert sent[0].results["counts"] == {"sent": 7}


async def test_a_deleted_staff_members_broadcasts_stay_without_their_id(app, bot, chat):
    await people(app, *CROWD)
    await app.cases.grant(ATTACHE, "RU", ADMIN)
    await start(app, bot)
    authority = await app.broadcasts.authority(ATTACHE)
    await app.broadcasts.create(
        authority, Audience(role="emigrant"), {"ru": Content(kind="text", html="x")}, None, None
    )
    await app.users.delete(ATTACHE)
    async with app.sessionmaker() as session:
        authors = list(await session.scalars(select(Broadcast.author_id).order_by(Broadcast.id)))
    assert authors == [ADMIN, None]


async def test_every_deadline_kind_but_the_users_own_can_be_an_audience(app):
    from handlers.views.broadcasts import KIND_LABELS

    kinds = set(app.dispatcher["wiring"].kinds) - {"personal"}
    assert set(KIND_LABELS) == kinds


async def test_a_text_of_1200_characters_may_be_broadcast_but_not_a_broken_link(app, chat):
    await people(app, *CROWD)
    admin = await staff_member(chat, ADMIN, "en")
    await admin.send("/broadcast")
    await admin.press_data(cb(BroadcastAction.content), admin.last_with_buttons())
    await admin.press_data(cb(BroadcastAction.content, "en"), admin.last_with_buttons())
    sent = await admin.send("y" * 1200)
    assert "✅ English" in sent[-1].text
    await admin.press_data(cb(BroadcastAction.link), admin.last_with_buttons())
    for broken in ("https://a..b", "https://.", "https://example.kz:99999/x", "ftp://example.kz"):
        sent = await admin.send(broken)
        assert sent[0].text.startswith("That is not a web link."), broken
    sent = await admin.send("https://www.enbek.kz/ru")
    assert "🔗" in sent[-1].text


async def test_a_failure_while_delivering_puts_the_row_back_and_the_broadcast_ends(
    app, bot, chat, clock, monkeypatch
):
    await people(app, *[(650 + n, "en", "migrant", "UZ", None) for n in range(3)])
    await staff_member(chat, ADMIN, "en")

    async def broken(user_id: int) -> None:
        raise RuntimeError("the database is down")

    monkeypatch.setattr(app.reminders, "user_blocked", broken)
    bot.session.fail_next(403, "Forbidden: bot was blocked by the user", method="sendMessage")
    await start(app, bot, Audience(role="migrant"))
    with pytest.MonkeyPatch.context() as patch:  # started, its progress message sent
        patch.setattr(engine, "batch_size", lambda rate: 0)
        await app.broadcasts.tick(bot)
    bot.session.fail_next(403, "Forbidden: bot was blocked by the user", method="sendMessage")
    await app.broadcasts.drain(bot)
    assert (await statuses(app))["sending"] == 0  # nothing stuck with a live instance
    monkeypatch.undo()
    clock.advance(minutes=10)
    await app.broadcasts.drain(bot)
    async with app.sessionmaker() as session:
        assert await session.scalar(select(Broadcast.status)) == "done"
