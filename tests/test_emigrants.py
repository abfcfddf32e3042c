"""Emigrant help end to end in kk, ru and en: rights by country, the checklist, the job-offer
check, and the labour-attaché desk with SOS."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
from aiogram.methods import DeleteMessage, ForwardMessage, SendLocation, SendPhoto
from babel.dates import format_date
from sqlalchemy import func, select

from bot.app import create_app
from bot.content.abroad import checklist, consulates, country_codes, country_page, general_guide
from bot.content.countries import country_in_sentence, country_name
from bot.simulator import Conversation
from handlers.views.callbacks import MenuCb, StaffCb
from storage.models import Case, CaseMessage, ChecklistMark, Deadline, RelayLink, Reminder
from tests.conftest import translated

LANGS = ["kk", "ru", "en"]
LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
ADMIN = 7  # ADMIN_IDS in the test settings
ATTACHE_RU = 200


async def emigrant(user: Conversation, lang: str = "en", country: str | None = "RU"):
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    await user.press("✈️")
    if country is None:
        await user.press(len(user.buttons()))  # skip
    elif country in country_codes():
        await user.press(country_name(country, lang))
    else:
        await user.press("🔎")
        await user.send(country_name(country, lang))
        await user.press(country_name(country, lang))
    return user


async def staff_member(chat, user_id: int, lang: str = "en") -> Conversation:
    member = chat(user_id=user_id, lang=lang)
    await member.send("/start")
    await member.press(LANG_BUTTON[lang])
    return member


def to(chat_id: int, sent) -> list:
    return [s for s in sent if s.chat_id == chat_id]


def numbered(case_id: int, text: str) -> bool:
    """The case number as users see it: #12 (№12 in Kazakh)."""
    return re.search(rf"[#№]\s?{case_id}\b", text) is not None


def last(sent: list):
    """What the user sees last (a button press is answered, then the screen changes)."""
    return sent[-1]


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


async def press_menu(app, user: Conversation, lang: str, label: str):
    await user.send("/menu")
    return await user.press(t(app, lang, label))


async def rows(app, model, **where) -> list:
    async with app.sessionmaker() as session:
        statement = select(model)
        for column, value in where.items():
            statement = statement.where(getattr(model, column) == value)
        return list(await session.scalars(statement))


# --- rights ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("code", ["RU", "KR", "TR", "AE", "US", "GB", "IL", "DE", "PL", "QA"])
async def test_rights_page_for_every_listed_country(app, chat, lang, code):
    user = await emigrant(chat(lang=lang), lang, code)
    page = last(await press_menu(app, user, lang, "⚖️ My rights abroad"))
    data = country_page(code)
    assert country_name(code, lang) in page.text
    assert data.emergency[0].number in page.text
    assert data.emergency[0].service.in_(lang) in page.text
    assert consulates().missions[code].name.in_(lang) in page.text
    assert format_date(date.fromisoformat(data.checked_on), "long", locale=lang) in page.text
    assert data.source.in_(lang) in page.text
    labels = [label for label, _ in page.buttons]
    assert t(app, lang, "💰 Wages not paid") in labels
    section = last(await user.press(t(app, lang, "💰 Wages not paid")))
    assert data.sections.unpaid_wages.in_(lang).split("\n")[0] in section.text
    assert data.source.in_(lang) in section.text
    section = last(await user.press(t(app, lang, "◀️ Back")))
    section = last(await user.press(t(app, lang, "🛑 Passport taken")))
    assert data.sections.passport_taken.in_(lang).split("\n")[0] in section.text


@pytest.mark.parametrize("lang", LANGS)
async def test_a_country_without_a_page_gets_the_general_guide(app, chat, lang):
    user = await emigrant(chat(lang=lang), lang, "JP")
    page = last(await press_menu(app, user, lang, "⚖️ My rights abroad"))
    guide = general_guide()
    assert country_name("JP", lang) in page.text  # "no page for Japan yet"
    assert guide.emergency[0].number in page.text
    assert consulates().directory.in_(lang) in page.text
    section = last(await user.press(t(app, lang, "🛂 Working legally")))
    assert guide.sections.legal_work.in_(lang).split("\n")[0] in section.text


def test_english_names_take_the_inside_a_sentence():
    """In English: "citizens of the United States", never "of United States"; kk, ru: no article."""
    for code, name in {
        "US": "the United States",
        "GB": "the United Kingdom",
        "AE": "the United Arab Emirates",
        "NL": "the Netherlands",
        "PH": "the Philippines",
    }.items():
        assert country_in_sentence(code, "en") == name
        for lang in ("kk", "ru"):
            assert country_in_sentence(code, lang) == country_name(code, lang)
    for code in ("DE", "KR", "RU", "TR"):
        assert country_in_sentence(code, "en") == country_name(code, "en")
    assert country_in_sentence(None, "en") == "—"


@pytest.mark.parametrize("code", ["US", "GB", "AE"])
async def test_the_rights_page_and_the_attache_say_the_united_states(app, chat, code):
    user = await emigrant(chat(lang="en"), "en", code)
    page = last(await press_menu(app, user, "en", "⚖️ My rights abroad"))
    name = country_name(code, "en")
    assert f"Your rights in the {name}" in page.text
    assert f"Emergency numbers in the {name}" in page.text
    assert f"in {name}" not in page.text
    screen = last(await press_menu(app, user, "en", "✉️ Write to the labour attaché"))
    assert f"the labour attaché for the {name}." in screen.text


async def test_no_page_for_the_netherlands(app, chat):
    user = await emigrant(chat(lang="en"), "en", "NL")
    page = last(await press_menu(app, user, "en", "⚖️ My rights abroad"))
    assert "I have no page for the Netherlands yet." in page.text


async def test_without_a_country_the_user_chooses_one(app, chat):
    user = await emigrant(chat(lang="ru"), "ru", None)
    picker = last(await press_menu(app, user, "ru", "⚖️ My rights abroad"))
    assert country_name("QA", "ru") in [label for label, _ in picker.buttons]
    page = last(await user.press(country_name("QA", "ru")))
    assert country_page("QA").agreement.text.ru in page.text
    await user.press(t(app, "ru", "🌍 Other countries"))
    general = last(await user.press(t(app, "ru", "🌍 Another country")))
    assert general_guide().emergency[0].number in general.text
    sent = await user.press_data("rt:ZZ:")  # a page that does not exist (stale button)
    assert country_name("RU", "ru") in [label for label, _ in sent[-1].buttons]


# --- checklist -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_checklist_ticks_survive_a_restart_and_remind_before_departure(
    settings, bot, clock, lang
):
    items = checklist().items
    first = await create_app(settings, clock=clock)
    user = await emigrant(Conversation(first.dispatcher, bot, user_id=55, language_code=lang), lang)
    await press_menu(first, user, lang, "🧳 Before you go")
    await user.press(items[0].title.in_(lang))
    screen = last(await user.press(items[1].title.in_(lang)))
    assert f"✅ <b>{items[1].title.in_(lang)}</b>" in screen.text
    await user.press(t(first, lang, "📅 Set departure date"))
    await user.send("20.12.2026")
    await first.close()

    second = await create_app(settings, clock=clock)
    try:
        again = Conversation(second.dispatcher, bot, user_id=55, language_code=lang)
        screen = last(await press_menu(second, again, lang, "🧳 Before you go"))
        for item in items[:2]:
            assert f"✅ <b>{item.title.in_(lang)}</b>" in screen.text
        assert f"⬜ <b>{items[2].title.in_(lang)}</b>" in screen.text
        assert format_date(date(2026, 12, 20), "long", locale=lang) in screen.text
        departure = last(await rows(second, Deadline, user_id=55, dedupe_key="departure"))
        assert departure.payload == {"open": len(items) - 2}
        pending = await rows(second, Reminder, deadline_id=departure.id, status="pending")
        assert len(pending) == len(checklist().remind_days_before)
        for item in items[2:]:
            await again.press(item.title.in_(lang))
        assert await rows(second, Reminder, deadline_id=departure.id, status="pending") == []
        assert len(await rows(second, ChecklistMark, user_id=55)) == len(items)
        screen = last(await again.press(items[0].title.in_(lang)))  # untick: reminders again
        assert f"⬜ <b>{items[0].title.in_(lang)}</b>" in screen.text
        assert await rows(second, Reminder, deadline_id=departure.id, status="pending")
    finally:
        await second.close()


# --- job-offer check -------------------------------------------------------------------

SAFE = ["no", "work", "no", "no", "yes", "checked"]


async def answer_offer(app, user: Conversation, lang: str, answers: list[str]):
    await press_menu(app, user, lang, "🔍 Is this job offer safe?")
    sent = []
    for step, answer in enumerate(answers):
        sent = await user.press_data(f"of:{step}:{answer}", user.last_with_buttons())
    return sent[-1]


@pytest.mark.parametrize("lang", LANGS)
async def test_offer_check_verdicts(app, chat, lang):
    from bot.content.abroad import offer_check

    check = offer_check()
    user = await emigrant(chat(lang=lang), lang)
    low = await answer_offer(app, user, lang, SAFE)
    assert "🟢" in low.text and check.verdicts["low"].title.in_(lang) in low.text
    assert check.verify_agency.in_(lang).split("\n")[0] in low.text

    tourist = ["no", "tourist", "no", "no", "yes", "checked"]  # one red flag is enough
    high = await answer_offer(app, user, lang, tourist)
    assert "🔴" in high.text and check.verdicts["high"].title.in_(lang) in high.text
    reason = check.questions[1].answers[1].reason.in_(lang)
    assert reason in high.text

    some = ["no", "work", "no", "unsure", "yes", "unchecked"]  # 2 points: medium
    medium = await answer_offer(app, user, lang, some)
    assert "🟡" in medium.text and check.verdicts["medium"].title.in_(lang) in medium.text


async def test_offer_check_stale_buttons_and_typing(app, chat):
    user = await emigrant(chat())
    await press_menu(app, user, "en", "🔍 Is this job offer safe?")
    [question] = (await user.send("what?"))[-1:]
    assert "Question 1 of 6" in question.text  # the question comes again
    sent = await user.press_data("of:3:yes")  # a button of another step
    assert sent[0].name == "answerCallbackQuery"


# --- the attaché desk ------------------------------------------------------------------


async def write_case(app, user: Conversation, lang: str, topic: str, text: str):
    """The user opens a new case on `topic` (an English label) with `text`."""
    await press_menu(app, user, lang, "✉️ Write to the labour attaché")
    await user.press(t(app, lang, "✍️ New message"))
    await user.press(t(app, lang, topic))
    return await user.send(text)


@pytest.mark.parametrize("lang", LANGS)
async def test_case_round_trip_user_attache_user(app, chat, lang):
    admin = await staff_member(chat, ADMIN)
    attache = await staff_member(chat, ATTACHE_RU, "ru")
    sent = await admin.send(f"/staff add {ATTACHE_RU} RU")
    [granted] = to(ADMIN, sent)
    assert str(ATTACHE_RU) in granted.text and "Russia" in granted.text
    [told] = to(ATTACHE_RU, sent)
    assert "Россия" in told.text and "/cases" in told.text  # in the attaché's language

    user = await emigrant(chat(user_id=100, lang=lang), lang, "RU")
    sent = await write_case(app, user, lang, "💰 Unpaid wages", "Жалақы <b>екі ай</b> төленбеді")
    [relayed] = to(ATTACHE_RU, sent)
    case = last(await rows(app, Case, user_id=100))
    assert numbered(case.id, relayed.text)
    title = {"kk": "Kazakh", "ru": "Russian", "en": "English"}[lang]  # in the attaché's words
    assert t(app, "ru", title) in relayed.text and "Россия" in relayed.text  # language, country
    assert "&lt;b&gt;екі ай&lt;/b&gt;" in relayed.text  # user text escaped for staff
    assert "100" not in relayed.text and "Test" not in relayed.text  # no id, no name
    assert to(ADMIN, sent) == []  # the country has an attaché: admins are not disturbed
    [confirmation] = to(100, sent)
    assert numbered(case.id, confirmation.text)

    await attache.press(t(app, "ru", "✍️ Reply to #{number}").format(number=case.id))
    sent = await attache.send("Напишите адрес работодателя")
    [answer] = to(100, sent)
    assert numbered(case.id, answer.text) and "Напишите адрес работодателя" in answer.text
    assert (await app.cases.get(case.id)).status == "answered"

    sent = await user.send("Мекенжай: Мәскеу")  # still writing into the case
    [more] = to(ATTACHE_RU, sent)
    assert numbered(case.id, more.text) and "Мәскеу" in more.text
    assert (await app.cases.get(case.id)).status == "open"

    await user.press(t(app, lang, "✅ Close the case"))
    sent = await user.press("⭐⭐⭐⭐")
    assert any("★★★★" in s.text for s in to(ATTACHE_RU, sent))
    closed = await app.cases.get(case.id)
    assert (closed.status, closed.closed_by, closed.rating) == ("closed", "user", 4)
    authors = [m.author for m in await rows(app, CaseMessage, case_id=case.id)]
    assert authors == ["user", "staff", "user"]

    mine = last(await user.send("/mycases"))
    assert numbered(case.id, mine.buttons[0][0])
    shown = last(await user.send("/profile"))
    held = t(
        app,
        lang,
        "Checklist items ticked: {ticked}; cases with the labour attaché: {cases} (/mycases).",
    )
    assert held.format(ticked=0, cases=1) in shown.text


@pytest.mark.parametrize("lang", LANGS)
async def test_cases_route_by_country_and_fall_back_to_admins(app, chat, lang):
    await staff_member(chat, ADMIN)
    attache = await staff_member(chat, ATTACHE_RU)
    await chat(user_id=ADMIN).send(f"/staff add {ATTACHE_RU} RU")
    user = await emigrant(chat(user_id=101, lang=lang), lang, "TR")  # no attaché for Turkey
    sent = await write_case(app, user, lang, "🪪 Visa, permit or deportation", "visa question")
    assert len(to(ADMIN, sent)) == 1 and to(ATTACHE_RU, sent) == []
    assert country_name("TR", "en") in to(ADMIN, sent)[0].text
    listed = last(await chat(user_id=ADMIN).send("/cases"))
    assert "#" in listed.buttons[0][0]
    empty = last(await attache.send("/cases"))  # not their country
    assert empty.text == t(app, "en", "📭 No open cases in your countries.")


async def test_staff_close_with_resolution_and_a_telegram_reply(app, chat):
    admin = await staff_member(chat, ADMIN)
    user = await emigrant(chat(user_id=102), "en", None)  # no country: admins
    sent = await write_case(app, user, "en", "💬 Something else", "hello")
    assert len(to(ADMIN, sent)) == 1
    message = admin.last_with_buttons()
    sent = await admin.reply("Reply through Telegram's reply", message)  # no button pressed
    [answer] = to(102, sent)
    assert "Reply through Telegram's reply" in answer.text
    # the user answers the attaché's message with Telegram's reply, outside the dialogue
    answered = user.last_with_buttons()
    await user.send("/cancel")
    sent = await user.reply("thanks, one more thing", answered)
    assert any("one more thing" in s.text for s in to(ADMIN, sent))
    await admin.press("Close #")
    sent = await admin.send("Advised to contact the inspectorate <now>")
    [notice] = to(102, sent)
    assert "&lt;now&gt;" in notice.text and "⭐" in notice.buttons[0][0]
    case = last(await rows(app, Case, user_id=102))
    assert (case.status, case.closed_by) == ("closed", "staff")


async def test_photos_documents_and_voice_are_relayed_by_file_id(app, chat):
    await staff_member(chat, ADMIN)
    user = await emigrant(chat(user_id=103), "en", None)
    await press_menu(app, user, "en", "✉️ Write to the labour attaché")
    await user.press("New message")
    await user.press("Contract or employer")
    sent = await user.send_photo(caption="my contract <page 1>")
    [photo] = to(ADMIN, sent)
    assert isinstance(photo.method, SendPhoto) and photo.method.photo == "photo1"
    assert "&lt;page 1&gt;" in photo.text
    sent = await user.send_document("scan7")
    assert to(ADMIN, sent)[0].method.document == "scan7"
    sent = await user.send_voice("voice9")
    assert to(ADMIN, sent)[0].method.voice == "voice9"
    sent = await user.send_sticker()
    assert to(ADMIN, sent) == [] and "photos" in sent[0].text
    case = last(await rows(app, Case, user_id=103))
    kinds = [m.kind for m in await rows(app, CaseMessage, case_id=case.id)]
    assert kinds == ["photo", "document", "voice"]


async def test_a_user_with_a_hidden_account_gets_answers(app, chat):
    """Relaying never forwards: staff get copies, and replies map through our own links."""
    admin = await staff_member(chat, ADMIN)
    hidden = chat(user_id=104, lang="ru")
    hidden.first_name = "Hidden"
    await emigrant(hidden, "ru", None)
    sent = await write_case(app, hidden, "ru", "💬 Something else", "помогите")
    assert not any(isinstance(s.method, ForwardMessage) for s in sent)
    assert "Hidden" not in to(ADMIN, sent)[0].text
    await admin.press("Reply to #")
    sent = await admin.send("Мы на связи")
    assert "Мы на связи" in to(104, sent)[0].text


# --- SOS -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_sos_reaches_staff_at_once_and_escalates_after_15_minutes(app, chat, clock, lang):
    await staff_member(chat, ADMIN)
    attache = await staff_member(chat, ATTACHE_RU)
    await chat(user_id=ADMIN).send(f"/staff add {ATTACHE_RU} RU")
    user = await emigrant(chat(user_id=105, lang=lang), lang, "RU")
    menu = last(await user.send("/menu"))
    sos = menu.method.reply_markup.inline_keyboard[0][0]
    assert sos.style == "danger" and sos.text == t(app, lang, "🆘 SOS: I need help now")
    sent = await user.press(sos.text)
    [urgent] = to(ATTACHE_RU, sent)
    assert "URGENT" in urgent.text
    case = last(await rows(app, Case, user_id=105))
    assert case.urgent
    [help_text] = to(105, sent)
    page = country_page("RU")
    for number in page.emergency:
        assert number.number in help_text.text
    assert consulates().missions["RU"].name.in_(lang) in help_text.text

    sent = await user.send("Работодатель забрал паспорт")  # the optional description
    assert "паспорт" in to(ATTACHE_RU, sent)[0].text
    await user.press(t(app, lang, "📍 Share a location"))
    sent = await user.send_location(55.75, 37.61)
    assert any(isinstance(s.method, SendLocation) for s in to(ATTACHE_RU, sent))
    kinds = [(m.kind, m.text) for m in await rows(app, CaseMessage, case_id=case.id)]
    assert ("location", None) in kinds  # passed on, coordinates not stored

    clock.advance(minutes=14)
    assert await app.desk.tick(attache.bot) == 0
    clock.advance(minutes=2)
    before = len(attache.session.requests)
    assert await app.desk.tick(attache.bot) == 1
    [escalated] = to(ADMIN, attache.session.requests[before:])
    assert numbered(case.id, escalated.text) and "15" in escalated.text
    assert await app.desk.tick(attache.bot) == 0  # only once


async def test_an_answered_sos_is_not_escalated(app, chat, clock):
    admin = await staff_member(chat, ADMIN)
    user = await emigrant(chat(user_id=106), "en", "QA")
    await press_menu(app, user, "en", "🆘 SOS: I need help now")
    await admin.press("Reply to #")
    await admin.send("Calling you now")
    clock.advance(minutes=20)
    assert await app.desk.tick(admin.bot) == 0


async def test_unanswered_cases_remind_their_staff_after_24_hours(app, chat, clock):
    admin = await staff_member(chat, ADMIN)
    user = await emigrant(chat(user_id=107), "en", "PL")
    await write_case(app, user, "en", "💰 Unpaid wages", "no pay")
    clock.advance(hours=23)
    assert await app.desk.tick(admin.bot) == 0
    clock.advance(hours=2)
    before = len(admin.session.requests)
    assert await app.desk.tick(admin.bot) == 1
    [reminder] = to(ADMIN, admin.session.requests[before:])
    assert "24" in reminder.text and "no pay" in reminder.text
    assert await app.desk.tick(admin.bot) == 0  # not again until another day


# --- authorisation and deletion --------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_forged_staff_callbacks_are_refused_and_logged(app, chat, caplog, lang):
    await staff_member(chat, ADMIN)
    attache = await staff_member(chat, ATTACHE_RU)
    await chat(user_id=ADMIN).send(f"/staff add {ATTACHE_RU} RU")
    user = await emigrant(chat(user_id=108, lang="ru"), "ru", "DE")
    await write_case(app, user, "ru", "💬 Something else", "private details")
    case = last(await rows(app, Case, user_id=108))

    intruder = await emigrant(chat(user_id=666, lang=lang), lang, "RU")
    caplog.set_level(logging.WARNING, logger="joldas.staff")
    for action in ("reply", "close", "view"):
        sent = await intruder.press_data(StaffCb(action=action, case=case.id).pack())
        assert sent[0].method.text == t(app, lang, "⛔ This is for the attaché desk's staff only.")
        assert all("private details" not in s.text for s in sent)
    assert "refused" in caplog.text and "666" in caplog.text
    # an attaché of another country is refused too
    sent = await attache.press_data(StaffCb(action="view", case=case.id).pack())
    assert sent[0].method.text == t(app, "en", "⛔ This is for the attaché desk's staff only.")
    # the staff commands
    refused = last(await intruder.send("/cases"))
    assert refused.text == t(app, lang, "⛔ This is for the attaché desk's staff only.")
    refused = last(await attache.send("/staff add 666 RU"))
    assert refused.text == t(app, "en", "⛔ This is for the attaché desk's staff only.")
    assert (await app.cases.get(case.id)).status == "open"


async def test_a_revoked_attache_cannot_answer_anymore(app, chat):
    admin = await staff_member(chat, ADMIN)
    attache = await staff_member(chat, ATTACHE_RU)
    await admin.send(f"/staff add {ATTACHE_RU} RU")
    user = await emigrant(chat(user_id=109), "en", "RU")
    await write_case(app, user, "en", "💬 Something else", "hi")
    await attache.press("Reply to #")
    await admin.send(f"/staff remove {ATTACHE_RU} RU")
    sent = await attache.send("too late")
    assert to(109, sent) == []
    assert sent[0].text == t(app, "en", "⛔ This is for the attaché desk's staff only.")


@pytest.mark.parametrize("lang", LANGS)
async def test_deleting_data_closes_cases_and_removes_messages(app, chat, lang):
    admin = await staff_member(chat, ADMIN)
    user = await emigrant(chat(user_id=110, lang=lang), lang, "AE")
    await write_case(app, user, lang, "💬 Something else", "secret story")
    case = last(await rows(app, Case, user_id=110))
    copies = await rows(app, RelayLink, user_id=110)
    staff_copies = {(link.chat_id, link.message_id) for link in copies if link.chat_id == ADMIN}
    assert staff_copies

    await user.send("/delete")
    sent = await user.press(t(app, lang, "🗑 Yes, delete everything"))
    [notice] = [s for s in to(ADMIN, sent) if s.name == "sendMessage"]
    assert numbered(case.id, notice.text) and "secret" not in notice.text
    deleted = {
        (s.method.chat_id, s.method.message_id) for s in sent if isinstance(s.method, DeleteMessage)
    }
    assert deleted == staff_copies
    for model in (Case, CaseMessage, RelayLink):
        assert await rows(app, model, user_id=110) == []
    # the staff's stale buttons for the case now find nothing
    sent = await admin.press_data(StaffCb(action="reply", case=case.id).pack())
    assert sent[0].method.text == t(
        app, "en", "This case no longer exists: the user deleted their data."
    )


async def test_staff_command_validates_its_input(app, chat):
    admin = await staff_member(chat, ADMIN)
    usage = last(await admin.send("/staff"))
    assert "/staff add" in usage.text and "every case goes to the admins" in usage.text
    bad = last(await admin.send("/staff add x RU"))
    assert "/staff add" in bad.text
    unknown = last(await admin.send("/staff add 5 QQ"))
    assert "QQ" in unknown.text
    await admin.send("/staff add 5 kr")
    listed = last(await admin.send("/staff"))
    assert "5 — South Korea (KR)" in listed.text
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0


async def test_a_case_continues_after_a_restart(settings, bot, clock):
    first = await create_app(settings, clock=clock)
    admin = Conversation(first.dispatcher, bot, user_id=ADMIN)
    await admin.send("/start")
    user = await emigrant(Conversation(first.dispatcher, bot, user_id=111), "en", None)
    await press_menu(first, user, "en", "✉️ Write to the labour attaché")
    await user.press("New message")
    await user.press("Unpaid wages")
    await user.send("first part")
    await first.close()
    second = await create_app(settings, clock=clock)
    try:
        again = Conversation(second.dispatcher, bot, user_id=111)
        sent = await again.send("second part")
        [relayed] = to(ADMIN, sent)
        assert "second part" in relayed.text
        [case] = await rows(second, Case, user_id=111)
        assert len(await rows(second, CaseMessage, case_id=case.id)) == 2
        staff = Conversation(second.dispatcher, bot, user_id=ADMIN)
        sent = await staff.reply("got both", staff.last_with_buttons())
        assert "got both" in to(111, sent)[0].text
    finally:
        await second.close()


@pytest.mark.parametrize("lang", LANGS)
async def test_when_no_staff_can_be_reached_the_user_is_told(app, chat, lang):
    user = await emigrant(chat(user_id=112, lang=lang), lang, "IL")
    await press_menu(app, user, lang, "✉️ Write to the labour attaché")
    await user.press(t(app, lang, "✍️ New message"))
    await user.press(t(app, lang, "🏥 Health or accident"))
    user.session.fail_next(403, "Forbidden: bot was blocked by the user", method="sendMessage")
    sent = await user.send("I am hurt")  # the only admin has blocked the bot
    [told] = to(112, sent)
    assert consulates().missions["IL"].name.in_(lang) in told.text
    assert t(app, lang, "✅ Close the case") in [label for label, _ in told.buttons]
    [case] = await rows(app, Case, user_id=112)
    assert case.status == "open"  # saved for /cases


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_an_sos_nobody_can_receive_does_not_promise_the_attache_reads_it_now(app, chat, lang):
    """No staff reachable: the screen says the SOS is saved and what a message written now
    does (kept for the desk), never "it goes straight to the attaché"."""
    user = await emigrant(chat(user_id=114, lang=lang), lang, "KR")
    await user.send("/menu")
    user.session.fail_next(403, "Forbidden: bot was blocked by the user", method="sendMessage")
    sent = await user.press_data(MenuCb(item="sos").pack())  # the only admin blocked the bot
    screen = [s for s in to(114, sent) if s.name == "sendMessage"][-1]
    straight = t(
        app,
        lang,
        "If you can, write in a few words what happened and where you are: it goes "
        "straight to the attaché. You can also share a location you choose.",
    )
    kept = t(
        app,
        lang,
        "If you can, write in a few words what happened and where you are: it is kept in "
        "your case, and the attaché sees it as soon as someone at the desk is back. You "
        "can also share a location you choose.",
    )
    assert kept in screen.text and straight not in screen.text


async def test_huge_messages_reach_staff_whole_and_escaped(app, chat):
    await staff_member(chat, ADMIN)
    user = await emigrant(chat(user_id=113), "en", None)
    await press_menu(app, user, "en", "✉️ Write to the labour attaché")
    await user.press("New message")
    await user.press("Something else")
    text = "<" * 4000 + "END"
    sent = await user.send(text)
    parts = to(ADMIN, sent)
    assert len(parts) == 2 and parts[-1].buttons  # split, the buttons on the last part
    assert "<<" not in "".join(p.text for p in parts)
    assert "".join(p.text for p in parts).count("&lt;") == 4000 and "END" in parts[-1].text
    [case] = await rows(app, Case, user_id=113)
    [stored] = await rows(app, CaseMessage, case_id=case.id)
    assert stored.text == text


async def test_someone_elses_case_buttons_do_nothing(app, chat):
    await staff_member(chat, ADMIN)
    owner = await emigrant(chat(user_id=114), "en", None)
    await write_case(app, owner, "en", "💬 Something else", "mine")
    [case] = await rows(app, Case, user_id=114)
    other = await emigrant(chat(user_id=115), "en", None)
    for action in ("open", "write", "close"):
        sent = await other.press_data(f"case:{action}:{case.id}:0")
        assert all("mine" not in s.text for s in sent)
    assert (await app.cases.get(case.id)).status == "open"
    sent = await other.send("not into anyone's case")
    assert to(ADMIN, sent) == []
