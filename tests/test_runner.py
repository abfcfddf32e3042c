"""`python -m bot run` against a local Bot API server, and start-up failures."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest
from aiohttp import web

from bot.__main__ import load_settings
from bot.runner import run
from tests.conftest import make_settings

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
        elif method == "getUpdates":
            result, self.updates = self.updates, []
            if not result:
                await asyncio.sleep(0.05)
        elif method == "sendMessage":
            result = {
                "message_id": 2,
                "date": int(time.time()),
                "text": params["text"],
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
            self.replied.set()
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


async def test_run_polls_the_configured_api_server_and_answers(tmp_path):
    server = LocalBotApi(failing={"setMyCommands"})  # start-up extras may fail
    async with server as url:
        settings = make_settings(tmp_path, bot_token=TOKEN, telegram_api_url=url)
        task = asyncio.create_task(run(settings))
        await asyncio.wait_for(server.replied.wait(), timeout=20)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    methods = [method for method, _ in server.calls]
    assert methods[0] == "getMe"
    assert methods.count("setMyCommands") >= 1  # refused, retried beside polling
    [reply] = [params for method, params in server.calls if method == "sendMessage"]
    assert reply["chat_id"] == "42"
    assert "Тілді таңдаңыз" in reply["text"]  # the user's app is in Kazakh
    assert json.loads(reply["reply_markup"])["inline_keyboard"][0][0]["text"] == "✓ Қазақша"


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
    ],
)
def test_bad_settings_stop_with_one_clear_line(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as stop:
        load_settings()
    text = str(stop.value)
    assert text.startswith("Configuration error:") and message in text and "\n" not in text
