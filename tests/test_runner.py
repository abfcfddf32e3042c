"""`python -m bot run` against a local Bot API server, and start-up failures."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import text

from bot.__main__ import load_settings
from bot.runner import run
from storage.db import create_engine
from tests.conftest import FakeClock, make_settings

TOKEN = "123456:TEST-token"


class LocalBotApi:
    """A Bot API server on 127.0.0.1 that serves one /start and records the bot's calls."""

    def __init__(self, *, refuse_token: bool = False, failing: set[str] | None = None):
        self.refuse_token = refuse_token
        self.failing = failing or set()
        self.calls: list[tuple[str, dict]] = []
        self.updates = [
            {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "text": "/start",
                    "chat": {"id": 42, "type": "private"},
                    "from": {"id": 42, "is_bot": False, "first_name": "A", "language_code": "kk"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
        ]
        self.replied = asyncio.Event()
        self.webhook: dict = {"url": "", "allowed_updates": None}
        self.gateway_pages = 0  # getUpdates answered with a proxy's HTML page this many times

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = dict(await request.post())
        self.calls.append((method, params))
        if self.refuse_token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        if method in self.failing:
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Oops"}, status=500
            )
        if method == "getMe":
            result = {
                "id": 123456,
                "is_bot": True,
                "first_name": "Joldas",
                "username": "joldas_bot",
            }
        elif method == "getUpdates" and self.gateway_pages:
            self.gateway_pages -= 1
            return web.Response(status=502, text="<html>Bad Gateway</html>")
        elif method == "getUpdates":
            result, self.updates = self.updates, []
            if not result:
                await asyncio.sleep(0.05)
        elif method == "getWebhookInfo":
            result = {"has_custom_certificate": False, "pending_update_count": 0}
            result["url"] = self.webhook["url"]
            if self.webhook["allowed_updates"] is not None:
                result["allowed_updates"] = self.webhook["allowed_updates"]
        elif method == "setWebhook":
            self.webhook = {
                "url": params["url"],
                "allowed_updates": json.loads(params.get("allowed_updates", "null")),
            }
            result = True
        elif method == "deleteWebhook":
            self.webhook = {"url": "", "allowed_updates": None}
            result = True
        elif method == "sendMessage":
            result = {
                "message_id": 2,
                "date": int(time.time()),
                "text": params["text"],
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
            if params["chat_id"] == "42":
                self.replied.set()  # the user's answer, not a staff notice
        else:
            result = True
        return web.json_response({"ok": True, "result": result})

    async def __aenter__(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc) -> None:
        await self.runner.cleanup()


NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)  # 11:00 in Almaty, the middle of a month
LIMIT = 120  # seconds to wait for the bot's answer: a start takes ~1 s, far longer under load


async def answered(server: LocalBotApi) -> None:
    """Until the bot answered the user (chat 42); a failure says what it had done."""
    try:
        await asyncio.wait_for(server.replied.wait(), timeout=LIMIT)
    except TimeoutError:
        calls = [method for method, _ in server.calls]
        pytest.fail(f"no answer to the user after {LIMIT} s; the bot's calls: {calls}")


async def run_until(
    settings, done, what: str, *, now=NOW, background=False, sleep=asyncio.sleep
) -> None:
    """`python -m bot run` with its clock at `now` until `done()`, then stopped as Ctrl-C
    would; the background jobs run only when the test asks for them."""
    clock = FakeClock(now)
    task = asyncio.create_task(run(settings, sleep=sleep, clock=clock, background=background))
    try:
        for _ in range(LIMIT * 20):
            if done() or task.done():
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail(f"{what} had not happened after {LIMIT} s")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def run_until_replied(server: LocalBotApi, settings, sleep=asyncio.sleep) -> None:
    await run_until(settings, server.replied.is_set, "the answer to /start", sleep=sleep)


async def test_run_polls_the_configured_api_server_and_answers(tmp_path):
    server = LocalBotApi(failing={"setMyCommands"})  # start-up extras may fail
    async with server as url:
        settings = make_settings(tmp_path, bot_token=TOKEN, telegram_api_url=url)
        await run_until_replied(server, settings)
    methods = [method for method, _ in server.calls]
    assert methods[0] == "getMe"
    assert methods.count("setMyCommands") >= 1  # refused, retried beside polling
    [reply] = [params for method, params in server.calls if method == "sendMessage"]
    assert reply["chat_id"] == "42"
    assert "Тілді таңдаңыз" in reply["text"]  # the user's app is in Kazakh
    assert json.loads(reply["reply_markup"])["inline_keyboard"][0][0]["text"] == "✓ Қазақша"
    # the update went through the inbox, and its handled mark was written on the way out
    assert await inbox_of(settings) == [(1, True)]


async def inbox_of(settings) -> list[tuple[int, bool]]:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("select update_id, handled_at from inbox"))
            return [(row.update_id, row.handled_at is not None) for row in rows]
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("now", "notified"),
    [
        (datetime(2026, 12, 1, 4, 59, tzinfo=UTC), False),  # 09:59 in Almaty on the 1st
        (datetime(2026, 12, 1, 5, 1, tzinfo=UTC), True),  # 10:01: the month's flag is due
    ],
)
async def test_background_jobs_asked_for_run_on_the_bots_clock(tmp_path, now, notified):
    """With the background jobs on, the directory's monthly flag goes to admin 7 at 10:00
    Almaty on the 1st of the clock's month, whatever the machine's date."""
    server = LocalBotApi()
    async with server as url:
        settings = make_settings(tmp_path, bot_token=TOKEN, telegram_api_url=url)
        await run_until(
            settings,
            lambda: server.replied.is_set() and (admin_texts(server) or not notified),
            "the answer to /start" + (" and the monthly notice" if notified else ""),
            now=now,
            background=True,
        )
    notices = admin_texts(server)
    if notified:
        assert len(notices) == 1 and "180" in notices[0]  # in Russian: admin 7 never wrote
    else:
        assert notices == []


def admin_texts(server: LocalBotApi) -> list[str]:
    return [p["text"] for m, p in server.calls if m == "sendMessage" and p["chat_id"] == "7"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_polling_after_webhooks_removes_the_webhook_first(tmp_path):
    server = LocalBotApi()
    server.webhook = {"url": "https://old.example.org/hook", "allowed_updates": None}
    async with server as url:
        settings = make_settings(tmp_path, bot_token=TOKEN, telegram_api_url=url)
        await run_until_replied(server, settings)
    methods = [method for method, _ in server.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")


async def test_webhook_mode_sets_the_webhook_once_and_answers_posted_updates(tmp_path):
    server = LocalBotApi()
    server.updates = []
    port = free_port()
    async with server as url:
        settings = make_settings(
            tmp_path,
            bot_token=TOKEN,
            telegram_api_url=url,
            webhook_url="https://bot.example.org/telegram/hook",
            webhook_secret="abc_DEF-123",
            webhook_listen=f"127.0.0.1:{port}",
        )

        async def start_and_post(update_id: int, secret: str) -> int:
            task = asyncio.create_task(run(settings, clock=FakeClock(NOW), background=False))
            try:
                async with aiohttp.ClientSession() as client:
                    for _ in range(200):  # until the server listens
                        try:
                            async with client.get(f"http://127.0.0.1:{port}/healthz") as health:
                                if health.status == 200:
                                    break
                        except aiohttp.ClientConnectionError:
                            pass
                        await asyncio.sleep(0.05)
                    async with client.post(
                        f"http://127.0.0.1:{port}/telegram/hook",
                        json={"update_id": update_id, **server_update()},
                        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
                    ) as response:
                        status = response.status
                if status == 200:
                    await answered(server)
            finally:
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            return status

        assert await start_and_post(1, "abc_DEF-123") == 200
        assert await start_and_post(2, "wrong") == 401  # and the webhook is not set again
        settings.webhook_secret = SecretStr("new_secret")  # the operator changed it
        server.replied.clear()
        assert await start_and_post(3, "new_secret") == 200
    sets = [params for method, params in server.calls if method == "setWebhook"]
    assert len(sets) == 2  # the first start, and after the secret changed
    assert sets[0]["url"] == "https://bot.example.org/telegram/hook"
    assert sets[0]["secret_token"] == "abc_DEF-123"
    assert sets[1]["secret_token"] == "new_secret"
    assert "getUpdates" not in [method for method, _ in server.calls]
    assert "deleteWebhook" not in [method for method, _ in server.calls]  # stopping keeps it
    assert await inbox_of(settings) == [(1, True), (3, True)]


def server_update() -> dict:
    return {
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "text": "/start",
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "A", "language_code": "en"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }
    }


async def test_a_refused_token_stops_start_up_with_one_line(tmp_path, caplog):
    async with LocalBotApi(refuse_token=True) as url:
        settings = make_settings(tmp_path, bot_token=TOKEN, telegram_api_url=url)
        with caplog.at_level(logging.ERROR):
            assert await run(settings) == 2
    assert "Telegram refused BOT_TOKEN" in caplog.text


async def test_an_unreachable_api_server_stops_start_up_with_one_line(tmp_path, caplog):
    settings = make_settings(tmp_path, bot_token=TOKEN, telegram_api_url="http://127.0.0.1:9")
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    with caplog.at_level(logging.ERROR):
        assert await run(settings, sleep=sleep) == 2
    assert waited == [1.0, 2.0, 4.0]  # retried with backoff before giving up
    assert "Cannot reach the Bot API at http://127.0.0.1:9" in caplog.text


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "BOT_TOKEN is not set"),
        ("not-a-token", "BOT_TOKEN is malformed"),
    ],
)
async def test_missing_or_malformed_token(tmp_path, caplog, token, message):
    with caplog.at_level(logging.ERROR):
        assert await run(make_settings(tmp_path, bot_token=token)) == 2
    assert message in caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "DATABASE_URL",
            "not a url",
            "DATABASE_URL: Value error, DATABASE_URL is not a database URL",
        ),
        ("DATABASE_URL", "mysql://x/y", "must be sqlite+aiosqlite:// or postgresql+asyncpg://"),
        ("ADMIN_IDS", "1,two", "ADMIN_IDS"),
        ("TIMEZONE", "Mars/Base", "TIMEZONE 'Mars/Base' is not an IANA time zone"),
        ("WEBHOOK_URL", "http://bot.example.org/hook", "WEBHOOK_URL must be an https:// URL"),
        ("WEBHOOK_URL", "https://bot.example.org/hook", "WEBHOOK_SECRET must be set"),
        ("WEBHOOK_SECRET", "has space", "WEBHOOK_SECRET must be 1-256 characters"),
        ("WEBHOOK_LISTEN", "8080", "WEBHOOK_LISTEN must be host:port"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be redis://"),
    ],
)
def test_bad_settings_stop_with_one_clear_line(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as stop:
        load_settings()
    text = str(stop.value)
    assert text.startswith("Configuration error:") and message in text and "\n" not in text


async def test_polling_goes_on_after_a_gateway_page(tmp_path):
    """A 502 page that is not JSON (a proxy's) on getUpdates: polling waits and goes on."""
    server = LocalBotApi()
    server.gateway_pages = 5  # more than one request's retries
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        await asyncio.sleep(0)

    async with server as url:
        settings = make_settings(tmp_path, bot_token=TOKEN, telegram_api_url=url)
        await run_until_replied(server, settings, sleep)
    assert server.gateway_pages == 0 and waited  # it waited, and the /start got its answer


async def test_updates_a_crashed_run_left_go_before_newer_ones(tmp_path):
    """A run died after taking the user's /start into the inbox, before handling it. The
    next run handles that /start first, then the /help the user sent after it."""
    from storage.db import upgrade_database

    server = LocalBotApi()
    left = {"update_id": 1, **server.updates[0]}
    left.pop("update_id")
    newer = {**server.updates[0], "update_id": 2}
    newer["message"] = {**newer["message"], "message_id": 2, "text": "/help"}
    newer["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 5}]
    server.updates = [newer]
    async with server as url:
        settings = make_settings(tmp_path, bot_token=TOKEN, telegram_api_url=url)
        engine = create_engine(settings.database_url)
        await upgrade_database(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "insert into inbox (update_id, payload, owner, received_at) "
                    "values (1, :payload, 'a-run-that-died', :at)"
                ),
                {"payload": json.dumps({"update_id": 1, **left}), "at": NOW},
            )
        await engine.dispose()
        await run_until(
            settings, lambda: len(user_texts(server)) >= 2, "the answers to /start and /help"
        )
    first, second = user_texts(server)[:2]
    assert "Тілді таңдаңыз" in first  # the /start from before the crash
    assert "/profile" in second  # then /help
    assert await inbox_of(settings) == [(1, True), (2, True)]


def user_texts(server: LocalBotApi) -> list[str]:
    return [p["text"] for m, p in server.calls if m == "sendMessage" and p["chat_id"] == "42"]
