"""Running the bot for real: checks, start-up calls, long polling or webhooks.

The bot itself (aiogram, handlers) and APScheduler are imported by `run`, not with this
module: `db upgrade` needs only the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import signal
from collections.abc import Callable, Coroutine
from datetime import UTC, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from storage.db import create_engine, upgrade_database

if TYPE_CHECKING:
    from aiogram import Bot
    from aiohttp import web
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.app import App
    from bot.retry import Sleep
    from bot.services.clock import Clock
    from bot.services.inbox import Intake
    from bot.services.reminders import TickReport

log = logging.getLogger("joldas")


async def upgrade(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        await upgrade_database(engine)
    except (SQLAlchemyError, OSError) as error:
        log.error("Database upgrade failed: %s", error)
        return 1
    finally:
        await engine.dispose()
    log.info("Database is at the latest revision.")
    return 0


MIN_PAUSE = 0.05  # seconds between ticks when a reminder fell due during the last one
POLL = 0.25  # seconds between looks while earlier ticks may still put retries back
MAX_TICKS = 4  # ticks under way at once: one claiming and sending, the rest finishing


class Delivery:
    """What the scheduler runs: reminder delivery, broadcasts, the attaché desk's timers and
    the directory's monthly flag of stale entries (beside the desk's), each one background
    task at a time. A job only starts its task if it is not running and returns at once, so
    it never overlaps itself and APScheduler never skips a run; neither the desk's timers
    nor a broadcast wait behind a reminder backlog (and reminders go before broadcast
    messages in the one sender)."""

    def __init__(
        self, app: App, bot: Bot, sleep: Sleep = asyncio.sleep, intake: Intake | None = None
    ) -> None:
        self.app = app
        self.bot = bot
        self.sleep = sleep
        self.intake = intake
        self.tasks: dict[str, asyncio.Task[None]] = {}
        # the job beats once a run: an instance is presumed stopped only after 3 runs missed
        beats = timedelta(seconds=3 * app.settings.reminder_tick_seconds)
        if beats > app.reminders.HEARTBEAT_TIMEOUT:
            app.reminders.HEARTBEAT_TIMEOUT = beats

    async def reminders(self) -> None:
        """The reminder job: a heartbeat (other instances see this one alive), then
        delivery, if it is not already draining."""
        try:
            await self.app.reminders.heartbeat()
        except Exception:
            log.exception("reminder heartbeat failed")
        self._start("reminders", self._drain)
        if self.intake is not None:
            self._start("inbox", self._replay)

    async def desk(self) -> None:
        self._start("desk", self._desk)
        self._start("directory", self._directory)

    async def broadcasts(self) -> None:
        self._start("broadcasts", self._broadcasts)

    def _start(self, name: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        task = self.tasks.get(name)
        if task is None or task.done():
            self.tasks[name] = asyncio.create_task(work(), name=f"joldas-{name}")

    async def _drain(self) -> None:
        horizon = self.app.settings.reminder_tick_seconds
        try:
            await drain_reminders(self.app, self.bot, horizon=horizon, sleep=self.sleep)
        except Exception:
            log.exception("reminder delivery failed")

    async def _replay(self) -> None:
        """Updates that stopped instances accepted and never handled are handled here."""
        assert self.intake is not None
        try:
            await self.app.reminders.release_stopped()  # forgets them: their updates are free
            await self.intake.replay()
            await self.app.inbox.purge()
        except Exception:
            log.exception("inbox replay failed")

    async def _broadcasts(self) -> None:
        try:
            await self.app.broadcasts.drain(self.bot)
        except Exception:
            log.exception("broadcast delivery failed")

    async def _desk(self) -> None:
        try:
            await self.app.desk.tick(self.bot)  # SOS escalation, staff reminders for waiting cases
        except Exception:
            log.exception("attaché desk timers failed")

    async def _directory(self) -> None:
        try:
            await self.app.directory.flag_stale(self.bot)  # once a month, to admins
        except Exception:
            log.exception("directory flag failed")

    async def stop_replay(self) -> None:
        """No more replayed updates (stopping: the handlers running are waited for)."""
        task = self.tasks.pop("inbox", None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def stop(self) -> None:
        """Cancel what runs; this instance's claims go back to the queue at once."""
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        try:
            await self.app.reminders.stop()
        except Exception:
            log.exception("reminder claims were not put back; the next start will")


async def start_scheduler(delivery: Delivery) -> AsyncIOScheduler:
    """Three interval jobs, each run once at start (a restart catches up and recovers what a
    crashed run held): reminder delivery, broadcasts and the desk's timers. APScheduler
    keeps its own time for the intervals; the jobs read the bot's clock."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone=UTC)
    for job in (delivery.reminders, delivery.broadcasts, delivery.desk):
        await job()  # starts its task and returns at once
        scheduler.add_job(
            job,
            "interval",
            id=job.__name__,
            seconds=delivery.app.settings.reminder_tick_seconds,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,  # a late run still runs (APScheduler's default drops it)
        )
    scheduler.start()
    return scheduler


async def drain_reminders(
    app: App, bot: Bot, horizon: float = 0.0, sleep: Sleep = asyncio.sleep
) -> None:
    """Ticks back to back while they find reminders due (a backlog drains at once), and
    while the next one falls due within `horizon` seconds (a retry goes when it is due, not
    at the next run). The next tick claims as soon as the last one has made all its calls:
    that one's slowest answers (a short flood wait) finish alongside, so the rate limit
    never idles on them."""
    reminders = app.reminders
    running: set[asyncio.Task[TickReport]] = set()
    try:
        while True:
            dispatched = asyncio.Event()
            tick = asyncio.create_task(reminders.tick(bot, dispatched))
            running.add(tick)
            called = asyncio.create_task(dispatched.wait())
            await asyncio.wait((tick, called), return_when=asyncio.FIRST_COMPLETED)
            called.cancel()
            if tick.done() and not tick.result().claimed:  # nothing due now
                running.discard(tick)
                wait = await reminders.seconds_to_next()
                if running:  # their failures come back as retries: look again soon
                    wait = POLL if wait is None else min(wait, POLL)
                elif wait is None or wait > horizon:
                    return
                await sleep(max(wait, MIN_PAUSE))
            while len(running) >= MAX_TICKS or any(task.done() for task in running):
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    running.discard(task)
                    task.result()  # a tick that failed stops the drain (and is logged)
    except asyncio.CancelledError:  # stopping: the claims go back in Delivery.stop
        for task in running:
            task.cancel()
        raise
    finally:  # the other ticks finish (or end, when cancelled) before the drain does
        await asyncio.gather(*running, return_exceptions=True)


async def deliver_reminders(app: App, bot: Bot) -> None:
    """Everything due now: reminders, broadcasts, the attaché desk's timers (the console
    calls this)."""
    try:
        await drain_reminders(app, bot)
    except Exception:
        log.exception("reminder delivery failed")
    try:
        await app.broadcasts.drain(bot)
    except Exception:
        log.exception("broadcast delivery failed")
    try:
        await app.desk.tick(bot)  # SOS escalation, staff reminders for waiting cases
    except Exception:
        log.exception("attaché desk timers failed")


async def register_all_commands(bot: Bot, app: App) -> None:
    """The users' command lists, then each staff member's own (admins and attachés)."""
    from bot.commands import register_commands, register_staff_commands

    await register_commands(bot, app.i18n)
    try:
        attaches = {role.user_id for role in await app.cases.roles()}
    except SQLAlchemyError as error:
        log.warning("staff command lists not set: %s", error)
        return
    for staff_id in sorted(set(app.settings.admin_ids) | attaches):
        profile = await app.users.get(staff_id)
        locale = profile.locale if profile else None
        admin = app.cases.is_admin(staff_id)
        await register_staff_commands(bot, app.i18n, staff_id, locale, admin)


async def check_bot(bot: Bot, settings: Settings) -> str | None:
    """getMe must work before anything else; returns what is wrong, if anything."""
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    try:
        await bot.me()
    except TelegramUnauthorizedError:
        return "Telegram refused BOT_TOKEN (unauthorized): check the token from @BotFather."
    except TelegramNetworkError as error:
        where = settings.telegram_api_url or "api.telegram.org"
        return f"Cannot reach the Bot API at {where}: {error}"
    return None


async def run(
    settings: Settings,
    sleep: Sleep = asyncio.sleep,
    *,
    clock: Clock | None = None,
    background: bool = True,
) -> int:
    """Start, serve updates until SIGTERM or SIGINT, stop; the exit code. Tests give the
    clock, and turn the background jobs (reminders, broadcasts, the desk's timers, the
    directory's monthly flag, the inbox's replay) off unless they are what is tested."""
    from aiogram.utils.token import TokenValidationError

    from bot.app import build_bot, create_app, release_user_lock
    from bot.scripting import attach

    if settings.bot_token is None:
        log.error(
            "BOT_TOKEN is not set: put it in the environment or .env "
            "(`python -m bot console` needs no token)."
        )
        return 2
    try:
        bot = build_bot(settings, sleep=sleep)
    except TokenValidationError:
        log.error("BOT_TOKEN is malformed: it looks like 123456:ABC-DEF… (from @BotFather).")
        return 2
    try:
        app = await create_app(settings, clock=clock)
    except (SQLAlchemyError, OSError) as error:
        log.error("Cannot open the database %s: %s", settings.database_url.split("@")[-1], error)
        await bot.session.close()
        return 1
    attach(bot, app.users)  # Kazakh in each reader's script, whatever sends (bot/scripting.py)
    problem = await check_bot(bot, settings)
    if problem:
        log.error(problem)
        await bot.session.close()
        await app.close()
        return 2
    log.info("Started as @%s", (await bot.me()).username)
    from bot.services.inbox import Intake

    try:  # alive before taking updates: what this instance accepts is then not an orphan
        await app.reminders.heartbeat()
    except (SQLAlchemyError, OSError) as error:
        log.error("Cannot write to the database: %s", error)
        await bot.session.close()
        await app.close()
        return 1
    isolation = app.dispatcher.fsm.events_isolation
    free_user = partial(release_user_lock, isolation, bot.id) if app.redis else None
    intake = Intake(app.dispatcher, bot, app.inbox, app.writer, free_user)
    await replay_left_over(app, intake)
    # What start-up built (handlers, content, catalogs: ~270,000 objects) lives as long as
    # the process: out of the collector's sight, a full collection takes ~0 ms, not ~200 ms
    # of a stalled event loop.
    gc.collect()
    gc.freeze()
    # Start-up extras run beside polling: a slow or failing Telegram must not delay replies.
    commands = asyncio.create_task(register_all_commands(bot, app))
    delivery = Delivery(app, bot, intake=intake)
    scheduler = await start_scheduler(delivery) if background else None
    server: web.AppRunner | None = None
    try:
        server = await start_server(app, bot, intake)
        await serve_updates(app, bot, intake)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if server is not None:
            await server.cleanup()  # no new webhook requests
        await delivery.stop_replay()
        await intake.stop()  # what is still running gets a few seconds, the rest is replayed
        await delivery.stop()
        commands.cancel()
        await app.close()
        await bot.session.close()
    return 0


async def replay_left_over(app: App, intake: Intake) -> None:
    """What a stopped run accepted and never handled (a crash: its process is gone from this
    machine, or its heartbeat stopped) is taken first: each user's replayed updates are
    under way before any newer one of theirs, which waits behind them in the user's queue."""
    try:
        await app.reminders.release_stopped()
        while await intake.replay():
            pass
    except (SQLAlchemyError, OSError) as error:  # the background job tries again
        log.warning("updates left by a stopped run not replayed yet: %s", error)


POLL_TIMEOUT = 30  # seconds a getUpdates request waits for updates
MAX_BACKOFF = 30.0


async def start_server(app: App, bot: Bot, intake: Intake) -> web.AppRunner | None:
    """The HTTP server (webhook, /healthz, /metrics) when WEBHOOK_URL or WEBHOOK_LISTEN says."""
    settings = app.settings
    if settings.listen is None:
        return None
    from bot.web import WebhookHandler, build_web_app, serve

    checks = {"database": app.database_alive}
    if app.redis is not None:
        checks["redis"] = app.redis_alive
    webhook = None
    if settings.webhook_url and settings.webhook_secret:
        secret = settings.webhook_secret.get_secret_value()
        webhook = (settings.webhook_path, WebhookHandler(app.dispatcher, bot, intake, secret))
    return await serve(build_web_app(checks, app.count_queues, webhook), *settings.listen)


async def serve_updates(app: App, bot: Bot, intake: Intake) -> None:
    """Webhooks or long polling until SIGTERM or SIGINT (or until cancelled)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sign in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not Unix, or a thread
            loop.add_signal_handler(sign, stopping.set)
    allowed = app.dispatcher.resolve_used_update_types()
    try:
        if app.settings.webhook_url:
            await set_webhook(bot, app, allowed)
            await stopping.wait()
        else:
            await drop_webhook(bot)
            polling = asyncio.create_task(poll(bot, intake, allowed))
            stopped = asyncio.create_task(stopping.wait())
            await asyncio.wait((polling, stopped), return_when=asyncio.FIRST_COMPLETED)
            for task in (polling, stopped):
                task.cancel()
            await asyncio.gather(polling, stopped, return_exceptions=True)
    finally:
        for sign in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sign)
    log.info("stopping")


async def poll(bot: Bot, intake: Intake, allowed: list[str], sleep: Sleep = asyncio.sleep) -> None:
    """Long polling that confirms an offset to Telegram (with the next getUpdates) only
    once the batch is in the inbox: a crash while handlers run loses nothing."""
    offset: int | None = None
    failures = 0
    timeout = {"request_timeout": int(bot.session.timeout + POLL_TIMEOUT)}
    while True:
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=POLL_TIMEOUT, allowed_updates=allowed, **timeout
            )
            if updates:
                await intake.take(updates)
                offset = updates[-1].update_id + 1
            failures = 0
        except Exception as error:  # Telegram, the network, a gateway's page, the database
            failures += 1
            wait = min(2.0 ** min(failures, 5), MAX_BACKOFF)
            log.warning("polling failed (%s): trying again in %.0f s", error, wait)
            await sleep(wait)


def webhook_fingerprint(url: str, allowed: list[str], secret: str) -> str:
    """What was set with Telegram, without the secret itself (getWebhookInfo never shows it)."""
    text = "|".join((url, ",".join(sorted(allowed)), secret))
    return hashlib.sha256(text.encode()).hexdigest()


async def set_webhook(bot: Bot, app: App, allowed: list[str]) -> None:
    """setWebhook only when Telegram's differs from ours (URL, update types, or a secret this
    deployment has not set yet): N instances starting together do not undo each other."""
    from storage.repositories.inbox import read_state, write_state

    settings = app.settings
    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    wanted = webhook_fingerprint(settings.webhook_url, allowed, secret)
    info = await bot.get_webhook_info()
    transactions = app.writer.transactions
    known = await transactions.run(lambda connection: read_state(connection, "webhook"))
    same = info.url == settings.webhook_url and sorted(info.allowed_updates or []) == sorted(
        allowed
    )
    if same and known == wanted:
        log.info("webhook already set: %s", settings.webhook_url)
        return
    await bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=allowed, max_connections=40
    )
    now = app.reminders.clock.now()
    await transactions.run(lambda connection: write_state(connection, "webhook", wanted, now))
    log.info("webhook set: %s", settings.webhook_url)


async def drop_webhook(bot: Bot) -> None:
    """Long polling after webhooks: Telegram refuses getUpdates while a webhook is set."""
    try:
        info = await bot.get_webhook_info()
        if info.url:
            log.warning("a webhook was set (%s): removed, polling instead", info.url)
            await bot.delete_webhook(drop_pending_updates=False)
    except Exception as error:  # polling says what is wrong, if anything
        log.warning("could not check for a webhook: %s", error)
