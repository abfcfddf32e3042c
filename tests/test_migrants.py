"""Migrant guides end to end in kk, ru and en: registration, stay, permit, insurance."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import select

from bot.app import create_app
from bot.content.countries import country_name
from bot.simulator import Conversation
from storage.models import Deadline, Reminder
from storage.records import PersonalRecord
from tests.conftest import translated
from tests.test_screens import visible

LANGS = ["kk", "ru", "en"]
LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
COUNTRY = {
    "UZ": {"kk": "Өзбекстан", "ru": "Узбекистан", "en": "Uzbekistan"},
    "TJ": {"kk": "Тәжікстан", "ru": "Таджикистан", "en": "Tajikistan"},
    "RU": {"kk": "Ресей", "ru": "Россия", "en": "Russia"},
    "CN": {"kk": "Қытай", "ru": "Китай", "en": "China"},
}
MENU = {
    "registration": "📝 Registration",
    "stay": "📅 How long may I stay",
    "permit": "💼 Work permit (patent)",
    "insurance": "🩺 Insurance",
}
DAY_ONE = (
    "<i>I count the day you crossed the border as day 1: the rules on registration "
    "do not say how the days are counted (not confirmed).</i>"
)
STEPS = "📝 How registration works"


async def migrant(user: Conversation, lang: str = "en", citizenship: str = "UZ"):
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    await user.press("🌍")
    await user.press(COUNTRY[citizenship][lang])
    return user


async def open_guide(app, user: Conversation, lang: str, item: str):
    await user.send("/menu")
    return await user.press(translated(app, lang, MENU[item]))


def long_day(day: date, lang: str) -> str:
    return format_date(day, "long", locale=lang)


def labels(sent) -> list[str]:
    return [label for label, _ in sent.buttons]


async def deadlines(app, user_id: int) -> dict[str, Deadline]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(select(Deadline).where(Deadline.user_id == user_id))
        return {row.dedupe_key: row for row in rows}


async def pending_count(app, deadline_id: int) -> int:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(Reminder).where(
                Reminder.deadline_id == deadline_id, Reminder.status == "pending"
            )
        )
        return len(list(rows))


@pytest.mark.parametrize("lang", LANGS)
async def test_registration_deadline_steps_and_reminders(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    sent = await open_guide(app, user, lang, "registration")
    assert translated(app, lang, "Today") in labels(sent[-1])
    sent = await user.send("10.11.2026")  # day 30, the day of entry being day 1: 9 December
    result = sent[-1]
    assert long_day(date(2026, 12, 9), lang) in result.text
    assert translated(app, lang, "⏰ Remind me") in labels(result)
    assert "egov.kz" in result.text and "2025" in result.text  # the source is shown
    await user.press(translated(app, lang, "⏰ Remind me"))
    saved = (await deadlines(app, user.user_id))["registration"]
    assert (saved.kind, saved.due_on) == ("registration", date(2026, 12, 9))
    assert await pending_count(app, saved.id) == 4


async def test_registration_under_the_old_rules_that_has_passed(app, chat):
    user = await migrant(chat(lang="ru"), "ru", "TJ")
    await open_guide(app, user, "ru", "registration")
    [result] = await user.send("30.06.2026")  # 3 working days: 3 July; long gone
    assert long_day(date(2026, 7, 3), "ru") in result.text
    assert translated(app, "ru", "⏰ Remind me") not in labels(result)
    assert "1414" in result.text


@pytest.mark.parametrize("lang", LANGS)
async def test_wrong_dates_get_a_reason_and_the_question_again(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "registration")
    for typed in ("31.02.2026", "tomorrow", "someday", "<b>1.1</b>"):
        sent = await user.send(typed)
        assert len(sent) == 2, typed  # the reason, then the same question
        assert translated(app, lang, "Today") in labels(sent[1]), typed
    assert "&lt;b&gt;" in sent[0].text
    sent = await user.send_sticker()
    assert sent[0].text == translated(app, lang, "Please type a date, or use the buttons.")
    sent = await user.send("21.11.2026")
    assert long_day(date(2026, 12, 20), lang) in sent[-1].text


async def test_calendar_buttons_pick_a_day(app, chat):
    user = await migrant(chat())
    await open_guide(app, user, "en", "registration")
    sent = await user.press("Calendar")
    markup = [label for label, _ in user.buttons()]
    assert "November 2026" in markup and "22" not in markup  # no future days for an entry
    sent = await user.press("◀️")  # October
    sent = await user.press("15")
    assert long_day(date(2026, 11, 13), "en") in sent[-1].text


async def test_address_change_counts_working_days(app, chat, clock):
    user = await migrant(chat())
    await open_guide(app, user, "en", "registration")
    await user.send("today")
    await user.press("I moved to a new address")
    sent = await user.send("20.11.2026")  # Friday + 5 working days = Friday 27 November
    assert long_day(date(2026, 11, 27), "en") in sent[-1].text
    await user.press("Remind me")
    assert (await deadlines(app, user.user_id))["address_change"].due_on == date(2026, 11, 27)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_count_into_a_year_without_published_transfers_says_so(app, chat, clock, lang):
    """Working days into 2027, whose transfers of days off are not published: the date is
    counted (New Year 1–4 Jan off) and the screen says it may move (facts review row 21)."""
    clock.set(datetime(2026, 12, 29, 9, 0, tzinfo=UTC))
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "registration")
    await user.send("01.12.2026")
    await user.press(translated(app, lang, "🏠 I moved to a new address"))
    note = translated(
        app,
        lang,
        "<i>The government's transfers of days off for {year} are not published yet (or "
        "not in my data): this date may move. Check it on egov.kz.</i>",
    ).format(year=2027)
    screen = (await user.send("29.12.2026"))[-1].text  # Tue + 5: 30, 31 Dec, 5, 6, 8 Jan
    assert long_day(date(2027, 1, 8), lang) in screen and note in screen  # 7 Jan: Christmas
    await open_guide(app, user, lang, "registration")
    await user.send("01.12.2026")
    await user.press(translated(app, lang, "🏠 I moved to a new address"))
    screen = (await user.send("01.12.2026"))[-1].text  # within 2026: settled
    assert note not in screen


async def test_restart_in_the_middle_of_a_guide(settings, bot, clock):
    first = await create_app(settings, clock=clock)
    user = await migrant(Conversation(first.dispatcher, bot, user_id=77, language_code="kk"), "kk")
    await open_guide(first, user, "kk", "registration")
    await first.close()
    second = await create_app(settings, clock=clock)
    try:
        again = Conversation(second.dispatcher, bot, user_id=77, language_code="kk")
        sent = await again.send("10.11.2026")
        assert long_day(date(2026, 12, 9), "kk") in sent[-1].text
    finally:
        await second.close()


async def test_a_guide_needs_the_citizenship_first(app, chat):
    user = chat()
    await user.send("/start")
    await user.press("English")
    await user.press("🌍")
    await user.press("Skip")
    sent = await open_guide(app, user, "en", "stay")
    assert "Choose my citizenship" in labels(sent[-1])[0]


@pytest.mark.parametrize("lang", LANGS)
async def test_stay_calculator_with_trips(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "stay")
    await user.press(translated(app, lang, "➕ Add a trip"))
    await user.send("01.09.2026")
    await user.send("30.09.2026")
    await user.press(translated(app, lang, "➕ Add a trip"))
    await user.send("10.11.2026")
    sent = await user.press(translated(app, lang, "🇰🇿 I am still in Kazakhstan"))
    screen = sent[-1].text
    assert "<b>42</b>" in screen and "<b>48</b>" in screen  # 30 + 12 days used
    assert long_day(date(2027, 1, 8), lang) in screen  # 42 used + 48 more days from today
    assert "■" in screen and "<pre>" in screen
    await user.press(translated(app, lang, "⏰ Remind me before my last day"))
    assert (await deadlines(app, user.user_id))["stay_limit"].due_on == date(2027, 1, 8)


async def test_stay_thirty_days_per_entry_and_bad_trips(app, chat):
    user = chat()
    await user.send("/start")
    await user.press("English")
    await user.press("🌍")
    await user.press("🔎")
    await user.send("Germany")
    await user.press("Germany")
    await open_guide(app, user, "en", "stay")
    await user.press("Add a trip")
    await user.send("10.11.2026")
    sent = await user.send("05.11.2026")  # left before entering
    assert "outside the dates" in sent[0].text
    sent = await user.press("still in Kazakhstan")
    assert long_day(date(2026, 12, 9), "en") in sent[-1].text  # 30 days per entry
    await user.press("Add a trip")
    await user.send("15.11.2026")
    sent = await user.send("16.11.2026")
    assert "overlaps" in sent[0].text
    await user.send("/cancel")
    await open_guide(app, user, "en", "stay")
    sent = await user.press("Remove the last trip")
    assert "No trips recorded yet" in sent[-1].text


@pytest.mark.parametrize("lang", LANGS)
async def test_permit_tax_dates_and_renewal_in_one_step(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "permit")
    await user.press(translated(app, lang, "🆕 New permit"))
    await user.press(translated(app, lang, "Today"))
    sent = await user.press("3")
    screen = sent[-1].text
    assert f"{format_decimal(51900, locale=lang)} ₸" in screen
    assert f"{format_decimal(4325, locale=lang)} ₸" in screen
    assert long_day(date(2027, 2, 20), lang) in screen
    assert len(visible(screen)) <= 1500
    permit = (await deadlines(app, user.user_id))["permit"]
    assert permit.due_on == date(2027, 2, 20)
    await user.press(translated(app, lang, "🔄 I renewed it"))
    await user.press("1")
    renewed = (await deadlines(app, user.user_id))["permit"]
    assert (renewed.id, renewed.due_on) == (permit.id, date(2027, 3, 20))  # replaced, not added
    documents = await user.press(translated(app, lang, "📄 Documents and how to apply"))
    pilot = (long_day(date(2025, 12, 21), lang), long_day(date(2026, 5, 31), lang))
    assert all(day in documents[-1].text for day in pilot)  # a pilot that ended, not "online only"
    assert "hr.enbek.kz" in documents[-1].text


async def test_permit_months_typed_or_wrong(app, chat):
    user = await migrant(chat())
    await open_guide(app, user, "en", "permit")
    await user.press("Renewal")
    await user.send("01.12.2026")
    sent = await user.send("13")
    assert "from 1 to 12" in sent[0].text
    sent = await user.send("12")
    assert long_day(date(2027, 11, 30), "en") in sent[-1].text


@pytest.mark.parametrize(
    ("citizenship", "fragment"),
    [("RU", "need no work permit"), ("CN", "Not confirmed"), ("TJ", "New permit")],
)
async def test_permit_route_depends_on_citizenship(app, chat, citizenship, fragment):
    user = await migrant(chat(), "en", citizenship)
    sent = await open_guide(app, user, "en", "permit")
    assert fragment in sent[-1].text + " ".join(labels(sent[-1]))


@pytest.mark.parametrize("lang", LANGS)
async def test_insurance_policy_gap_and_reminders(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    sent = await open_guide(app, user, lang, "insurance")
    assert "2026" in sent[-1].text and "2023" in sent[-1].text  # planned, and since 2023
    await user.press(translated(app, lang, "📝 Record my policy"))
    await user.send("Halyk <Life>")
    await user.send("01.11.2026")
    await user.send("30.04.2027")
    await user.press(translated(app, lang, "Yes"))
    sent = await user.send("30.06.2027")
    screen = sent[-1].text
    assert "Halyk &lt;Life&gt;" in screen and "61" in screen
    policy = (await deadlines(app, user.user_id))["insurance"]
    assert (policy.due_on, policy.payload["repatriation"]) == (date(2027, 4, 30), True)


async def test_text_where_a_button_is_expected_in_a_guide(app, chat):
    user = await migrant(chat())
    await open_guide(app, user, "en", "insurance")
    await user.press("Record my policy")
    await user.send("Kompetenz")
    await user.send("today")
    await user.send("01.01.2027")
    sent = await user.send("perhaps")  # names none of the buttons
    assert sent[0].text.startswith("“perhaps” is not one of the answers here")
    assert "Yes" in labels(sent[1])
    sent = await user.send("yes please")  # a yes typed answers it as the button does
    assert sent[-1].text.startswith("Until when do you plan to stay in Kazakhstan?")


async def test_a_stale_remind_button_after_the_last_day_shows_the_picture(app, chat):
    user = await migrant(chat(), "en", "RU")
    await open_guide(app, user, "en", "stay")
    await user.press("Add a trip")
    await user.send("01.08.2026")
    await user.press("still in Kazakhstan")  # 113 days: over the limit already
    sent = await user.press_data("stay:remind", user.last_with_buttons())
    assert "over the limit" in sent[-1].text
    assert "stay_limit" not in await deadlines(app, user.user_id)


async def test_profile_counts_what_the_guides_keep(app, chat):
    user = await migrant(chat())
    await open_guide(app, user, "en", "stay")
    await user.press("Add a trip")
    await user.send("10.11.2026")
    await user.press("still in Kazakhstan")
    await app.reminders.schedule(
        user.user_id, "personal", date(2026, 12, 21), PersonalRecord(title=""), "p:1"
    )
    [sent] = await user.send("/profile")
    assert "Deadlines you asked me to watch: 1 (/reminders); trips recorded: 1." in sent.text


async def test_a_forged_month_or_an_inaccessible_message_gets_a_fresh_calendar(app, chat):
    user = await migrant(chat())
    await open_guide(app, user, "en", "registration")
    question = user.last_with_buttons()
    for forged in ("day:m2026-13", "day:mxx", "day:m99999-01", "day:m9999-12", "day:m0001-01"):
        sent = await user.press_data(forged, question)
        answers = [s for s in sent if s.name == "answerCallbackQuery"]
        assert len(answers) == 1, forged
        assert "out of date" in answers[0].method.text, forged
        assert "November 2026" in [label for label, _ in user.buttons()], forged
    sent = await user.press_data("day:m2026-10")  # no message: it was too old to be sent
    assert "When did you cross the border" in sent[-1].text
    assert "October 2026" in [label for label, _ in user.buttons()]


async def us_citizen(user: Conversation, lang: str = "en") -> Conversation:
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    await user.press("🌍")
    await user.press("🔎")
    await user.send(country_name("US", lang))
    await user.press(country_name("US", lang))
    return user


async def test_days_left_are_the_smaller_of_the_window_and_the_entry(app, chat):
    # a US citizen (30 days per entry) entered 10.11.2026; today is 21.11.2026
    user = await us_citizen(chat())
    await open_guide(app, user, "en", "stay")
    await user.press("Add a trip")
    await user.send("10.11.2026")
    sent = await user.press("still in Kazakhstan")
    screen = sent[-1].text
    assert "<b>12</b> days used, <b>18</b> left" in screen  # not 78: the entry ends 9.12
    assert long_day(date(2026, 12, 9), "en") in screen
    # when the 90 days come back: both leaving today and leaving on the last allowed day
    assert long_day(date(2027, 5, 20), "en") in screen  # 21.11 + 180
    assert long_day(date(2027, 6, 7), "en") in screen  # 9.12 + 180


@pytest.mark.parametrize("lang", LANGS)
async def test_an_overstayed_entry_shows_the_last_lawful_day_and_article_517(
    app, chat, clock, lang
):
    clock.set(datetime(2026, 11, 29, 6, tzinfo=UTC))
    user = await us_citizen(chat(lang=lang), lang)
    await open_guide(app, user, lang, "stay")
    await user.press(translated(app, lang, "➕ Add a trip"))
    await user.send("20.10.2026")
    sent = await user.press(translated(app, lang, "🇰🇿 I am still in Kazakhstan"))
    screen = sent[-1].text
    assert long_day(date(2026, 11, 18), lang) in screen  # the last lawful day
    assert ": 11 " in screen and "517" in screen  # 11 days over, the article
    assert "<b>49</b>" not in screen  # the 90/180 figure is not offered as days left
    assert translated(app, lang, "⏰ Remind me before my last day") not in labels(sent[-1])


async def test_overstay_bands_on_the_screen(app, chat, clock):
    user = await us_citizen(chat())
    await open_guide(app, user, "en", "stay")
    await user.press("Add a trip")
    await user.send("20.10.2026")  # last lawful day 18.11; today 21.11: 3 days over
    sent = await user.press("still in Kazakhstan")
    assert "3 days over" in sent[-1].text and "warning" in sent[-1].text
    clock.set(datetime(2026, 11, 23, 6, tzinfo=UTC))  # 5 days over: 10 MCI of 2026
    sent = await open_guide(app, user, "en", "stay")
    assert "5 days over" in sent[-1].text and "43,250 ₸" in sent[-1].text
    clock.set(datetime(2026, 11, 29, 6, tzinfo=UTC))  # 11 days over
    sent = await open_guide(app, user, "en", "stay")
    screen = sent[-1].text
    assert "11 days over" in screen and "expulsion" in screen and "5-year ban" in screen
    assert "refused entry next time" in screen


@pytest.mark.parametrize("lang", LANGS)
async def test_a_thirty_day_visitor_is_told_to_leave_by_the_day_registration_is_due(
    app, chat, clock, lang
):
    # a US citizen entering 1.8.2026: day 30 of the stay is 30.8, for leaving and registering
    clock.set(datetime(2026, 8, 1, 6, tzinfo=UTC))
    user = await us_citizen(chat(lang=lang), lang)
    await open_guide(app, user, lang, "registration")
    [result] = await user.send("01.08.2026")
    assert result.text.count(long_day(date(2026, 8, 30), lang)) == 2  # leave by, register by
    assert long_day(date(2026, 8, 31), lang) not in result.text  # no other "30th day"
    assert not re.search(r"\d+(th|-й|-күні)", visible(result.text))  # no ordinal to misread
    assert result.text.count(translated(app, lang, DAY_ONE)) == 1
    assert translated(app, lang, "📝 How registration works") in labels(result)
    assert len(visible(result.text)) <= 1500


@pytest.mark.parametrize("lang", LANGS)
async def test_a_thirty_day_visitor_is_reminded_of_the_leaving_day(app, chat, lang):
    user = await us_citizen(chat(lang=lang), lang)
    await open_guide(app, user, lang, "registration")
    [result] = await user.send("15.11.2026")  # day 30: 14 December
    assert long_day(date(2026, 12, 14), lang) in result.text
    assert long_day(date(2026, 12, 15), lang) not in result.text
    await user.press(translated(app, lang, "⏰ Remind me"))
    saved = await deadlines(app, user.user_id)
    assert "registration" not in saved
    assert (saved["stay_limit"].kind, saved["stay_limit"].due_on) == (
        "stay_limit",
        date(2026, 12, 14),
    )


async def test_self_registration_scope_and_who_is_fined_are_said(app, chat):
    user = await migrant(chat(), "en", "CN")  # China: not in the rule's categories
    await open_guide(app, user, "en", "registration")
    [result] = await user.send("10.11.2026")
    assert "Your citizenship (China) is not in my data" in result.text
    assert "the general visa-free limit is 30 days" in result.text  # not stated as China's
    assert "not confirmed: what happens to a foreigner" in result.text
    assert "art. 518" not in result.text  # the host's fine ended on 1 July 2026
    user = await migrant(chat(user_id=101), "en", "UZ")  # covered: no such warning
    await open_guide(app, user, "en", "registration")
    [result] = await user.send("10.11.2026")
    assert "is not in my data" not in result.text


@pytest.mark.parametrize("lang", LANGS)
async def test_a_permit_across_new_year_takes_each_month_at_its_years_mci(app, chat, clock, lang):
    """The facts review's case: from 15 Dec 2025 for 3 months is one month at the 2025 MCI
    and two at the 2026 MCI, 50,328 ₸, not 3 months at one year's MCI (47,184 ₸)."""
    clock.set(datetime(2026, 1, 10, 6, tzinfo=UTC))  # while that permit runs
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "permit")
    await user.press(translated(app, lang, "🆕 New permit"))
    await user.send("15.12.2025")
    screen = (await user.press("3"))[-1].text
    for amount in (50_328, 15_728, 34_600, 3_932, 4_325):
        assert f"{format_decimal(amount, locale=lang)} ₸" in screen, amount
    assert f"{format_decimal(47_184, locale=lang)} ₸" not in screen
    assert "2025" in screen and "2026" in screen


async def test_permit_renewal_uses_the_mci_of_the_payment_year(app, chat):
    user = await migrant(chat())
    await open_guide(app, user, "en", "permit")
    await user.press("New permit")
    await user.press("Today")
    sent = await user.press("3")  # 21.11.2026 – 20.02.2027: renewal paid in 2027
    screen = sent[-1].text
    assert "17,300 ₸ a month at the MCI of 2026" in screen
    assert "The MCI for 2027 is not in my data yet" in screen and "may change" in screen
    assert "25 MCI or expulsion" in screen


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("citizenship", ["KG", "UZ"])
async def test_registration_is_due_on_day_thirty_counting_the_day_of_entry(
    app, chat, clock, lang, citizenship
):
    clock.set(datetime(2026, 8, 1, 6, tzinfo=UTC))
    user = await citizen(chat(lang=lang), lang, citizenship)
    await open_guide(app, user, lang, "registration")
    [result] = await user.send("01.08.2026")
    assert long_day(date(2026, 8, 30), lang) in result.text  # 1 August is day 1
    assert long_day(date(2026, 8, 31), lang) not in result.text
    assert result.text.count(translated(app, lang, DAY_ONE)) == 1  # said once
    assert result.text.count("1414") == 1  # only the source line sends there
    await user.press(translated(app, lang, "⏰ Remind me"))
    saved = (await deadlines(app, user.user_id))["registration"]
    assert saved.due_on == date(2026, 8, 30)


@pytest.mark.parametrize("lang", LANGS)
async def test_the_uzbek_thirty_days_without_registration_count_the_day_of_entry(
    app, chat, clock, lang
):
    clock.set(datetime(2026, 7, 1, 6, tzinfo=UTC))
    user = await migrant(chat(lang=lang), lang, "UZ")
    await open_guide(app, user, lang, "registration")
    [result] = await user.send("26.06.2026")  # before the new rules: day 30 is 25 July
    assert long_day(date(2026, 7, 25), lang) in result.text
    assert long_day(date(2026, 7, 26), lang) not in result.text
    assert translated(app, lang, DAY_ONE) in result.text
    assert translated(app, lang, STEPS) not in labels(result)  # the steps are the new rules'


@pytest.mark.parametrize("lang", LANGS)
async def test_the_registration_steps_come_as_their_own_message(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "registration")
    [screen] = await user.send("10.11.2026")
    assert "3." not in screen.text  # the steps are not on the deadline screen
    sent = await user.press(translated(app, lang, STEPS))
    [steps] = [s for s in sent if s.text]
    assert steps.name == "sendMessage"  # the deadline screen stays above it
    assert "1." in steps.text and "3." in steps.text and "egov.kz" in steps.text
    assert steps.text.count("1414") == 1


async def citizen(user: Conversation, lang: str, code: str) -> Conversation:
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    await user.press("🌍")
    await user.press("🔎")
    await user.send(country_name(code, lang))
    await user.press(country_name(code, lang))
    return user


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("code", ["UZ", "US", "KG", "CN"])
async def test_registration_and_stay_screens_fit_one_message(app, chat, lang, code):
    # a 90-day, a 30-day-per-entry, an EAEU and an unknown citizenship (the limit)
    user = await citizen(chat(lang=lang), lang, code)
    await open_guide(app, user, lang, "registration")
    shown = await user.send("10.11.2026")
    screen = user.last_with_buttons()
    shown += await user.press(translated(app, lang, STEPS))
    await user.press(translated(app, lang, "🏠 I moved to a new address"), screen)
    shown += await user.send("20.11.2026")
    await open_guide(app, user, lang, "stay")
    await user.press(translated(app, lang, "➕ Add a trip"))
    await user.send("10.11.2026")
    shown += await user.press(translated(app, lang, "🇰🇿 I am still in Kazakhstan"))
    texts = [s.text for s in shown if s.text]
    assert len(texts) >= 4
    for text in texts:
        assert len(visible(text)) <= 1500, (len(visible(text)), text[:80])
        assert text.count("1414") <= 1, text[:80]


@pytest.mark.parametrize("lang", LANGS)
async def test_days_left_agree_with_the_last_allowed_day(app, chat, clock, lang):
    # the facts review's case: a US citizen with three earlier trips enters on 1 July 2026;
    # old days leave the window as new ones come, so the 30-day entry is the limit
    clock.set(datetime(2026, 7, 1, 6, tzinfo=UTC))
    user = await us_citizen(chat(lang=lang), lang)
    await open_guide(app, user, lang, "stay")
    for entered, left in [("01.01.2026", "30.01.2026"), ("10.02.2026", "11.03.2026")]:
        await user.press(translated(app, lang, "➕ Add a trip"))
        await user.send(entered)
        await user.send(left)
    await user.press(translated(app, lang, "➕ Add a trip"))
    await user.send("20.03.2026")
    await user.send("18.04.2026")
    await user.press(translated(app, lang, "➕ Add a trip"))
    await user.send("01.07.2026")
    sent = await user.press(translated(app, lang, "🇰🇿 I am still in Kazakhstan"))
    screen = sent[-1].text
    assert "<b>89</b>" in screen and "<b>29</b>" in screen  # 29 days after today
    assert long_day(date(2026, 7, 30), lang) in screen  # 1 July + 29
    assert "<b>1</b>" not in screen


@pytest.mark.parametrize("lang", LANGS)
async def test_still_in_kazakhstan_can_be_typed(app, chat, lang):
    user = await migrant(chat(lang=lang), lang)
    await open_guide(app, user, lang, "stay")
    await user.press(translated(app, lang, "➕ Add a trip"))
    await user.send("10.11.2026")
    label = translated(app, lang, "🇰🇿 I am still in Kazakhstan")
    sent = await user.send(label.replace("🇰🇿", "").strip().lower())
    screen = sent[-1].text
    assert "<b>12</b>" in screen  # 10.11 to today, 21.11
    assert translated(app, lang, "➕ Add a trip") in labels(sent[-1])


@pytest.mark.parametrize(
    ("lang", "question", "phrase"),
    [
        ("en", "how many days do i have to register", "the guide checks yours"),
        ("ru", "сколько дней на регистрацию", "раздел проверит ваше"),
        ("kk", "тіркелу үшін қанша күн бар", "нұсқаулық соны тексереді"),
        ("en", "how long can I stay in kazakhstan", "the guide checks yours"),
        ("ru", "сколько можно находиться в казахстане", "раздел проверит ваше"),
        ("kk", "Қазақстанда қанша күн болуға болады?", "нұсқаулық азаматтығыңызды тексереді"),
    ],
)
async def test_typed_registration_and_stay_answers_say_the_guide_checks_citizenship(
    app, chat, lang, question, phrase
):
    user = await migrant(chat(lang=lang), lang)
    sent = await user.send(question)
    assert any(phrase in s.text for s in sent), [s.text[:200] for s in sent]


@pytest.mark.parametrize("lang", LANGS)
async def test_away_the_days_left_are_those_of_an_entry_today(app, chat, clock, lang):
    clock.set(datetime(2026, 7, 1, 6, tzinfo=UTC))
    user = await migrant(chat(lang=lang), lang)  # Uzbekistan: 90 in 180, no per-entry cap
    await open_guide(app, user, lang, "stay")
    await user.press(translated(app, lang, "➕ Add a trip"))
    await user.send("03.01.2026")
    sent = await user.send("01.04.2026")  # 89 days from the window's first day
    screen = sent[-1].text
    assert "<b>89</b>" in screen and "<b>90</b>" in screen  # each new day pushes one out
    assert "<b>1</b>" not in screen


async def test_english_sentences_give_country_names_their_article(app, chat):
    user = await migrant(chat())
    await app.users.save(user.user_id, citizenship="US")
    sent = await open_guide(app, user, "en", "permit")
    assert "Citizens of the United States work with a permit" in sent[-1].text
