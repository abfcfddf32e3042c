"""Honest next steps (issue 27, item 2): what a screen promises is what will happen.

Deadlines saved before /start, reminders that are no longer possible, an expired permit, the
insurance renew-by day, the zones of pre-departure reminders, the mission for kandas abroad,
the months a permit covered, the day an overstay began, and the trips a registration date
makes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from sqlalchemy import select

from bot.content.abroad import consulates
from bot.content.countries import country_in_sentence
from bot.simulator import Conversation
from handlers.views.callbacks import KandasPage
from handlers.views.zones import zone_label
from storage.models import Deadline, Reminder
from tests.conftest import translated
from tests.test_emigrants import emigrant
from tests.test_kandas import kandas, kd
from tests.test_migrants import migrant, open_guide
from tests.test_screens import visible

LANGS = ["kk", "ru", "en"]
ALMATY, SEOUL = ZoneInfo("Asia/Almaty"), ZoneInfo("Asia/Seoul")
LIMIT = 1500


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


def long_day(day: date, lang: str) -> str:
    return format_date(day, "long", locale=lang)


async def pending_of(app, user_id: int, key: str) -> list[datetime]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(Reminder.due_at)
            .join(Deadline, Deadline.id == Reminder.deadline_id)
            .where(
                Reminder.user_id == user_id,
                Deadline.dedupe_key == key,
                Reminder.status == "pending",
            )
            .order_by(Reminder.due_at)
        )
        return [moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment for moment in rows]


async def add_own(app, user: Conversation, lang: str, title: str, day: str):
    await user.send("/reminders")
    await user.press(t(app, lang, "➕ Add my own deadline"))
    await user.send(title)
    return (await user.send(day))[-1]


# --- P4: a deadline before /start; a deadline too close for any reminder ---


@pytest.mark.parametrize("lang", LANGS)
async def test_a_deadline_saved_before_start_is_listed_and_its_reminders_named(app, chat, lang):
    user = chat(user_id=401, lang=lang)  # no /start: the first message is /reminders
    saved = await add_own(app, user, lang, "Pay the tax", "05.12.2026")
    assert saved.text.startswith(t(app, lang, "✅ Saved."))
    for day in (date(2026, 11, 28), date(2026, 12, 5)):  # the first and the last reminder
        assert format_skeleton("MMMMd", day, locale=lang) in saved.text
    assert "Pay the tax" in saved.text  # listed under "Saved", not "No deadlines yet"
    again = (await user.send("/reminders"))[-1]
    assert "Pay the tax" in again.text  # kept, not hidden until /start
    steps = await pending_of(app, 401, await key_of(app, 401, "Pay the tax"))
    assert [m.astimezone(ALMATY).day for m in steps] == [28, 2, 4, 5]


async def key_of(app, user_id: int, title: str) -> str:
    """The key of the user's own deadline with this title."""
    async with app.sessionmaker() as session:
        rows = await session.scalars(select(Deadline).where(Deadline.user_id == user_id))
        return next(row.dedupe_key for row in rows if row.payload.get("title") == title)


async def keys_of(app, user_id: int) -> list[str]:
    async with app.sessionmaker() as session:
        return list(
            await session.scalars(select(Deadline.dedupe_key).where(Deadline.user_id == user_id))
        )


@pytest.mark.parametrize("lang", LANGS)
async def test_a_deadline_today_after_ten_promises_no_reminder(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)  # 21 Nov 2026, 11:00 in Almaty
    saved = await add_own(app, user, lang, "Pay the tax", "21.11.2026")
    assert t(app, lang, "⏰ No reminder is left before this deadline.") in saved.text
    assert "7" not in saved.text.split("\n\n")[0]  # no "7, 3 and 1 days before"


# --- P5: an expired permit ---


@pytest.mark.parametrize("lang", LANGS)
async def test_an_expired_permit_warns_and_promises_no_reminder(app, chat, lang):
    user = await migrant(chat(lang=lang), lang, "TJ")
    await open_guide(app, user, lang, "permit")
    await user.press(t(app, lang, "🔄 Renewal"))
    await user.send("01.09.2026")
    screen = (await user.press("2"))[-1]  # valid to 31 Oct 2026; today is 21 Nov
    text = screen.text
    expired = t(
        app,
        lang,
        "⚠️ <b>This permit has expired.</b> Working without a valid permit is an offence: a "
        "fine of {mci} MCI ({amount} at the {year} MCI) or expulsion (Code of Administrative "
        "Offences).",
    )
    fine = f"{format_decimal(25 * 4325, locale=lang)} ₸"  # 25 MCI at the 2026 MCI
    assert expired.format(mci=25, amount=fine, year=2026) in text
    assert long_day(date(2026, 10, 31), lang) in text
    assert "⏰" not in text
    assert t(app, lang, "🆕 New permit") in [label for label, _ in screen.buttons]
    assert t(app, lang, "🔄 I renewed it") not in [label for label, _ in screen.buttons]
    assert "permit" not in await keys_of(app, user.user_id)  # nothing left to remind of
    assert len(visible(text)) <= LIMIT


# --- P8: the insurance reminder starts on the renew-by day ---


@pytest.mark.parametrize("lang", LANGS)
async def test_the_first_insurance_reminder_is_on_the_renew_by_day(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "insurance")
    await user.press(t(app, lang, "📝 Record my policy"))
    await user.send("Kaspi Insurance")
    await user.send("01.12.2026")
    await user.send("28.02.2027")
    await user.press(t(app, lang, "No / I don't know"))
    text = (await user.send("01.06.2027"))[-1].text
    renew_by = date(2027, 2, 14)
    assert t(app, lang, "Renew it by {day}.").format(day=long_day(renew_by, lang)) in text
    assert format_skeleton("MMMMd", renew_by, locale=lang) in text.split("Kaspi")[-1]
    steps = await pending_of(app, user.user_id, "insurance")
    assert steps[0] == datetime(2027, 2, 14, 10, tzinfo=ALMATY)
    assert [m.astimezone(ALMATY).date().day for m in steps] == [14, 21, 25, 27, 28]


# --- P9: pre-departure reminders in Kazakhstan's time ---


@pytest.mark.parametrize("lang", LANGS)
async def test_reminders_keep_kazakhstan_time_until_the_departure(app, chat, clock, lang):
    user = await emigrant(chat(lang=lang), lang, "KR")  # the profile's zone: Seoul
    await add_own(app, user, lang, "Visa photos", "15.12.2026")  # before leaving
    await add_own(app, user, lang, "Register at the consulate", "10.01.2027")  # after
    before = await pending_of(app, user.user_id, await key_of(app, user.user_id, "Visa photos"))
    assert before[-1] == datetime(2026, 12, 15, 10, tzinfo=SEOUL)  # no departure known yet
    await user.send("/menu")
    await user.press(t(app, lang, "🧳 Before you go"))
    await user.press(t(app, lang, "📅 Set departure date"))
    checklist = (await user.send("20.12.2026"))[-1].text
    zones = t(
        app,
        lang,
        "🕒 Reminders come in Kazakhstan's time ({home}) until you leave on {day}, then in "
        "the local time there ({zone}).",
    ).format(
        home=zone_label("Asia/Almaty", lang, clock.now()),
        day=long_day(date(2026, 12, 20), lang),
        zone=zone_label("Asia/Seoul", lang, clock.now()),
    )
    assert zones in checklist and long_day(date(2026, 12, 20), lang) in checklist
    departure = await pending_of(app, user.user_id, "departure")
    assert departure and all(m.astimezone(ALMATY).hour == 10 for m in departure)
    visa, consulate = [
        await pending_of(app, user.user_id, await key_of(app, user.user_id, title))
        for title in ("Visa photos", "Register at the consulate")
    ]
    assert visa[-1] == datetime(2026, 12, 15, 10, tzinfo=ALMATY)  # moved to Almaty's 10:00
    assert consulate[-1] == datetime(2027, 1, 10, 10, tzinfo=SEOUL)  # abroad by then
    screen = (await user.send("/reminders"))[-1].text
    assert zones in screen
    assert len(visible(checklist)) <= LIMIT


# --- P14: the mission of the country kandas come from ---


@pytest.mark.parametrize("lang", LANGS)
async def test_kandas_abroad_see_their_countrys_mission_or_that_there_is_none(app, chat, lang):
    user, _ = await kandas(chat, lang, origin="RU")
    abroad = (await user.press_data(kd(KandasPage.apply, "abroad")))[-1].text
    assert consulates().missions["RU"].name.in_(lang) in abroad
    assert len(visible(abroad)) <= LIMIT
    user, _ = await kandas(chat, lang, user_id=301, origin="CN")
    abroad = (await user.press_data(kd(KandasPage.apply, "abroad")))[-1].text
    none = t(app, lang, "My directory has no Embassy or Consulate of Kazakhstan in {country} yet.")
    assert none.format(country=country_in_sentence("CN", lang)) in abroad
    assert consulates().directory.in_(lang) in abroad  # where to find one
    home = (await user.press_data(kd(KandasPage.apply, "home")))[-1].text
    assert none.split("{")[0] not in home  # in Kazakhstan: no mission abroad


# --- P19: the months a permit covered ---


@pytest.mark.parametrize("lang", LANGS)
async def test_a_renewed_permit_counts_the_months_it_covered(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "permit")
    await user.press(t(app, lang, "🆕 New permit"))
    await user.press(t(app, lang, "Today"))
    await user.press("3")
    await user.press(t(app, lang, "🔄 I renewed it"))
    text = (await user.press("12"))[-1].text  # 21 Nov 2026 – 20 Feb 2028: 15 months
    months = {"kk": "15 ай", "ru": "15 месяцев", "en": "15 months"}
    assert months[lang] in text
    assert long_day(date(2026, 11, 21), lang) in text
    assert len(visible(text)) <= LIMIT, len(visible(text))


# --- P20: over the limit from the day of entry ---


async def add_trip(user: Conversation, app, lang: str, entered: str, left: str | None):
    await user.press(t(app, lang, "➕ Add a trip"))
    await user.send(entered)
    if left is None:
        return await user.press(t(app, lang, "🇰🇿 I am still in Kazakhstan"))
    return await user.send(left)


@pytest.mark.parametrize("lang", LANGS)
async def test_an_overstay_from_the_day_of_entry_names_that_day(app, chat, clock, lang):
    clock.set(datetime(2026, 12, 6, 6, tzinfo=UTC))
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "stay")
    await add_trip(user, app, lang, "01.06.2026", "15.08.2026")
    await add_trip(user, app, lang, "01.10.2026", "20.10.2026")
    text = (await add_trip(user, app, lang, "01.12.2026", None))[-1].text
    lead = app.i18n.gettext(
        "⚠️ <b>You are over the limit.</b> You were over it from the day you entered, "
        "{day}: {n} day over.",
        "⚠️ <b>You are over the limit.</b> You were over it from the day you entered, "
        "{day}: {n} days over.",
        6,
        locale=lang,
    )
    assert lead.format(day=long_day(date(2026, 12, 1), lang), n=6) in text
    assert long_day(date(2026, 11, 30), lang) not in text


# --- P21: the registration's entry date as a trip, asked; a trip longer than allowed per entry ---


@pytest.mark.parametrize("lang", LANGS)
async def test_the_registration_entry_becomes_a_trip_only_when_asked(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "registration")
    screen = (await user.send("15.11.2026"))[-1]
    add = t(app, lang, "📅 Add this entry to my trips")
    assert add in [label for label, _ in screen.buttons]
    saved = (await user.press(add))[-1].text
    entered = long_day(date(2026, 11, 15), lang)
    assert (
        t(app, lang, "✅ Trip saved: entered {day}, still in Kazakhstan.").format(day=entered)
        in saved
    )
    stay = (await user.press(t(app, lang, "📅 How long may I stay")))[-1].text
    assert t(app, lang, "<b>Your trips</b>") in stay and t(app, lang, "now") in stay
    await open_guide(app, user, lang, "registration")
    again = (await user.send("15.11.2026"))[-1]  # recorded already: not offered twice
    assert add not in [label for label, _ in again.buttons]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_past_trip_longer_than_allowed_per_entry_is_flagged(app, chat, lang):
    user = chat(lang=lang)
    await user.send("/start")
    await user.press({"kk": "Қазақша", "ru": "Русский", "en": "English"}[lang])
    await user.press("🌍")
    await user.press_data("ctry:citizenship:DE")  # 30 days per entry
    await open_guide(app, user, lang, "stay")
    text = (await add_trip(user, app, lang, "01.07.2026", "15.08.2026"))[-1].text
    flag = t(app, lang, "⚠️ longer than {n} days per entry").format(n=30)
    assert flag in text
    text = (await add_trip(user, app, lang, "01.10.2026", "20.10.2026"))[-1].text
    assert text.count(flag) == 1  # the 20-day trip is not flagged
