"""Reminders end to end: ladders, delivery, restarts, Telegram errors, the user's screens."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from babel.dates import format_date
from icalendar import Calendar
from sqlalchemy import func, select

from bot.app import build_bot, create_app
from bot.simulator import Conversation, LocalSession
from storage.models import Deadline, Reminder
from storage.records import EmptyRecord, PersonalRecord
from tests.conftest import FakeClock, translated

LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
REMINDER = "⏰ Reminder: <b>{title}</b>\nDeadline: {day} ({when})."
DEADLINE = date(2026, 12, 21)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def onboard(user: Conversation, lang: str = "en", abroad: str | None = None):
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    if abroad:
        await user.press("✈️")
        await user.press(abroad)
    else:
        await user.press("🏡")
    return user


async def schedule(
    app, user_id: int, key: str = "personal:1", title: str = "Renew insurance", due: date = DEADLINE
) -> int:
    return await app.reminders.schedule(user_id, "personal", due, PersonalRecord(title=title), key)


async def statuses(app, user_id: int) -> list[tuple[str, str]]:
    async with app.sessionmaker() as session:
        rows = await session.execute(
            select(Reminder.step, Reminder.status)
            .where(Reminder.user_id == user_id)
            .order_by(Reminder.due_at)
        )
    return [tuple(row) for row in rows]


def labels_of(sent) -> list[str]:
    return [label for label, _ in sent.buttons]


def messages(bot, user_id: int) -> list:
    return [s for s in bot.session.requests if s.name == "sendMessage" and s.chat_id == user_id]


async def test_a_deadline_gets_a_ladder_and_rescheduling_replaces_it(app, chat):
    user = await onboard(chat())
    await schedule(app, user.user_id)
    await schedule(app, user.user_id, due=date(2026, 12, 25))  # same key: replaced
    async with app.sessionmaker() as session:
        due = list(await session.scalars(select(Reminder.due_at).order_by(Reminder.due_at)))
        deadlines = await session.scalar(select(func.count()).select_from(Deadline))
    assert deadlines == 1
    assert due == [
        utc(2026, 12, 18, 5),
        utc(2026, 12, 22, 5),
        utc(2026, 12, 24, 5),
        utc(2026, 12, 25, 5),
    ]
    assert await app.reminders.cancel(user.user_id, "personal:1")
    assert await statuses(app, user.user_id) == []


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_due_reminder_is_sent_once_in_the_users_language(app, bot, chat, clock, lang):
    user = await onboard(chat(lang=lang), lang)
    await schedule(app, user.user_id)
    clock.set(utc(2026, 12, 14, 5))  # 7 days before, 10:00 in Almaty
    report = await app.reminders.tick(bot)
    assert (report.claimed, report.sent) == (1, 1)
    [sent] = messages(bot, user.user_id)[-1:]
    day = format_date(DEADLINE, "long", locale=lang)  # Babel's own spaces (narrow, no-break)
    assert "21" in day and "2026" in day
    when = app.i18n.gettext("in {n} day", "in {n} days", 7, locale=lang).format(n=7)
    assert sent.text == translated(app, lang, REMINDER).format(
        title="Renew insurance", day=day, when=when
    )
    assert [label for label, _ in sent.buttons] == [
        translated(app, lang, "✅ Done"),
        translated(app, lang, "⏰ Remind me tomorrow"),
    ]
    assert (await app.reminders.tick(bot)).claimed == 0  # never twice
    assert await statuses(app, user.user_id) == [
        ("7d", "sent"),
        ("3d", "pending"),
        ("1d", "pending"),
        ("0d", "pending"),
    ]


async def test_quiet_hours_hold_a_late_reminder_until_nine_in_seoul(app, bot, chat, clock):
    user = await onboard(chat(), abroad="South Korea")
    await schedule(app, user.user_id)
    clock.set(utc(2026, 12, 14, 14))  # the bot was down; it is now 23:00 in Seoul
    report = await app.reminders.tick(bot)
    assert (report.sent, report.rescheduled) == (0, 1)
    async with app.sessionmaker() as session:
        moved = await session.scalar(select(Reminder.due_at).where(Reminder.step == "7d"))
    assert moved == utc(2026, 12, 15, 0)  # 09:00 KST
    clock.set(utc(2026, 12, 15, 0))
    assert (await app.reminders.tick(bot)).sent == 1


async def test_quiet_hours_in_almaty(app, bot, chat, clock):
    user = await onboard(chat())
    await schedule(app, user.user_id)
    clock.set(utc(2026, 12, 14, 22))  # 03:00 in Almaty
    assert (await app.reminders.tick(bot)).sent == 0
    clock.set(utc(2026, 12, 15, 4))  # 09:00
    assert (await app.reminders.tick(bot)).sent == 1


async def test_after_downtime_only_the_latest_due_step_is_sent(settings, bot, clock):
    first = await create_app(settings, clock=clock)
    user = await onboard(Conversation(first.dispatcher, bot, user_id=9))
    await schedule(first, 9)
    await first.close()
    clock.set(utc(2026, 12, 19, 6))  # down over the 7-day and 3-day steps
    second = await create_app(settings, clock=clock)  # restart
    try:
        report = await second.reminders.tick(bot)
        assert (report.claimed, report.sent, report.skipped) == (2, 1, 1)
        assert await statuses(second, user.user_id) == [
            ("7d", "skipped"),
            ("3d", "sent"),
            ("1d", "pending"),
            ("0d", "pending"),
        ]
    finally:
        await second.close()


async def test_reminders_made_pointless_by_time_are_skipped(app, bot, chat, clock):
    user = await onboard(chat())
    await schedule(app, user.user_id)
    clock.set(utc(2026, 12, 22, 6))  # the deadline is over
    report = await app.reminders.tick(bot)
    assert report.sent == 0
    assert {status for _, status in await statuses(app, user.user_id)} == {"skipped"}
    assert not [s for s in messages(bot, user.user_id) if "Renew insurance" in s.text]


async def test_a_crashed_claim_is_sent_after_the_lease_not_twice(app, bot, chat, clock):
    user = await onboard(chat())
    await schedule(app, user.user_id)
    clock.set(utc(2026, 12, 14, 5))
    from storage.repositories.reminders import ReminderRepository

    async with app.sessionmaker() as session, session.begin():  # claimed, then the process died
        assert len(await ReminderRepository(session).claim(clock.now(), 10)) == 1
    assert (await app.reminders.tick(bot)).sent == 0  # still held by the dead claim
    clock.advance(minutes=6)
    assert (await app.reminders.tick(bot)).sent == 1
    assert (await app.reminders.tick(bot)).sent == 0


async def test_flood_limits_are_waited_or_rescheduled(app, bot, chat, clock, sleeps):
    user = await onboard(chat())
    await schedule(app, user.user_id)
    clock.set(utc(2026, 12, 14, 5))
    bot.session.fail_next(429, "Too Many Requests", retry_after=5, method="sendMessage")
    assert (await app.reminders.tick(bot)).sent == 1
    assert sleeps == [5]  # waited, then delivered

    clock.set(utc(2026, 12, 18, 5))
    bot.session.fail_next(429, "Too Many Requests", retry_after=120, method="sendMessage")
    report = await app.reminders.tick(bot)
    assert (report.sent, report.rescheduled, report.failed) == (0, 1, 0)
    clock.advance(seconds=121)
    assert (await app.reminders.tick(bot)).sent == 1


async def test_a_user_who_blocked_the_bot_gets_no_more_reminders(app, bot, chat, clock):
    user = await onboard(chat())
    await schedule(app, user.user_id)
    await schedule(app, user.user_id, key="personal:2", due=date(2027, 1, 15))
    clock.set(utc(2026, 12, 14, 5))
    bot.session.fail_next(403, "Forbidden: bot was blocked by the user", method="sendMessage")
    await app.reminders.tick(bot)
    assert (await app.users.get(user.user_id)).is_active is False
    assert {status for _, status in await statuses(app, user.user_id)} == {"cancelled"}
    clock.set(utc(2027, 1, 15, 5))
    assert (await app.reminders.tick(bot)).claimed == 0


async def test_other_errors_back_off_then_give_up_with_the_reason(app, bot, chat, clock):
    user = await onboard(chat())
    await schedule(app, user.user_id, due=date(2026, 12, 31))
    clock.set(utc(2026, 12, 24, 5))
    for attempt in range(1, 6):
        bot.session.fail_next(400, "Bad Request: chat not found", method="sendMessage")
        report = await app.reminders.tick(bot)
        assert report.claimed == 1, attempt
        clock.advance(minutes=2**attempt + 1)
    assert report.failed == 1
    async with app.sessionmaker() as session:
        failed = await session.scalar(select(Reminder).where(Reminder.status == "failed"))
    assert failed.attempts == 4 and "chat not found" in failed.last_error


async def test_two_ticks_at_once_never_send_a_reminder_twice(settings, clock):
    apps = [await create_app(settings, clock=clock) for _ in range(2)]
    bots = [build_bot(settings, session=LocalSession()) for _ in apps]
    try:
        for user_id in range(1, 301):
            await apps[0].users.save(user_id, locale="en")
            await schedule(apps[0], user_id)
        await apps[0].writer.barrier()  # profiles are written behind; the other app reads rows
        clock.set(utc(2026, 12, 14, 5))
        reports = await asyncio.gather(
            *(a.reminders.tick(b) for a, b in zip(apps, bots, strict=False))
        )
        sent = [s.chat_id for bot in bots for s in bot.session.requests if s.name == "sendMessage"]
        assert sorted(sent) == list(range(1, 301))
        assert sum(r.claimed for r in reports) == 300
    finally:
        for app in apps:
            await app.close()


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_reminders_screen_snooze_and_switch_off(app, chat, clock, lang):
    user = await onboard(chat(lang=lang), lang)
    [empty] = await user.send("/reminders")
    assert empty.text == translated(
        app,
        lang,
        (
            "⏰ <b>Your reminders</b>\n\nNo deadlines yet. Guides add them when you ask "
            "(for example, your registration deadline), or add your own."
        ),
    )
    await schedule(app, user.user_id, title="Pay the tax")
    await schedule(
        app, user.user_id, key="personal:2", title="Renew <policy>", due=date(2027, 1, 15)
    )
    [screen] = await user.send("/reminders")
    assert screen.text.index("Pay the tax") < screen.text.index("Renew &lt;policy&gt;")
    assert "10:00" in screen.text and "Asia/Almaty" not in screen.text
    assert {"kk": "Алматы", "ru": "Алматы", "en": "Almaty"}[lang] in screen.text
    sent = await user.press("1. Pay the tax")
    assert sent[-1].text.startswith("<b>Pay the tax</b>")
    await user.press(translated(app, lang, "⏰ +1 day"))
    async with app.sessionmaker() as session:
        first = await session.scalar(
            select(Reminder.due_at).where(Reminder.step == "7d").order_by(Reminder.deadline_id)
        )
    assert first == utc(2026, 12, 15, 5)
    sent = await user.press(translated(app, lang, "🔕 Switch off"))
    assert "Pay the tax" not in sent[-1].text and "Renew" in sent[-1].text


async def test_done_and_remind_me_tomorrow_from_the_reminder_message(app, bot, chat, clock):
    user = await onboard(chat())
    await schedule(app, user.user_id)
    clock.set(utc(2026, 12, 14, 5))
    await app.reminders.tick(bot)
    reminder = user.last_with_buttons()
    clock.advance(hours=13)  # 23:00 in Almaty: "tomorrow" means tomorrow, at 09:00
    for _ in range(2):  # a second press moves the same reminder, it adds none
        sent = await user.press("Remind me tomorrow", message=reminder)
    notices = [s.method.text or "" for s in sent if s.name == "answerCallbackQuery"]
    assert any("I will remind you again" in notice for notice in notices)
    async with app.sessionmaker() as session:
        again = list(await session.scalars(select(Reminder.due_at).where(Reminder.step == "again")))
    assert again == [utc(2026, 12, 15, 4)]
    sent = await user.press("Done", message=reminder)
    assert sent[-1].text.startswith("✅ Marked as done.")
    assert {status for _, status in await statuses(app, user.user_id)} <= {"sent", "cancelled"}


async def test_stale_or_foreign_deadline_buttons_are_refused(app, bot, chat):
    owner = await onboard(chat(user_id=1))
    other = await onboard(chat(user_id=2))
    deadline_id = await schedule(app, owner.user_id)
    sent = await other.press_data(f"dl:off:{deadline_id}")
    assert "no longer there" in sent[-1].text
    assert ("0d", "pending") in await statuses(app, owner.user_id)


async def test_calendar_file_has_one_event_per_deadline_with_an_alarm(app, chat):
    user = await onboard(chat())
    await schedule(app, user.user_id, title="Pay the tax")
    await schedule(app, user.user_id, key="personal:2", title="Renew", due=date(2027, 1, 15))
    await user.send("/reminders")
    sent = await user.press("Add to calendar")
    [document] = [s for s in sent if s.name == "sendDocument"]
    assert document.method.document.filename == "joldas-deadlines.ics"
    calendar = Calendar.from_ical(document.method.document.data)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Pay the tax", "Renew"]
    assert events[0].decoded("DTSTART") == DEADLINE
    assert events[0].walk("VALARM")[0]["ACTION"] == "DISPLAY"
    assert calendar["VERSION"] == "2.0"


async def test_adding_my_own_deadline_with_wrong_dates_first(app, chat, clock):
    user = await onboard(chat(lang="ru"), "ru")
    await user.send("/reminders")
    await user.press(translated(app, "ru", "➕ Add my own deadline"))
    await user.send("Продлить <b>полис</b>")
    sent = await user.send("31.02.2027")
    assert sent[0].text == translated(
        app, "ru", "There is no such date: “{text}”. Check the day and the month."
    ).format(text="31.02.2027")
    sent = await user.send("20.11.2026")
    assert "20.11.2026" in sent[0].text and sent[1].buttons  # asked again, with buttons
    sent = await user.send("25.12.2026")
    assert "Продлить &lt;b&gt;полис&lt;/b&gt;" in sent[-1].text
    assert len(await statuses(app, user.user_id)) == 4


async def test_changing_the_time_zone_keeps_reminders_at_ten_local(app, chat):
    user = await onboard(chat(), abroad="South Korea")
    await schedule(app, user.user_id)
    await user.send("/profile")
    await user.press("Change time zone")
    await user.press("Type a city")
    await user.send("Berlin")
    sent = await user.press("Berlin")
    assert "Time zone: Berlin" in sent[-1].text
    async with app.sessionmaker() as session:
        first = await session.scalar(select(Reminder.due_at).order_by(Reminder.due_at))
    assert first == utc(2026, 12, 14, 9)  # 10:00 CET


async def test_deleting_my_data_removes_deadlines_and_reminders(app, chat):
    user = await onboard(chat())
    await schedule(app, user.user_id)
    await user.send("/delete")
    await user.press("Yes, delete everything")
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Reminder)) == 0
        assert await session.scalar(select(func.count()).select_from(Deadline)) == 0


def test_fake_clock_is_what_the_service_reads(clock: FakeClock):
    clock.advance(days=1)
    assert clock.now() == utc(2026, 11, 22, 6)


async def test_rate_limiter_spaces_messages_overall_and_per_chat():
    from bot.services.sender import RateLimiter

    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        now[0] += seconds

    limiter = RateLimiter(per_second=10, per_chat_per_second=1, clock=lambda: now[0], sleep=sleep)
    for chat in (1, 2, 3):
        await limiter.wait(chat)
    await limiter.wait(1)  # the same chat again: a second after its last message
    assert waits == [0.1, 0.1, 0.8]
    off = RateLimiter(0, 0, clock=lambda: now[0], sleep=sleep)
    await off.wait(1)
    await off.wait(1)
    assert len(waits) == 3


async def test_due_steps_split_across_batches_still_send_only_the_latest(settings, bot, clock):
    small = settings.model_copy(update={"reminder_batch": 1})
    app = await create_app(small, clock=clock)
    try:
        await app.users.save(5, locale="en")
        await schedule(app, 5)
        clock.set(utc(2026, 12, 19, 6))  # 7-day and 3-day steps both due
        reports = [await app.reminders.tick(bot) for _ in range(3)]
        assert [r.claimed for r in reports] == [1, 1, 0]
        assert sum(r.sent for r in reports) == 1
        assert await statuses(app, 5) == [
            ("7d", "skipped"),
            ("3d", "sent"),
            ("1d", "pending"),
            ("0d", "pending"),
        ]
    finally:
        await app.close()


async def test_snoozing_past_the_deadline_is_refused_with_a_reason(app, chat, clock):
    user = await onboard(chat())
    await schedule(app, user.user_id, due=date(2026, 11, 22))  # tomorrow
    await user.send("/reminders")
    await user.press("1. Renew insurance")
    sent = await user.press("+1 day")
    [notice] = [s for s in sent if s.name == "answerCallbackQuery"]
    assert notice.method.show_alert and "too close" in notice.method.text
    assert await statuses(app, user.user_id) == [("0d", "pending")]


async def test_a_feature_kind_names_its_guide_and_the_button_opens_it(app, bot, chat, clock):
    user = await onboard(chat(lang="ru"), "ru")
    await app.reminders.schedule(
        user.user_id, "registration", DEADLINE, EmptyRecord(), "registration"
    )
    clock.set(utc(2026, 12, 20, 5))
    await app.reminders.tick(bot)
    [message] = messages(bot, user.user_id)[-1:]
    assert translated(app, "ru", "Register your stay in Kazakhstan") in message.text
    guide = translated(app, "ru", "📖 Open the guide")
    assert guide in [label for label, _ in message.buttons]
    sent = await user.press(guide)  # the guide opens; it needs the citizenship first
    assert translated(app, "ru", "🏳️ Choose my citizenship") in labels_of(sent[-1])
