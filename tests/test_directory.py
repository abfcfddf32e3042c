"""The directory staff keep: /directory, editing with checked values, preview in each
language, save and confirm, what users then see on SOS, the rights page and the help lines,
the audit trail and revert, rights of admins and attachés, the monthly flag of stale
entries, and the shipped files merged with staff edits."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from bot.content.directory import (
    Confirmation,
    Edit,
    SeedEntry,
    gaps,
    merge,
    seed,
    shipped,
)
from bot.rules import contacts
from bot.rules.contacts import Refused
from bot.runner import Delivery
from bot.services.directory import DirectoryService
from handlers.views.callbacks import DeleteCb, DirAction, DirCb, MenuCb, RightsCb
from storage.models import DirectoryChange, DirectoryEdit
from tests.conftest import translated

ADMIN = 7  # ADMIN_IDS in the test settings
ATTACHE = 8
LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
TODAY = date(2026, 11, 21)  # the clock fixture's day in Almaty
REFUSED = "⛔ This is for the attaché desk's staff only."
PHONES_PROMPT = (
    "Send the phone numbers, one per line, up to {count}, with the country code: "
    "+82 2 379 9714. A number without + is read as a number in the mission's country."
)


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


def head(app, lang: str, msgid: str) -> str:
    """The translated text up to its first placeholder."""
    return t(app, lang, msgid).split("{")[0]


def dcb(action: DirAction, entry: str = "", field: str = "", value: str = "", id: int = 0) -> str:
    return DirCb(action=action, entry=entry, field=field, value=value, id=id).pack()


async def staff_member(chat, user_id: int, lang: str):
    member = chat(user_id=user_id, lang=lang)
    await member.send("/start")
    await member.press(LANG_BUTTON[lang])
    return member


async def emigrant(app, chat, user_id: int, lang: str, country: str = "KR"):
    await app.users.save(user_id, locale=lang, role="emigrant", country_abroad=country)
    return chat(user_id=user_id, lang=lang)


async def edit_phones(staff, entry: str, typed: str) -> list:
    await staff.press_data(dcb(DirAction.entry, entry))
    await staff.press_data(dcb(DirAction.field, entry, "phones"))
    return await staff.send(typed)


# --- an admin edits a mission's phone; users see it at once -----------------------------------


async def test_a_mission_phone_edited_shows_in_each_preview_then_on_sos_and_rights(app, bot, chat):
    admin = await staff_member(chat, ADMIN, "en")
    sent = await admin.send("/directory")
    assert "Directory" in sent[-1].text and "⚠️ 10" in sent[-1].text  # ten samples
    sent = await admin.press_data(dcb(DirAction.group, value="m"))
    assert "🏛 South Korea" in sent[-1].text and "never confirmed" in sent[-1].text
    sent = await edit_phones(admin, "m.KR", "02-379-9714\n+82 10 1234 5678")
    screen = sent[-1].text
    assert "<b>Phones</b>: +82 2-379-9714, +82 10-1234-5678" in screen
    assert "✏️" in screen and "not saved yet" in screen

    for lang in ("kk", "ru", "en"):
        for view in ("rights", "sos"):
            sent = await admin.press_data(dcb(DirAction.preview, "m.KR", value=f"{view}.{lang}"))
            preview = sent[-1].text
            assert "+82 2-379-9714, +82 10-1234-5678" in preview, (lang, view)
            assert head(app, lang, "✅ Last confirmed by our staff on {date}.") in preview
            assert t(app, lang, "⚠️ Its contacts are not confirmed by our staff yet.") not in preview
    # nothing is visible to users before Save
    assert (await app.directory.current()).mission("KR")[0].phones == []

    sent = await admin.press_data(dcb(DirAction.save, "m.KR"))
    assert "✅ Saved (fields changed: 1)" in sent[-1].text
    async with app.sessionmaker() as session:
        change = await session.scalar(select(DirectoryChange))
    assert (change.entry, change.field, change.old, change.staff_id) == (
        "m.KR",
        "phones",
        [],
        ADMIN,
    )
    assert change.new == ["+82 2-379-9714", "+82 10-1234-5678"]

    for user_id, lang in ((301, "kk"), (302, "ru"), (303, "en")):
        user = await emigrant(app, chat, user_id, lang)
        confirmed = t(app, lang, "✅ Last confirmed by our staff on {date}.").format(
            date=format_date(TODAY, "long", locale=lang)
        )
        sos = (await user.press_data(MenuCb(item="sos").pack()))[-1].text
        rights = (await user.press_data(MenuCb(item="rights").pack()))[-1].text
        for page in (sos, rights):
            assert "+82 2-379-9714, +82 10-1234-5678" in page, lang
            assert confirmed.rstrip(".") in page, lang
        assert t(app, lang, "⚠️ Its contacts are not confirmed by our staff yet.") not in rights


async def test_invalid_phone_email_and_link_are_refused_with_the_reason(app, chat):
    admin = await staff_member(chat, ADMIN, "ru")
    for typed, reason in (
        ("позвоните нам", "this is not a phone number. Use digits, with + and the country code."),
        ("+82 2", "this number has too few or too many digits for its country."),
        (
            "+82 2 379 9714\n+82 00 000",
            "no such number exists in its country's numbering plan: check the digits and "
            "the country code.",
        ),
    ):
        sent = await edit_phones(admin, "m.KR", typed)
        assert t(app, "ru", reason) in sent[-2].text, typed
        assert sent[-1].text.startswith(head(app, "ru", PHONES_PROMPT))
    sent = await admin.send("+82 2 379 9714\n+82 2 379 9715\n+82 2 379 9716\n+82 2 379 9717")
    assert sent[-2].text == t(app, "ru", "⚠️ At most {count} phone numbers.").format(count=3)

    await admin.press_data(dcb(DirAction.field, "m.KR", "email"))
    sent = await admin.send("consul@@mfa")
    email_refused = "this is not an e-mail address: check the name, the @ and the domain."
    assert t(app, "ru", email_refused) in sent[-2].text
    sent = await admin.send("  Consul@MFA.kz ")
    assert "<b>E-mail</b>: Consul@mfa.kz" in sent[-1].text or "Consul@mfa.kz" in sent[-1].text

    await admin.press_data(dcb(DirAction.field, "m.KR", "map"))
    sent = await admin.send("not a link")
    assert t(app, "ru", "this is not a web link. Send it as https://…") in sent[-2].text
    await admin.send("maps.example.org/kz-embassy")
    await admin.press_data(dcb(DirAction.field, "m.KR", "emergency"))
    sent = await admin.send_sticker()
    assert sent[0].text == t(app, "ru", "Please send it as text.")
    sent = await admin.send("+82 10 1234 5678")
    await admin.press_data(dcb(DirAction.save, "m.KR"))
    mission, contact = (await app.directory.current()).mission("KR")
    assert mission.email == "Consul@mfa.kz" and mission.emergency == "+82 10-1234-5678"
    assert mission.map == "https://maps.example.org/kz-embassy" and mission.phones == []
    assert contact.confirmed_by == ADMIN and contact.checked_on == TODAY


async def test_texts_are_asked_per_language_and_save_waits_for_all_three(app, chat):
    admin = await staff_member(chat, ADMIN, "en")
    await admin.press_data(dcb(DirAction.entry, "m.TR"))
    sent = await admin.press_data(dcb(DirAction.field, "m.TR", "hours"))
    assert "Choose the language" in sent[-1].text
    await admin.press_data(dcb(DirAction.lang, "m.TR", "hours", "en"))
    sent = await admin.send("x" * 5000)  # a huge message: refused, nothing lost or cut
    assert "too long: at most 150 characters." in sent[-2].text
    await admin.send("Mon–Fri 9:00–18:00 <closed on holidays> & weekends")
    sent = await admin.press_data(dcb(DirAction.save, "m.TR"))
    assert "Not saved yet" in sent[-1].text and "Opening hours: Қазақша, Русский" in sent[-1].text
    await admin.press_data(dcb(DirAction.field, "m.TR", "hours"))
    await admin.press_data(dcb(DirAction.lang, "m.TR", "hours", "kk"))
    await admin.send("Дс–Жм 9:00–18:00")
    await admin.press_data(dcb(DirAction.lang, "m.TR", "hours", "ru"))
    await admin.send("Пн–Пт 9:00–18:00")
    sent = await admin.press_data(dcb(DirAction.save, "m.TR"))
    assert sent[-1].text.startswith("✅ Saved")
    user = await emigrant(app, chat, 310, "en", "TR")
    sos = (await user.press_data(MenuCb(item="sos").pack()))[-1].text
    assert "🕘 Hours: Mon–Fri 9:00–18:00 &lt;closed on holidays&gt; &amp; weekends" in sos
    rights = (await user.press_data(MenuCb(item="rights").pack()))[-1]
    assert "Hours" not in rights.text  # the page keeps to the phone lines; the rest is a tap away
    full = (await user.press_data(RightsCb(country="TR", section="consulate").pack()))[-1].text
    assert "🕘 Hours: Mon–Fri" in full


async def test_emergency_numbers_are_edited_number_by_number(app, chat):
    admin = await staff_member(chat, ADMIN, "en")
    sent = await admin.press_data(dcb(DirAction.entry, "e.KR"))
    assert "☎️ <b>1345</b>" in sent[-1].text
    sent = await admin.press_data(dcb(DirAction.line, "e.KR", value="new"))
    assert "Send the number as people dial it there" in sent[-1].text
    sent = await admin.send("12")
    assert "this number has too few or too many digits for its country." in sent[-2].text
    sent = await admin.send("1 3 8 2")
    assert "Number: 1382" in sent[-1].text
    sent = await admin.press_data(dcb(DirAction.save, "e.KR"))
    assert "number 5: Қазақша, Русский, English" in sent[-1].text
    for code, text in (("kk", "Сынақ желісі"), ("ru", "Тестовая линия"), ("en", "Test line")):
        await admin.press_data(dcb(DirAction.part, "e.KR", value=f"4.{code}"))
        await admin.send(text)
    await admin.press_data(dcb(DirAction.line, "e.KR", value="0"))
    await admin.press_data(dcb(DirAction.remove, "e.KR", value="0"))  # 112 goes
    sent = await admin.press_data(dcb(DirAction.save, "e.KR"))
    assert sent[-1].text.startswith("✅ Saved")
    numbers, contact = (await app.directory.current()).numbers("e.KR")
    assert [n.number for n in numbers] == ["119", "1345", "1350", "1382"]
    assert contact.confirmed_by_staff and contact.checked_on == TODAY
    user = await emigrant(app, chat, 320, "ru")
    sos = (await user.press_data(MenuCb(item="sos").pack()))[-1].text
    assert "☎️ <b>1382</b> — Тестовая линия" in sos and "<b>112</b>" not in sos


async def test_a_screen_too_long_for_a_phone_is_not_saved(app, chat):
    admin = await staff_member(chat, ADMIN, "en")
    await admin.press_data(dcb(DirAction.entry, "e.GB"))
    for _ in range(3):  # GB has 5 numbers; 8 with long services do not fit one message
        await admin.press_data(dcb(DirAction.line, "e.GB", value="new"))
        await admin.send("999")
    for index in range(5, 8):
        for code in ("kk", "ru", "en"):
            await admin.press_data(dcb(DirAction.part, "e.GB", value=f"{index}.{code}"))
            await admin.send("ж" * 150)
    sent = await admin.press_data(dcb(DirAction.save, "e.GB"))
    assert "Not saved yet" in sent[-1].text and "over the 1500" in sent[-1].text
    numbers, _contact = (await app.directory.current()).numbers("e.GB")
    assert len(numbers) == 5


async def test_help_lines_for_migrants_and_kandas_in_each_language(app, chat, clock):
    clock.set(datetime(2026, 12, 7, 6, 0, tzinfo=UTC))  # after the file's check (6 December)
    for user_id, lang, role in (
        (330, "kk", "migrant"),
        (331, "ru", "kandas"),
        (332, "en", "migrant"),
    ):
        await app.users.save(user_id, locale=lang, role=role, citizenship="UZ")
        user = chat(user_id=user_id, lang=lang)
        sent = await user.press_data(MenuCb(item="helplines").pack())
        assert t(app, lang, "☎️ <b>Help lines in Kazakhstan</b>") in sent[-1].text
        assert "☎️ <b>1414</b>" in sent[-1].text and "<b>112</b>" in sent[-1].text
        assert head(app, lang, "🗓 Last checked on {date}.") in sent[-1].text
    admin = await staff_member(chat, ADMIN, "kk")
    await admin.press_data(dcb(DirAction.entry, "h.KZ"))
    await admin.press_data(dcb(DirAction.part, "h.KZ", value="4.number"))
    await admin.send("1414")
    sent = await admin.press_data(dcb(DirAction.preview, "h.KZ", value="help.ru"))
    assert (
        "Телефоны помощи" in sent[-1].text
        or t(app, "ru", "☎️ <b>Help lines in Kazakhstan</b>") in sent[-1].text
    )
    await admin.press_data(dcb(DirAction.save, "h.KZ"))  # nothing changed: a confirmation
    user = chat(user_id=331, lang="ru")
    sent = await user.press_data(MenuCb(item="helplines").pack())
    assert head(app, "ru", "✅ Last confirmed by our staff on {date}.") in sent[-1].text
    async with app.sessionmaker() as session:
        change = await session.scalar(select(DirectoryChange))
    assert (change.action, change.field, change.staff_id) == ("confirm", "", ADMIN)


# --- history and revert -----------------------------------------------------------------------


async def test_history_lists_every_change_and_an_admin_reverts_one(app, chat, caplog):
    await app.cases.grant(ATTACHE, "KR", ADMIN)
    attache = await staff_member(chat, ATTACHE, "en")
    await edit_phones(attache, "m.KR", "+82 2 379 9714")
    await attache.press_data(dcb(DirAction.save, "m.KR"))
    admin = await staff_member(chat, ADMIN, "en")
    await edit_phones(admin, "m.KR", "+82 2 379 9799")
    await admin.press_data(dcb(DirAction.save, "m.KR"))

    sent = await admin.send("/directory history")
    history = sent[-1].text
    assert "#1" in history and "#2" in history
    assert "Phones: — → +82 2-379-9714 · staff 8" in history
    assert "Phones: +82 2-379-9714 → +82 2-379-9799 · you" in history
    assert ("↩️ Revert #2", dcb(DirAction.revert, id=2)) in admin.buttons()

    sent = await attache.send("/directory history")  # an attaché sees, but cannot revert
    assert "· you" in sent[-1].text and not any("Revert" in b for b, _ in attache.buttons())
    caplog.set_level(logging.WARNING, logger="joldas.staff")
    sent = await attache.press_data(dcb(DirAction.revert, id=2, value="yes"))
    assert sent[-1].text == REFUSED and "refused" in caplog.text and "8" in caplog.text
    assert (await app.directory.current()).mission("KR")[0].phones == ["+82 2-379-9799"]

    sent = await admin.press_data(dcb(DirAction.revert, id=2))
    assert "Revert this change?" in sent[-1].text
    sent = await admin.press_data(dcb(DirAction.revert, id=2, value="yes"))
    assert sent[-1].text.startswith("↩️ Reverted #2. Users see it now.")
    assert [s.name for s in sent].count("answerCallbackQuery") == 1
    assert (await app.directory.current()).mission("KR")[0].phones == ["+82 2-379-9714"]
    assert "reverted #2: Phones: +82 2-379-9799 → +82 2-379-9714 · you" in sent[-1].text
    user = await emigrant(app, chat, 340, "en")
    assert "+82 2-379-9714" in (await user.press_data(MenuCb(item="sos").pack()))[-1].text

    await admin.press_data(dcb(DirAction.revert, id=1, value="yes"))  # back to the file
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(DirectoryChange)) == 4
    assert (await app.directory.current()).mission("KR")[0].phones == []
    sent = await admin.press_data(dcb(DirAction.revert, id=99, value="yes"))
    assert sent[-1].text == "This button is out of date."


async def test_a_deleted_staff_member_stays_in_the_audit_as_deleted_staff(app, chat):
    await app.cases.grant(ATTACHE, "KR", ADMIN)
    attache = await staff_member(chat, ATTACHE, "en")
    await edit_phones(attache, "m.KR", "+82 2 379 9714")
    await attache.press_data(dcb(DirAction.save, "m.KR"))
    await attache.send("/delete")
    await attache.press_data(DeleteCb(confirm=True).pack())
    admin = await staff_member(chat, ADMIN, "en")
    sent = await admin.send("/directory history")
    assert "Phones: — → +82 2-379-9714 · deleted staff" in sent[-1].text
    async with app.sessionmaker() as session:
        change = await session.scalar(select(DirectoryChange))
    assert change.staff_id is None
    mission, contact = (await app.directory.current()).mission("KR")
    assert mission.phones == ["+82 2-379-9714"] and contact.confirmed_by_staff
    assert contact.confirmed_by is None
    await admin.press_data(dcb(DirAction.entry, "m.KR"))
    assert "by deleted staff" in admin.last_with_buttons().text


# --- who may edit what ------------------------------------------------------------------------


async def test_an_attache_edits_only_their_countries_entries(app, bot, chat, caplog):
    await app.cases.grant(ATTACHE, "RU", ADMIN)
    attache = await staff_member(chat, ATTACHE, "ru")
    caplog.set_level(logging.WARNING, logger="joldas.staff")
    await attache.send("/directory")
    entries = [data for _label, data in attache.buttons() if ":entry:" in data]
    assert entries == [dcb(DirAction.entry, "e.RU"), dcb(DirAction.entry, "m.RU")]
    for forged in (
        dcb(DirAction.entry, "m.KR"),
        dcb(DirAction.entry, "h.KZ"),
        dcb(DirAction.entry, "e.XX"),
        dcb(DirAction.group, value="m"),
        dcb(DirAction.save, "m.KR"),
        dcb(DirAction.field, "m.KR", "phones"),
    ):
        sent = await attache.press_data(forged)
        assert sent[-1].text == t(app, "ru", REFUSED), forged
    assert caplog.text.count("refused") == 6 and str(ATTACHE) in caplog.text

    # forged dialogue data cannot reach another country either
    await attache.press_data(dcb(DirAction.entry, "m.RU"))
    await attache.press_data(dcb(DirAction.field, "m.RU", "phones"))
    state = app.dispatcher.fsm.get_context(bot, ATTACHE, ATTACHE)
    await state.update_data(entry="m.KR")
    sent = await attache.send("+82 2 379 9714")
    assert sent[-1].text == t(app, "ru", REFUSED) and caplog.text.count("refused") == 7
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(DirectoryChange)) == 0

    # an attaché of a country without entries is told so
    await app.cases.grant(9, "UZ", ADMIN)
    other = await staff_member(chat, 9, "en")
    sent = await other.send("/directory")
    assert "Your countries have no entries in the directory yet: ask an admin." in sent[-1].text

    # a revoked attaché is refused at the next step
    await attache.press_data(dcb(DirAction.entry, "m.RU"))
    await app.cases.revoke(ATTACHE, "RU")
    app.cases.forget_staff()
    sent = await attache.press_data(dcb(DirAction.save, "m.RU"))
    assert sent[-1].text == t(app, "ru", REFUSED)


async def test_forged_and_stale_directory_buttons(app, chat, caplog):
    caplog.set_level(logging.WARNING, logger="joldas.staff")
    stranger = chat(user_id=666, lang="en")
    for attempt in ("/directory", "/directory history"):
        sent = await stranger.send(attempt)
        assert sent[-1].text == REFUSED
    sent = await stranger.press_data(dcb(DirAction.entry, "m.KR"))
    assert sent[-1].text == REFUSED
    assert caplog.text.count("refused") == 3 and "666" in caplog.text

    admin = await staff_member(chat, ADMIN, "en")
    for malformed in (
        "dir:entry:m.kr::0",
        "dir:entry:x.KR::0",
        "dir:revert:::-1",
        "dir:nuke:m.KR::0",
    ):
        sent = await admin.press_data(malformed)
        assert any("out of date" in s.text for s in sent), malformed
        assert f"refused staff button {malformed!r} from user {ADMIN}" in caplog.text
    # a button of an entry no longer being edited
    sent = await admin.press_data(dcb(DirAction.save, "m.KR"))
    assert sent[-1].text == "This button is out of date."
    await admin.press_data(dcb(DirAction.entry, "m.TR"))
    sent = await admin.press_data(dcb(DirAction.field, "m.KR", "phones"))
    assert sent[-1].text == "This button is out of date."
    for value in ("9", "x", "9.number", "0.de"):
        sent = await admin.press_data(dcb(DirAction.part, "m.TR", value=value))
        assert sent[-1].text == "This button is out of date.", value
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(DirectoryChange)) == 0


async def test_a_typed_reply_mid_dialogue_is_kept_after_a_restart(app, settings, clock, chat):
    from bot.app import create_app

    admin = await staff_member(chat, ADMIN, "en")
    await edit_phones(admin, "m.KR", "+82 2 379 9714")
    await app.writer.drain()
    again = await create_app(settings, migrate=False, clock=clock)
    try:
        from bot.simulator import Conversation

        resumed = Conversation(again.dispatcher, admin.bot, user_id=ADMIN, language_code="en")
        sent = await resumed.press_data(dcb(DirAction.save, "m.KR"))
        assert sent[-1].text.startswith("✅ Saved (fields changed: 1)")
        assert (await again.directory.current()).mission("KR")[0].phones == ["+82 2-379-9714"]
    finally:
        await again.close()


# --- the monthly flag -------------------------------------------------------------------------


async def test_stale_entries_are_flagged_to_admins_once_a_month(app, bot, chat, clock):
    admin = await staff_member(chat, ADMIN, "kk")
    clock.set(datetime(2026, 12, 1, 4, 0, tzinfo=UTC))  # 09:00 in Almaty: not yet
    assert await app.directory.flag_stale(bot) == 0
    clock.set(datetime(2026, 12, 1, 5, 0, tzinfo=UTC))
    before = len(bot.session.requests)
    delivery = Delivery(app, bot)  # the scheduler's job beside the desk's timers
    await delivery.desk()
    await delivery.tasks["directory"]
    await delivery.tasks["desk"]
    notice = bot.session.requests[before:][-1]
    assert notice.chat_id == ADMIN
    # the samples were never confirmed, most country pages checked on 31 March: all but the
    # help lines (checked on 30 November) and Russia's page (6 December)
    total = len([c for c in shipped().contacts.values() if c.stale(date(2026, 12, 1))])
    assert total == len(seed()) - 2
    assert notice.text.startswith(
        head(app, "kk", "🗂 <b>Directory: {count} entries not confirmed for 180 days</b>")
    )
    assert f"{total}" in notice.text.splitlines()[0]
    assert len(notice.text) <= 1500
    assert await app.directory.flag_stale(bot) == 0  # once a month
    clock.advance(days=10)
    assert await app.directory.flag_stale(bot) == 0

    await admin.press_data(dcb(DirAction.entry, "e.KR"))
    await admin.press_data(dcb(DirAction.save, "e.KR"))  # confirmed on 11 December
    other = DirectoryService(
        app.sessionmaker,
        clock,
        app.users,
        app.cases,
        app.directory.view,
        timezone="Asia/Almaty",
        default_locale="ru",
    )  # another instance: the month is already flagged
    assert await other.flag_stale(bot) == 0
    clock.set(datetime(2027, 1, 1, 6, 0, tzinfo=UTC))
    assert await other.flag_stale(bot) == 1
    assert await app.directory.flag_stale(bot) == 0  # the other took January
    january = bot.session.requests[-1].text
    assert str(total - 1) in january.splitlines()[0]

    flagged = [
        c.key
        for c in (await app.directory.current()).contacts.values()
        if c.stale(date(2027, 6, 10))
    ]
    assert "e.KR" in flagged  # 181 days after its confirmation
    assert "e.KR" not in [
        c.key
        for c in (await app.directory.current()).contacts.values()
        if c.stale(date(2027, 6, 8))
    ]


# --- the shipped files and staff edits --------------------------------------------------------


def test_a_staff_edit_wins_and_a_newer_file_value_is_reported_not_applied():
    seeds = {
        "m.KR": SeedEntry({"phones": ["+82 2-111"], "email": "a@kz.kz", "name": {}}, None),
    }
    edits = {"m.KR": {"phones": Edit(["+82 2-222"], ["+82 2-111"]), "gone": Edit("x", "y")}}
    merged = merge(seeds, edits, {})["m.KR"]
    assert merged.values["phones"] == ["+82 2-222"] and merged.file_changed == {}
    assert "gone" not in merged.values

    newer = {"m.KR": SeedEntry({"phones": ["+82 2-333"], "email": "b@kz.kz", "name": {}}, None)}
    merged = merge(newer, edits, {"m.KR": Confirmation(date(2026, 11, 1), 8)})["m.KR"]
    assert merged.values["phones"] == ["+82 2-222"]  # the staff edit still shows
    assert merged.file_changed == {"phones": ["+82 2-333"]}  # and the newer file is reported
    assert merged.values["email"] == "b@kz.kz"  # a field staff never edited follows the file
    assert merged.checked_on == date(2026, 11, 1) and merged.confirmed_by == 8

    agreeing = {"m.KR": SeedEntry({"phones": ["+82 2-222"], "email": "", "name": {}}, None)}
    assert merge(agreeing, edits, {})["m.KR"].file_changed == {}  # the file caught up


async def test_a_newer_shipped_file_is_shown_to_staff_and_taken_only_on_request(
    app, chat, monkeypatch
):
    admin = await staff_member(chat, ADMIN, "en")
    await edit_phones(admin, "m.KR", "+82 2 379 9714")
    await admin.press_data(dcb(DirAction.save, "m.KR"))

    newer = dict(seed())
    values = {**newer["m.KR"].values, "phones": ["+82 2-379-9700"]}
    newer["m.KR"] = SeedEntry(values, newer["m.KR"].checked_on)
    for module in ("bot.services.directory", "handlers.staff.directory"):
        monkeypatch.setattr(f"{module}.seed", lambda: newer)
    await app.directory.changed()  # a new release: the snapshot is read again

    user = await emigrant(app, chat, 350, "en")
    assert "+82 2-379-9714" in (await user.press_data(MenuCb(item="sos").pack()))[-1].text
    sent = await admin.press_data(dcb(DirAction.entry, "m.KR"))
    assert (
        "📄 The shipped file now says: +82 2-379-9700. The staff edit still shows." in sent[-1].text
    )
    await admin.press_data(dcb(DirAction.file, "m.KR", "phones"))
    await admin.press_data(dcb(DirAction.save, "m.KR"))
    assert "+82 2-379-9700" in (await user.press_data(MenuCb(item="sos").pack()))[-1].text
    async with app.sessionmaker() as session:  # it follows the file again
        assert await session.scalar(select(func.count()).select_from(DirectoryEdit)) == 0


def test_the_shipped_directory_has_every_country_and_no_invented_contacts():
    directory = shipped()
    for key, contact in directory.contacts.items():
        assert not gaps(key, contact.values), key
        if key.startswith("m."):
            mission, _ = directory.mission(key[2:])
            assert contact.checked_on is None and not mission.phones and not mission.email
    assert {k[2:] for k in directory.contacts if k.startswith("e.")} >= {"KR", "RU", "XX"}


# --- the checks themselves --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("02-379-9714", "KR", "+82 2-379-9714"),
        ("+7 495 627 18 12", "KZ", "+7 495 627-18-12"),
        ("8 (727) 250 00 00", "KZ", "+7 7272 50 00 00"),
        ("+82 2", "KR", Refused("phone_length")),
        ("+1 555 000 0000", "US", Refused("phone_invalid")),
        ("call us", "KR", Refused("phone_unreadable")),
    ],
)
def test_phones_are_checked_and_shown_in_international_format(typed, region, expected):
    assert contacts.phone(typed, region) == expected


@pytest.mark.parametrize(
    ("typed", "region", "expected"),
    [
        ("112", "KR", "112"),
        ("1414", "KZ", "1414"),  # not in libphonenumber's short numbers: taken as typed
        ("116 117", "DE", "116117"),
        ("08000 121 700", "GB", "0800 012 1700"),
        ("+1 888 373 7888", "US", "+1 888-373-7888"),
        ("12", "KZ", Refused("phone_unreadable")),
    ],
)
def test_service_numbers_are_short_codes_or_full_numbers(typed, region, expected):
    result = contacts.service_number(typed, region)
    if isinstance(expected, Refused):
        assert isinstance(result, Refused)
    else:
        assert result == expected


def test_email_link_and_text_checks():
    assert contacts.email("consul@mfa.kz") == "consul@mfa.kz"
    assert isinstance(contacts.email("consul@"), Refused)
    assert isinstance(contacts.email("a" * 200 + "@kz.kz"), Refused)
    assert contacts.url("https://maps.example.org/x") == "https://maps.example.org/x"
    assert contacts.url("example.org/x") == "https://example.org/x"
    assert contacts.url("javascript:alert(1)") == Refused("url")
    assert contacts.url("http://localhost") == Refused("url")
    assert contacts.text("  a \n\n b ", 10) == "a\nb"
    assert contacts.text("   ", 10) == Refused("empty")
    assert contacts.text("x" * 11, 10) == Refused("too_long", "10")


# --- what the review found ---------------------------------------------------------------------


async def test_a_preview_of_an_incomplete_draft_says_what_is_missing(app, chat):
    admin = await staff_member(chat, ADMIN, "kk")
    await admin.press_data(dcb(DirAction.entry, "m.TR"))
    await admin.press_data(dcb(DirAction.lang, "m.TR", "hours", "en"))
    await admin.send("Mon–Fri 9:00–18:00")
    sent = await admin.press_data(dcb(DirAction.preview, "m.TR", value="sos.kk"))
    assert sent[-1].text.startswith(t(app, "kk", "⚠️ <b>Not saved yet.</b> Still missing:"))
    await admin.press_data(dcb(DirAction.line, "e.TR", value="new"))  # another entry's button
    assert admin.last_with_buttons().text.startswith(
        t(app, "kk", "⚠️ <b>Not saved yet.</b> Still missing:")
    )


async def test_two_staff_on_one_field_the_second_save_stops_and_says_what_changed(app, chat):
    await app.cases.grant(ATTACHE, "KR", ADMIN)
    attache = await staff_member(chat, ATTACHE, "en")
    admin = await staff_member(chat, ADMIN, "en")
    await edit_phones(attache, "m.KR", "+82 2 379 9714")  # drafted, not saved
    await edit_phones(admin, "m.KR", "+82 2 379 9799")
    await admin.press_data(dcb(DirAction.save, "m.KR"))
    sent = await attache.press_data(dcb(DirAction.save, "m.KR"))
    assert "Someone else saved these fields while you were editing:" in sent[-1].text
    assert "• Phones: +82 2-379-9799" in sent[-1].text
    assert (await app.directory.current()).mission("KR")[0].phones == ["+82 2-379-9799"]
    sent = await attache.press_data(dcb(DirAction.save, "m.KR"))  # knowingly, this time
    assert sent[-1].text.startswith("✅ Saved (fields changed: 1)")
    assert (await app.directory.current()).mission("KR")[0].phones == ["+82 2-379-9714"]


async def test_changes_not_saved_are_never_dropped_without_asking(app, chat):
    admin = await staff_member(chat, ADMIN, "en")
    await edit_phones(admin, "m.KR", "+82 2 379 9714")
    sent = await admin.send("/directory")
    assert "You have changes to" in sent[-1].text and "not saved yet" in sent[-1].text
    sent = await admin.press_data(dcb(DirAction.entry, "m.TR"))  # an older message's button
    assert "You have changes to" in sent[-1].text
    await admin.send("/directory history")  # looking at the history keeps them
    sent = await admin.press_data(dcb(DirAction.back, "m.KR"))  # ✏️ Continue editing
    assert "✏️ <b>Phones</b>: +82 2-379-9714" in sent[-1].text
    await admin.press_data(dcb(DirAction.drop, "m.KR"))  # 🗑 Discard them
    sent = await admin.send("/directory")
    assert sent[-1].text.startswith("🗂 <b>Directory</b>")
    assert (await app.directory.current()).mission("KR")[0].phones == []


async def test_the_whole_history_can_be_paged_and_any_change_reverted(app, chat):
    admin = await staff_member(chat, ADMIN, "en")
    for number in range(10):
        await edit_phones(admin, "m.KR", f"+82 2 379 97{number:02d}")
        await admin.press_data(dcb(DirAction.save, "m.KR"))
    sent = await admin.send("/directory history")
    first = sent[-1].text
    assert "#10 ·" in first and "#1 ·" not in first and len(first) <= 1500
    older = [data for label, data in admin.buttons() if label == "⏬ Older"]
    assert older
    sent = await admin.press_data(older[0])
    assert "#1 ·" in sent[-1].text and "#10 ·" not in sent[-1].text
    assert ("↩️ Revert #1", dcb(DirAction.revert, id=1)) in admin.buttons()
    assert any(label == "⏫ Newest" for label, _data in admin.buttons())
    sent = await admin.press_data("dir:revert:::2147483648")  # beyond the id column: stale
    assert any("out of date" in s.text for s in sent)


async def test_a_flag_no_admin_received_is_sent_again_later(app, bot, chat, clock):
    await staff_member(chat, ADMIN, "en")
    clock.set(datetime(2026, 12, 1, 5, 0, tzinfo=UTC))
    bot.session.fail_next(502, "Bad Gateway", method="sendMessage", times=4)  # may pass
    assert await app.directory.flag_stale(bot) == 0
    assert await app.directory.flag_stale(bot) == 0  # not at once: in a quarter of an hour
    clock.advance(minutes=14)
    assert await app.directory.flag_stale(bot) == 0
    clock.advance(minutes=1, seconds=1)
    assert await app.directory.flag_stale(bot) == 1
    assert await app.directory.flag_stale(bot) == 0


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot can't initiate conversation with a user"),
        (403, "Forbidden: bot was blocked by the user"),
        (400, "Bad Request: chat not found"),
    ],
)
async def test_an_admin_who_never_opened_the_bot_is_logged_once_not_retried(
    app, bot, chat, clock, caplog, status, description
):
    """Admin 7 opened the bot and gets the notice; admin 8 never did: one log line naming
    them and what to do, and the month is done for both."""
    await staff_member(chat, ADMIN, "en")
    app.cases.admin_ids = app.directory.admin_ids = frozenset({ADMIN, 8})
    clock.set(datetime(2026, 12, 1, 5, 0, tzinfo=UTC))
    session = bot.session
    delivered, calls = session.delivered.copy(), session.calls["sendMessage"]

    real_post = session.make_request

    async def refuse_admin_8(bot_, method, timeout=None):
        if getattr(method, "chat_id", None) == 8:
            session.fail_next(status, description)
        return await real_post(bot_, method, timeout)

    session.make_request = refuse_admin_8
    with caplog.at_level(logging.WARNING, logger="joldas"):
        assert await app.directory.flag_stale(bot) == 1
        for minutes in (15, 30, 60 * 24):  # later the same month: nothing more to anyone
            clock.set(datetime(2026, 12, 1, 5, 0, tzinfo=UTC) + timedelta(minutes=minutes))
            assert await app.directory.flag_stale(bot) == 0
    assert session.delivered - delivered == Counter({ADMIN: 1})
    lines = [r.getMessage() for r in caplog.records if "not delivered" in r.getMessage()]
    assert len(lines) == 1
    assert "admin 8" in lines[0] and "ask them to open the bot" in lines[0]

    # only admin 8 is configured and cannot be reached: the month is done all the same
    app.cases.admin_ids = app.directory.admin_ids = frozenset({8})
    clock.set(datetime(2027, 1, 1, 5, 0, tzinfo=UTC))
    assert await app.directory.flag_stale(bot) == 0
    clock.advance(minutes=16)
    assert await app.directory.flag_stale(bot) == 0
    assert session.calls["sendMessage"] - calls == 3  # 7 and 8 in December, 8 in January


def test_a_newer_check_of_the_shipped_file_is_the_date_users_see():
    seeds = {"e.KR": SeedEntry({"lines": []}, date(2026, 12, 1))}
    older = {"e.KR": Confirmation(date(2026, 11, 1), 8)}
    merged = merge(seeds, {}, older)["e.KR"]
    assert merged.checked_on == date(2026, 12, 1) and not merged.confirmed_by_staff
    newer = {"e.KR": Confirmation(date(2026, 12, 2), 8)}
    merged = merge(seeds, {}, newer)["e.KR"]
    assert merged.checked_on == date(2026, 12, 2) and merged.confirmed_by == 8
