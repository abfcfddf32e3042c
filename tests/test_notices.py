"""Notices on guides: an admin writes one in kk, ru and en with an end date, previews it
and saves it; users see it on top of the guide and of the typed answers that lead to it,
in their language, through its end date and not after; removal and restore are audited;
refusals, staff rights, forged buttons, and every instance seeing a change at once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.i18n import speaking
from bot.services.notices import NoticeService
from bot.simulator import Conversation
from handlers.views.callbacks import DayCb, MenuCb, NoticeAction, NoticeCb
from handlers.views.notices import problem_text
from handlers.views.ui import visible_length
from storage.models import GuideNotice
from tests.conftest import REDIS_URL, make_settings, translated

ADMIN = 7  # ADMIN_IDS in the test settings
ATTACHE = 8
LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
TEXTS = {
    "kk": "2026 жылғы 1 маусымнан бастап қағаз өтініштер қайтадан қабылданады.",
    "ru": "С 1 июня 2026 года бумажные заявления снова принимают в ЦОНах.",
    "en": "Since 1 June 2026 paper applications are accepted again at the centres.",
}
UNTIL = date(2026, 12, 31)
QUESTION = "сколько платить за патент в месяц"


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


def ncb(action: NoticeAction, guide: str = "", value: str = "", id: int = 0) -> str:
    return NoticeCb(action=action, guide=guide, value=value, id=id).pack()


async def person(chat, user_id: int, lang: str):
    member = chat(user_id=user_id, lang=lang)
    await member.send("/start")
    await member.press(LANG_BUTTON[lang])
    return member


async def migrant(chat, user_id: int, lang: str):
    user = await person(chat, user_id, lang)
    await user.press("🌍")
    await user.press_data("ctry:citizenship:UZ")
    return user


async def write_notice(admin, guide: str = "permit", texts=TEXTS) -> list:
    await admin.send("/notices")
    await admin.press_data(ncb(NoticeAction.new))
    await admin.press_data(ncb(NoticeAction.guide, guide))
    for code in ("kk", "ru", "en"):
        sent = await admin.send(texts[code])
    return sent


async def add_notice(admin, until: date | None = UNTIL) -> list:
    await write_notice(admin)
    if until is None:
        sent = await admin.press_data(DayCb(value="extra").pack())
    else:
        sent = await admin.press_data(DayCb(value=until.isoformat()).pack())
    assert "👁" in sent[-1].text  # the preview
    return await admin.press_data(ncb(NoticeAction.save))


async def seen(user) -> tuple[str, str]:
    """What the user sees on the permit guide and on the typed tax question."""
    guide = await user.press_data(MenuCb(item="permit").pack())
    answer = await user.send(QUESTION)
    return texts(guide), texts(answer)


def texts(sent: list) -> str:
    return "\n".join(s.text for s in sent if s.text)


# --- an admin adds a notice; users see it until its end date ---------------------------------


async def test_a_notice_shows_on_the_guide_and_the_answer_until_its_end_date(app, chat, clock):
    admin = await person(chat, ADMIN, "en")
    sent = await admin.send("/notices")
    assert "Notices on guides" in sent[-1].text and "No notices yet." in sent[-1].text
    await admin.press_data(ncb(NoticeAction.new))
    sent = await admin.press_data(ncb(NoticeAction.guide, "permit"))
    assert "Kazakh" in sent[-1].text or "Қазақша" in sent[-1].text
    for code in ("kk", "ru"):
        await admin.send(TEXTS[code])
    sent = await admin.send(TEXTS["en"])
    until = "📅 Until which day should users see it (it is shown through that day)?"
    assert t(app, "en", until) in sent[-1].text
    sent = await admin.press_data(DayCb(value=UNTIL.isoformat()).pack())
    preview = sent[-1].text
    for code in ("kk", "ru", "en"):  # the three languages, each under the guide's title
        assert f"📌 {TEXTS[code]}" in preview
        assert t(app, code, "💼 Work permit (patent)") in preview
    assert "December 31, 2026" in preview
    # nothing is visible before Save
    assert await app.notices.shown("permit") == []
    sent = await admin.press_data(ncb(NoticeAction.save))
    assert "✅ Notice #1 saved: users see it now." in sent[-1].text
    async with app.sessionmaker() as session:
        row = await session.scalar(select(GuideNotice))
    assert (row.guide, row.texts, row.until, row.created_by) == ("permit", TEXTS, UNTIL, ADMIN)

    users = {lang: await migrant(chat, 300 + i, lang) for i, lang in enumerate(TEXTS)}
    for lang, user in users.items():
        guide, answer = await seen(user)
        assert guide.startswith(f"📌 {TEXTS[lang]}"), lang
        assert answer.startswith(f"📌 {TEXTS[lang]}"), lang
        for other in TEXTS:
            if other != lang:
                assert TEXTS[other] not in guide + answer
        assert t(app, lang, "🔎 Here is what I found:") in answer
    # another guide has none
    other = await users["en"].press_data(MenuCb(item="stay").pack())
    assert "📌" not in other[-1].text

    clock.set(clock.current.replace(year=2026, month=12, day=31, hour=18))  # 23:00 in Almaty
    guide, answer = await seen(users["ru"])
    assert TEXTS["ru"] in guide and TEXTS["ru"] in answer  # shown through its last day
    clock.advance(hours=2)  # 1 January 2027 in Almaty
    for lang, user in users.items():
        guide, answer = await seen(user)
        assert "📌" not in guide and "📌" not in answer, lang
    sent = await admin.send("/notices")
    assert "ended" in sent[-1].text and "#1" in sent[-1].text


async def test_a_notice_without_an_end_date_and_screens_within_the_limit(app, chat, clock):
    admin = await person(chat, ADMIN, "ru")
    long_texts = {code: ("Ж" * 299) + "." for code in TEXTS}
    await write_notice(admin, "permit", long_texts)
    sent = await admin.press_data(DayCb(value="extra").pack())
    assert t(app, "ru", "no end date") in sent[-1].text
    await admin.press_data(ncb(NoticeAction.save))
    user = await migrant(chat, 320, "en")
    clock.advance(days=400)
    shown = await user.press_data(MenuCb(item="permit").pack())
    answer = await user.send(QUESTION)
    for sent in (shown, answer):
        assert any(s.text.startswith("📌 ЖЖЖ") for s in sent)
        assert all(visible_length(s.text) <= 1500 for s in sent)  # as the user sees it


# --- remove and restore ----------------------------------------------------------------------


async def test_remove_and_restore_with_confirmation_keep_the_audit(app, chat):
    admin = await person(chat, ADMIN, "kk")
    await add_notice(admin)
    user = await migrant(chat, 330, "ru")
    sent = await admin.press_data(ncb(NoticeAction.remove, id=1))
    assert t(app, "kk", "🗑 Remove this notice? Users stop seeing it at once.") in sent[-1].text
    assert await app.notices.shown("permit")  # not yet
    sent = await admin.press_data(ncb(NoticeAction.remove, id=1, value="yes"))
    assert (
        t(app, "kk", "🗑 Notice #{number} removed: users no longer see it.").format(number=1)
        in sent[-1].text
    )
    guide, answer = await seen(user)
    assert "📌" not in guide and "📌" not in answer
    # a second press of the same button changes nothing
    await admin.press_data(ncb(NoticeAction.remove, id=1, value="yes"))
    async with app.sessionmaker() as session:
        row = await session.get(GuideNotice, 1)
    assert row.removed_by == ADMIN and row.removed_at is not None

    sent = await admin.press_data(ncb(NoticeAction.restore, id=1))
    assert t(app, "kk", "↩️ Restore this notice? Users see it again at once.") in sent[-1].text
    sent = await admin.press_data(ncb(NoticeAction.restore, id=1, value="yes"))
    assert (
        t(app, "kk", "↩️ Notice #{old} restored as #{new}: users see it again.").format(old=1, new=2)
        in sent[-1].text
    )
    guide, answer = await seen(user)
    assert guide.startswith(f"📌 {TEXTS['ru']}") and answer.startswith(f"📌 {TEXTS['ru']}")
    await admin.press_data(ncb(NoticeAction.restore, id=1, value="yes"))  # again: nothing
    async with app.sessionmaker() as session:
        rows = (await session.scalars(select(GuideNotice).order_by(GuideNotice.id))).all()
    assert len(rows) == 2  # the removed one keeps who removed it
    assert rows[0].removed_by == ADMIN and rows[1].removed_at is None
    assert rows[1].texts == TEXTS and rows[1].created_by == ADMIN


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_empty_too_long_and_past_end_date_are_refused_with_the_reason(app, chat, lang):
    admin = await person(chat, ADMIN, lang)
    await admin.send("/notices")
    await admin.press_data(ncb(NoticeAction.new))
    await admin.press_data(ncb(NoticeAction.guide, "registration"))
    sent = await admin.send("   ")
    assert sent[0].text == t(app, lang, "⚠️ The text is empty. Please type the notice.")
    sent = await admin.send("x" * 301)
    too_long = t(app, lang, "⚠️ Too long: at most {limit} characters.").format(limit=300)
    assert sent[0].text == too_long
    for code in ("kk", "ru", "en"):
        await admin.send(TEXTS[code])
    sent = await admin.send("01.01.2026")  # a typed date before today
    assert "2026" in sent[0].text and "📌" not in sent[0].text
    assert await app.notices.shown("registration") == []
    # the service refuses a past end date whatever the dialogue says
    refused = await app.notices.add("registration", TEXTS, date(2026, 11, 20), ADMIN)
    assert refused == "past"
    with speaking(app.i18n, lang):
        assert problem_text(refused) == t(
            app, lang, "⚠️ This end date has passed: choose today or a later day."
        )
    assert await app.notices.add("registration", {**TEXTS, "en": ""}, None, ADMIN) == "empty"
    assert await app.notices.add("nowhere", TEXTS, None, ADMIN) == "guide"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_attaches_and_users_are_refused_in_their_language(app, chat, lang):
    await app.cases.grant(ATTACHE, "KR", ADMIN)
    for user_id in (ATTACHE, 340):
        member = await person(chat, user_id, lang)
        refusal = t(app, lang, "⛔ Only administrators can put notices on guides.")
        sent = await member.send("/notices")
        assert sent[-1].text == refusal
        for data in (
            ncb(NoticeAction.new),
            ncb(NoticeAction.guide, "permit"),
            ncb(NoticeAction.save),
            ncb(NoticeAction.remove, id=1, value="yes"),
        ):
            sent = await member.press_data(data)
            assert sent[-1].text == refusal, data
    assert await app.notices.history(10) == []


async def test_forged_buttons_are_answered_and_change_nothing(app, chat):
    admin = await person(chat, ADMIN, "en")
    await add_notice(admin)
    out_of_date = t(app, "en", "This button is out of date.")
    for data in (
        ncb(NoticeAction.guide, "nowhere"),
        ncb(NoticeAction.save),  # no notice being written
        ncb(NoticeAction.remove, id=99, value="yes"),
        ncb(NoticeAction.restore, id=1, value="yes"),  # not removed
        ncb(NoticeAction.restore, id=2**31 - 1, value="yes"),
    ):
        sent = await admin.press_data(data)
        assert sent[-1].text == out_of_date, data
    for data in ("nt:remove::maybe:1", "nt:guide:<b>:x:0", "nt:remove:::99999999999"):
        sent = await admin.press_data(data)
        assert sent, data  # the fallback answers a press that does not unpack
    assert len(await app.notices.history(10)) == 1
    assert len(await app.notices.shown("permit")) == 1


async def test_the_admin_command_list_and_the_desk_name_notices(app, chat):
    from bot.commands import staff_command_list

    with speaking(app.i18n, "en"):
        assert "notices" in [c.command for c in staff_command_list(admin=True)]
        assert "notices" not in [c.command for c in staff_command_list(admin=False)]
    admin = await person(chat, ADMIN, "ru")
    sent = await admin.send("/desk")
    assert "/notices" in sent[-1].text


# --- several instances -----------------------------------------------------------------------


async def test_two_instances_see_a_change_at_once(tmp_path, clock, bot):
    """Two instances on one database and one Redis: a notice saved on one shows on the
    other's next screen, and so does its removal (the shared version key)."""
    if REDIS_URL is None:
        pytest.skip("needs JOLDAS_TEST_REDIS_URL: several instances share a Redis")
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()
    settings = make_settings(tmp_path, redis_url=REDIS_URL)
    one = await create_app(settings, migrate=True, clock=clock)
    two = await create_app(settings, migrate=False, clock=clock)
    try:
        await two.users.save(350, locale="en", role="migrant", citizenship="UZ")
        user = Conversation(two.dispatcher, bot, user_id=350, language_code="en")
        assert "📌" not in texts(await user.press_data(MenuCb(item="permit").pack()))
        admin = Conversation(one.dispatcher, bot, user_id=ADMIN, language_code="en")
        await one.users.save(ADMIN, locale="en")
        await add_notice(admin)
        shown = texts(await user.press_data(MenuCb(item="permit").pack()))
        assert shown.startswith(f"📌 {TEXTS['en']}")
        await admin.press_data(ncb(NoticeAction.remove, id=1, value="yes"))
        assert "📌" not in texts(await user.press_data(MenuCb(item="permit").pack()))
    finally:
        await two.close()
        await one.close()


async def test_the_snapshot_is_read_once(app, chat):
    """Navigation reads the notices from memory: only a change reads them again."""
    service: NoticeService = app.notices
    first = await service.current()
    assert await service.current() is first
    admin = await person(chat, ADMIN, "en")
    await add_notice(admin)
    assert await service.current() is not first


@pytest.mark.sqlite  # one process: with Redis, instances read dialogues from the database
async def test_navigating_to_a_guide_with_a_notice_runs_no_query(app, chat):
    from sqlalchemy import event

    admin = await person(chat, ADMIN, "en")
    await add_notice(admin)
    user = await migrant(chat, 360, "en")
    await user.press_data(MenuCb(item="permit").pack())  # the snapshot is read once
    await app.writer.barrier()
    seen: list[str] = []
    for engine in app.writer.transactions.engines:
        event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    shown = texts(await user.press_data(MenuCb(item="permit").pack()))
    await app.writer.barrier()
    assert shown.startswith(f"📌 {TEXTS['en']}")
    assert [s for s in seen if s.lstrip().upper().startswith("SELECT")] == []
