"""Running the bot for real: checks, start-up calls, long polling.

The bot itself (aiogram, handlers) and APScheduler are imported by `run`, not with this
module: `db upgrade` needs only the database.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from storage.db import create_engine, upgrade_database

if TYPE_CHECKING:
    from aiogram import Bot
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.app import App
    from bot.retry import Sleep

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


def start_scheduler(app: App, bot: Bot) -> AsyncIOScheduler:
    """One interval job delivers due reminders; the first run at once catches up."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        deliver_reminders,
        "interval",
        seconds=app.settings.reminder_tick_seconds,
        args=(app, bot),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,  # a late tick still runs (APScheduler's default drops it)
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler


async def deliver_reminders(app: App, bot: Bot) -> None:
    """Ticks until no full batch is left (a backlog after downtime drains at once), then
    the attaché desk's timers."""
    try:
        while (await app.reminders.tick(bot)).claimed >= app.settings.reminder_batch:
            pass
    except Exception:
        log.exception("reminder delivery failed")
    try:
        await app.desk.tick(bot)  # SOS escalation, staff reminders for waiting cases
    except Exception:
        log.exception("attaché desk timers failed")


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


async def run(settings: Settings, sleep: Sleep = asyncio.sleep) -> int:
    from aiogram.utils.token import TokenValidationError

    from bot.app import build_bot, create_app
    from bot.commands import register_commands

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
        app = await create_app(settings)
    except (SQLAlchemyError, OSError) as error:
        log.error("Cannot open the database %s: %s", settings.database_url.split("@")[-1], error)
        await bot.session.close()
        return 1
    problem = await check_bot(bot, settings)
    if problem:
        log.error(problem)
        await bot.session.close()
        await app.close()
        return 2
    log.info("Started as @%s", (await bot.me()).username)
    # Start-up extras run beside polling: a slow or failing Telegram must not delay replies.
    commands = asyncio.create_task(register_commands(bot, app.i18n))
    scheduler = start_scheduler(app, bot)
    try:
        await app.dispatcher.start_polling(
            bot, allowed_updates=app.dispatcher.resolve_used_update_types()
        )
    finally:
        scheduler.shutdown(wait=False)
        commands.cancel()
        await app.close()
        await bot.session.close()
    return 0
