"""The HTTP server: Telegram's webhook, `/healthz` and `/metrics` (aiohttp, as aiogram's own
webhook support uses).

A webhook request is answered 200 only once its update is in the inbox (written to the
database): a crash after that loses nothing, and a failed write answers 503, so Telegram
sends the update again. A request without the right secret token is answered 401 and
nothing of it reaches the handlers.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from bot.services.inbox import Intake

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 3.0  # seconds each check may take before it counts as down
Check = Callable[[], Awaitable[Any]]


class WebhookHandler(SimpleRequestHandler):
    def __init__(self, dispatcher: Dispatcher, bot: Bot, intake: Intake, secret: str) -> None:
        super().__init__(dispatcher, bot, handle_in_background=True, secret_token=secret)
        self.intake = intake
        self._secret = secret.encode()

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        """Constant time, and any header (even one that is not ASCII) is just wrong."""
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self._secret)

    async def _handle_request_background(self, bot: Bot, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            update = Update.model_validate_json(body, context={"bot": bot})
        except ValidationError:
            log.warning("webhook request that is not an update: refused")
            return web.Response(status=400, text="not an update")
        try:
            await self.intake.take([update], [body.decode("utf-8", "replace")])
        except Exception as error:  # the database is down: Telegram will send it again
            log.warning("update %s not accepted: %s", update.update_id, error)
            return web.Response(status=503, text="try again")
        return web.json_response({})

    async def close(self) -> None:
        """The runner closes the bot's session itself."""


def build_web_app(
    checks: Mapping[str, Check],
    collect: Callable[[], Awaitable[None]],
    webhook: tuple[str, WebhookHandler] | None = None,
) -> web.Application:
    """`checks` name what /healthz asks (database, redis); `collect` refreshes the gauges
    read at scrape time; `webhook` is the path and handler, when Telegram posts to us."""

    async def healthz(_: web.Request) -> web.Response:
        results = await asyncio.gather(*(_probe(check) for check in checks.values()))
        report = dict(zip(checks, results, strict=True))
        healthy = all(result == "ok" for result in results)
        body = {"status": "ok" if healthy else "down", **report}
        return web.Response(
            status=200 if healthy else 503, text=json.dumps(body), content_type="application/json"
        )

    async def metrics(_: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(collect(), HEALTH_TIMEOUT)
        except Exception as error:  # counters are still worth showing
            log.warning("queue depths not read: %s", error)
        response = web.Response(body=generate_latest())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application(client_max_size=1024**2)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if webhook is not None:
        path, handler = webhook
        handler.register(app, path=path)
    return app


async def _probe(check: Check) -> str:
    try:
        await asyncio.wait_for(check(), HEALTH_TIMEOUT)
    except Exception as error:
        log.warning("health check failed: %s", error)
        return "down"
    return "ok"


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("listening on %s:%d", host, port)
    return runner
