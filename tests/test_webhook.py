"""Webhook requests, the inbox (nothing lost, nothing handled twice), /healthz and /metrics.

The web app is served on loopback by aiohttp's test server and fed real Update JSON; what the
user sees comes from the in-process Bot API stand-in.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import App
from bot.services.inbox import Intake
from bot.web import WebhookHandler, build_web_app
from storage.db import Transactions, create_engine
from storage.models import InboxUpdate

SECRET = "s3cret_token-42"
PATH = "/telegram/hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def start_update(update_id: int, user_id: int = 42, text: str = "/start") -> dict:
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "text": text,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "A", "language_code": "kk"},
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


@pytest.fixture
async def web(app: App, bot):
    intake = Intake(app.dispatcher, bot, app.inbox, app.writer)
    handler = WebhookHandler(app.dispatcher, bot, intake, SECRET)
    checks = {"database": app.database_alive}
    client = TestClient(TestServer(build_web_app(checks, app.count_queues, (PATH, handler))))
    await client.start_server()
    client.intake = intake  # type: ignore[attr-defined]
    yield client
    await client.close()
    await intake.stop()


def replies(bot) -> list:
    return [sent for sent in bot.session.requests if sent.name == "sendMessage"]


async def inbox_rows(app: App) -> list:
    async with app.engine.connect() as connection:
        return list(await connection.execute(select(InboxUpdate.__table__)))


@pytest.mark.parametrize("headers", [{}, {HEADER: "wrong"}, {HEADER: SECRET + "x"}, {HEADER: "é"}])
async def test_a_request_without_the_secret_never_reaches_the_handlers(web, app, bot, headers):
    response = await web.post(PATH, json=start_update(1), headers=headers)
    assert response.status == 401
    await web.intake.idle()
    assert replies(bot) == []
    assert await inbox_rows(app) == []


async def test_an_update_is_answered_once_even_when_telegram_sends_it_again(web, app, bot):
    response = await web.post(PATH, json=start_update(10), headers={HEADER: SECRET})
    assert response.status == 200
    await web.intake.idle()
    [reply] = replies(bot)
    assert "Тілді таңдаңыз" in reply.text  # the user's app speaks Kazakh

    again = await web.post(PATH, json=start_update(10), headers={HEADER: SECRET})
    assert again.status == 200  # Telegram must stop sending it
    await web.intake.idle()
    assert len(replies(bot)) == 1

    await app.inbox.close()  # the handled mark is written
    [row] = await inbox_rows(app)
    assert row.update_id == 10 and row.handled_at is not None
    assert row.payload is None  # what the user wrote does not stay


async def test_concurrent_requests_share_one_write_and_are_all_answered(web, app, bot):
    updates = [start_update(100 + n, user_id=1000 + n) for n in range(30)]
    responses = await asyncio.gather(
        *(web.post(PATH, json=update, headers={HEADER: SECRET}) for update in updates)
    )
    assert [r.status for r in responses] == [200] * 30
    await web.intake.idle()
    assert sorted(r.chat_id for r in replies(bot)) == list(range(1000, 1030))


async def test_a_request_that_is_not_an_update_is_refused(web, bot):
    for body in ("<html>", json.dumps({"hello": 1}), ""):
        response = await web.post(PATH, data=body, headers={HEADER: SECRET})
        assert response.status == 400
    assert replies(bot) == []


async def test_when_the_database_is_down_telegram_is_told_to_send_again(web, app, bot, tmp_path):
    pytest.importorskip("asyncpg", reason="a database that is down is a PostgreSQL URL here")
    working, down = app.inbox.transactions, create_engine("postgresql+asyncpg://x:y@127.0.0.1:9/n")
    app.inbox.transactions = Transactions(down)
    try:
        response = await web.post(PATH, json=start_update(20), headers={HEADER: SECRET})
        assert response.status == 503
        assert replies(bot) == []
    finally:
        await down.dispose()
        app.inbox.transactions = working
    response = await web.post(PATH, json=start_update(20), headers={HEADER: SECRET})
    assert response.status == 200  # sent again: handled now
    await web.intake.idle()
    assert len(replies(bot)) == 1


async def test_healthz_says_503_when_the_database_is_down(web, app):
    pytest.importorskip("asyncpg", reason="a database that is down is a PostgreSQL URL here")
    response = await web.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok"}
    working = app.engine
    app.engine = create_engine("postgresql+asyncpg://x:y@127.0.0.1:9/none")
    try:
        response = await web.get("/healthz")
        assert response.status == 503
        assert await response.json() == {"status": "down", "database": "down"}
    finally:
        await app.engine.dispose()
        app.engine = working


async def test_metrics_count_updates_and_read_the_queues(web, app, bot):
    await web.post(PATH, json=start_update(30, user_id=77), headers={HEADER: SECRET})
    await web.intake.idle()
    response = await web.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    assert 'joldas_updates_total{type="message"}' in text
    assert "joldas_update_seconds_bucket" in text
    assert 'joldas_inbox_updates_total{outcome="accepted"}' in text
    for queue in ("reminders_due", "broadcast_messages", "inbox_unhandled"):
        assert f'joldas_queue_depth{{queue="{queue}"}}' in text


async def test_an_update_accepted_by_a_crashed_instance_is_replayed_once(app, bot, settings, clock):
    """The process died after the 200 (or after the polled batch was written) and before
    the handler ran: the update waits in the inbox under an instance that no longer beats."""
    from bot.app import create_app
    from bot.runner import Delivery
    from bot.services.reminders import RUNNING

    crashed = await create_app(settings, clock=clock)
    await crashed.reminders.heartbeat()
    await crashed.inbox.accept([(50, 42, json.dumps(start_update(50)))])  # accepted, never handled
    RUNNING.pop(crashed.reminders.instance_id)  # the process is gone (same machine: at once)
    await crashed.engine.dispose()

    await app.reminders.heartbeat()
    intake = Intake(app.dispatcher, bot, app.inbox, app.writer)
    delivery = Delivery(app, bot, intake=intake)
    await delivery._replay()
    await intake.idle()
    [reply] = replies(bot)
    assert reply.chat_id == 42
    await delivery._replay()  # nothing twice
    await intake.idle()
    assert len(replies(bot)) == 1
    await intake.stop()
    async with app.engine.connect() as connection:
        waiting = await connection.scalar(
            select(func.count()).select_from(InboxUpdate).where(InboxUpdate.handled_at.is_(None))
        )
    assert waiting == 0


async def test_an_update_of_a_live_instance_is_not_taken_from_it(app, bot, settings, clock):
    from bot.app import create_app

    other = await create_app(settings, clock=clock)
    try:
        await other.reminders.heartbeat()
        await other.inbox.accept([(60, 42, json.dumps(start_update(60)))])  # it is handling it
        intake = Intake(app.dispatcher, bot, app.inbox, app.writer)
        assert await intake.replay() == 0
        assert replies(bot) == []
    finally:
        await other.reminders.stop()
        await other.close()


async def test_metrics_count_reminders_and_429s(app, bot, clock):
    from datetime import UTC, date, datetime

    from bot.metrics import FLOOD_WAITS, REMINDERS
    from storage.records import PersonalRecord

    sent, floods = REMINDERS.labels("sent")._value.get(), FLOOD_WAITS._value.get()
    await app.users.save(5, locale="en")
    await app.reminders.schedule(5, "personal", date(2026, 12, 21), PersonalRecord(title="x"), "k")
    bot.session.fail_next(429, retry_after=1, method="sendMessage")  # wait a second, once
    clock.set(datetime(2026, 12, 14, 5, tzinfo=UTC))  # 7 days before, 10:00 in Almaty
    report = await app.reminders.tick(bot)
    assert report.sent == 1
    assert REMINDERS.labels("sent")._value.get() == sent + 1
    assert FLOOD_WAITS._value.get() == floods + 1


async def test_healthz_names_what_is_down_and_metrics_survive_a_failed_count():
    async def fine() -> None:
        return None

    async def refused() -> None:
        raise ConnectionRefusedError("redis: connection refused")

    async def hangs() -> None:
        await asyncio.sleep(3600)

    import bot.web

    bot.web.HEALTH_TIMEOUT, saved = 0.1, bot.web.HEALTH_TIMEOUT
    client = TestClient(TestServer(build_web_app({"database": fine, "redis": refused}, hangs)))
    await client.start_server()
    try:
        response = await client.get("/healthz")
        assert response.status == 503
        assert await response.json() == {"status": "down", "database": "ok", "redis": "down"}
        response = await client.get("/metrics")  # the queue count hung: counters still shown
        assert response.status == 200 and "joldas_updates_total" in await response.text()
        assert (await client.post("/telegram/hook", json={})).status == 404  # no webhook here
    finally:
        bot.web.HEALTH_TIMEOUT = saved
        await client.close()


async def test_a_users_update_waits_while_an_older_one_is_unhandled_elsewhere(
    app, bot, settings, clock
):
    """Another instance (alive) took the user's /start and has not handled it yet: this
    instance takes their /help but handles it only after that /start is handled."""
    from aiogram.types import Update

    from bot.app import create_app

    other = await create_app(settings, clock=clock)
    try:
        await other.reminders.heartbeat()
        await other.inbox.accept([(70, 42, json.dumps(start_update(70)))])
        await app.reminders.heartbeat()
        intake = Intake(app.dispatcher, bot, app.inbox, app.writer)
        help_ = start_update(71, text="/help")
        assert await intake.take([Update.model_validate(help_, context={"bot": bot})]) == 1
        await intake.idle()
        assert replies(bot) == []  # held: the /start comes first
        await intake.release_held()
        await intake.idle()
        assert replies(bot) == []  # still unhandled over there

        other_intake = Intake(other.dispatcher, bot, other.inbox, other.writer)
        started = Update.model_validate(start_update(70), context={"bot": bot})
        other_intake._start(started)  # the other instance handles its update
        await other_intake.idle()
        await other.writer.barrier()  # and commits it
        await intake.release_held()
        await intake.idle()
        first, second = [reply.text for reply in replies(bot)]
        assert "Тілді таңдаңыз" in first and "/profile" in second
        await intake.stop()
        await other_intake.stop()
    finally:
        await other.reminders.stop()
        await other.close()


async def test_a_replay_does_not_repeat_a_transaction_committed_before_the_crash(
    app, bot, settings, clock
):
    """The run that died had pressed "Remove the last trip" for the user and committed it
    (the inbox counts it), but not its mark: the replay removes no second trip."""
    from datetime import date

    from sqlalchemy import update

    from bot.app import create_app
    from bot.runner import Delivery
    from bot.services.reminders import RUNNING
    from handlers.views.callbacks import StayAction, StayCb

    await app.users.save(42, locale="en", role="migrant", citizenship="UZ")
    await app.writer.barrier()
    trips = app.dispatcher["trips"]
    await trips.add(42, date(2026, 6, 1), date(2026, 6, 10))
    press = {
        "update_id": 80,
        "callback_query": {
            "id": "q80",
            "from": {"id": 42, "is_bot": False, "first_name": "A", "language_code": "en"},
            "chat_instance": "ci",
            "data": StayCb(action=StayAction.remove).pack(),
            "message": {
                "message_id": 5,
                "date": int(time.time()),
                "chat": {"id": 42, "type": "private"},
                "text": "…",
            },
        },
    }
    crashed = await create_app(settings, clock=clock)
    await crashed.reminders.heartbeat()
    await crashed.inbox.accept([(80, 42, json.dumps(press))])
    async with app.engine.begin() as connection:  # what the dead run did and committed
        await connection.execute(update(InboxUpdate).values(effects=1))
    RUNNING.pop(crashed.reminders.instance_id)
    await crashed.engine.dispose()

    await app.reminders.heartbeat()
    intake = Intake(app.dispatcher, bot, app.inbox, app.writer)
    await Delivery(app, bot, intake=intake)._replay()
    await intake.idle()
    await app.writer.barrier()  # its mark is committed
    assert await trips.of(42) == [(date(2026, 6, 1), date(2026, 6, 10))]  # still there
    [row] = await inbox_rows(app)
    assert row.handled_at is not None and row.effects == 1
    await intake.stop()
