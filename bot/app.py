"""Factories only: no module-level bot, dispatcher or engine."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import ProfileI18nMiddleware, build_i18n
from bot.metrics import QUEUE, UpdateMetrics
from bot.middlewares import FactsMiddleware, ProfileMiddleware, UnitMiddleware
from bot.retry import RetryMiddleware, Sleep
from bot.scripting import ReaderScript, TypedScript
from bot.services.broadcasts import BroadcastService
from bot.services.cases import CaseService
from bot.services.checklist import ChecklistService
from bot.services.clock import Clock, SystemClock
from bot.services.desk import Desk
from bot.services.directory import DirectoryService
from bot.services.facts import FactService
from bot.services.inbox import Inbox
from bot.services.notices import NoticeService
from bot.services.questions import QuestionLog
from bot.services.reminders import ReminderService
from bot.services.sender import RateLimiter
from bot.services.trips import TripService
from bot.services.users import SharedProfiles, UserService
from handlers import Handlers, build_handlers
from storage.db import create_engine, create_sessionmaker, upgrade_database
from storage.fsm import DatabaseStorage
from storage.repositories.queues import queue_depths
from storage.writer import GroupWriter

if TYPE_CHECKING:
    from redis.asyncio import Redis

CONSOLE_TOKEN = "1:console"


def build_bot(
    settings: Settings, session: BaseSession | None = None, *, sleep: Sleep = asyncio.sleep
) -> Bot:
    """A Bot for the configured API server; `session` replaces HTTP (console, tests)."""
    if session is None:
        api = (
            TelegramAPIServer.from_base(settings.telegram_api_url)
            if settings.telegram_api_url
            else None
        )
        session = AiohttpSession(api=api) if api else AiohttpSession()
    session.middleware(RetryMiddleware(sleep=sleep))
    token = settings.bot_token.get_secret_value() if settings.bot_token else CONSOLE_TOKEN
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


@dataclass
class App:
    """Everything one running bot shares: settings, database, services, dispatcher."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    writer: GroupWriter
    users: UserService
    reminders: ReminderService
    storage: BaseStorage
    i18n: I18n
    cases: CaseService
    desk: Desk
    broadcasts: BroadcastService
    directory: DirectoryService
    facts: FactService
    notices: NoticeService
    dispatcher: Dispatcher
    inbox: Inbox
    redis: Redis | None = None  # with REDIS_URL: state shared by instances

    async def database_alive(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def redis_alive(self) -> None:
        if self.redis is not None:
            await self.redis.ping()  # type: ignore[misc]  # redis-py types it sync or async

    async def count_queues(self) -> None:
        """Queue depths for /metrics, read from the database all instances share."""
        async with self.engine.connect() as connection:
            depths = await queue_depths(connection, self.reminders.clock.now())
        for queue, depth in depths.items():
            QUEUE.labels(queue).set(depth)

    async def close(self) -> None:
        await self.writer.drain()
        await self.inbox.close()
        await self.writer.close()
        await self.storage.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


async def private_chat(message: Message) -> bool:
    return message.chat.type == "private"


def build_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    users: UserService,
    reminders: ReminderService,
    storage: BaseStorage,
    isolation: BaseEventIsolation,
    i18n: I18n,
    cases: CaseService,
    desk: Desk,
    broadcasts: BroadcastService,
    questions: QuestionLog,
    directory: DirectoryService,
    facts: FactService,
    notices: NoticeService,
    handlers: Handlers,
    writer: GroupWriter,
) -> Dispatcher:
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=isolation,  # one update at a time per user
        settings=settings,
        sessionmaker=sessionmaker,
        users=users,
        reminders=reminders,
        clock=reminders.clock,  # handlers ask it the time, never the system
        trips=TripService(sessionmaker, users.caches),
        checklists=ChecklistService(sessionmaker, users.caches),
        cases=cases,
        desk=desk,
        broadcasts=broadcasts,
        questions=questions,
        directory=directory,
        facts=facts,
        notices=notices,
        answers=handlers.answers,
        wiring=handlers.wiring,
    )
    dispatcher.update.outer_middleware(UpdateMetrics())
    dispatcher.update.outer_middleware(UnitMiddleware(writer, reminders.clock))
    dispatcher.update.outer_middleware(ProfileMiddleware(users))
    dispatcher.update.outer_middleware(FactsMiddleware(facts))
    dispatcher.update.outer_middleware(ProfileI18nMiddleware(i18n))
    # Kazakh in the reader's script: what is sent (bot/scripting.py), and what is typed
    dispatcher.update.outer_middleware(ReaderScript(users))
    dispatcher.message.outer_middleware(TypedScript(handlers.verbatim))
    # a press that opens a guide pins its notices to the screen `show` sends next
    dispatcher.callback_query.outer_middleware(handlers.guide_notices)
    dispatcher.message.outer_middleware(handlers.guide_notices)
    dispatcher.message.filter(private_chat)  # checked before every router below
    dispatcher.include_routers(*handlers.routers)
    return dispatcher


async def create_app(
    settings: Settings, *, migrate: bool | None = None, clock: Clock | None = None
) -> App:
    """Open the database (upgrading an SQLite file by default) and build the dispatcher."""
    engine = create_engine(settings.database_url)
    if migrate if migrate is not None else engine.dialect.name == "sqlite":
        await upgrade_database(engine)
    sessionmaker = create_sessionmaker(engine)
    writer = GroupWriter(engine)
    writer.wait_for_units = settings.redis_url is not None
    redis = connect_redis(settings.redis_url) if settings.redis_url else None
    storage: BaseStorage
    isolation: BaseEventIsolation
    clock = clock or SystemClock()
    if redis is None:  # one process: state in the database, served from memory
        users = UserService(sessionmaker, writer, settings.timezone, clock)
        storage = DatabaseStorage(sessionmaker, writer)
        isolation = SimpleEventIsolation()
        users.on_delete.append(storage.forget_user)
        await users.know_all()  # a new user then costs no lookups
        storage.known = users.known
    else:  # several instances: per-user order and profiles in Redis, dialogues read each time
        users = UserService(
            sessionmaker, writer, settings.timezone, clock, shared=SharedProfiles(redis)
        )
        # the dialogue stays in the database, where it commits with its update's inbox mark
        storage = DatabaseStorage(sessionmaker, writer, shared=True)
        isolation = redis_isolation(redis)
    i18n = build_i18n(settings.default_locale)
    handlers = build_handlers(i18n, year=clock.now().year)
    # the one sender for bulk traffic: reminders first, broadcasts behind them
    limiter = RateLimiter(
        settings.send_rate,
        settings.send_rate_per_chat,
        bulk_per_second=settings.broadcast_rate,
        paid_per_second=settings.broadcast_paid_rate,
    )
    reminders = ReminderService(
        sessionmaker,
        writer,
        users,
        clock,
        limiter,
        handlers.reminder_view,
        batch_size=settings.reminder_batch,
    )
    cases = CaseService(sessionmaker, reminders.clock, settings.admin_ids, users.caches)
    users.on_delete.append(lambda user_id: cases.forget_staff())
    desk = Desk(cases, users, handlers.desk_view, settings.default_locale)
    broadcasts = BroadcastService(
        sessionmaker,
        writer,
        users,
        reminders,
        cases,
        limiter,
        handlers.broadcast_view,
        settings.default_locale,
        paid_allowed=settings.broadcast_paid,
    )
    questions = QuestionLog(sessionmaker, clock)
    facts = FactService(
        sessionmaker, clock, admin_ids=cases.admin_ids, timezone=settings.timezone, redis=redis
    )
    directory = DirectoryService(
        sessionmaker,
        clock,
        users,
        cases,
        handlers.directory_view,
        timezone=settings.timezone,
        default_locale=settings.default_locale,
        redis=redis,
        facts=facts,
    )
    users.on_delete.append(lambda user_id: directory.changed())
    notices = NoticeService(sessionmaker, clock, cases, timezone=settings.timezone, redis=redis)
    dispatcher = build_dispatcher(
        settings,
        sessionmaker,
        users,
        reminders,
        storage,
        isolation,
        i18n,
        cases,
        desk,
        broadcasts,
        questions,
        directory,
        facts,
        notices,
        handlers,
        writer,
    )
    await facts.current()  # read once at start-up: a user's first screen runs no query
    inbox = Inbox(writer.transactions, reminders.instance_id, clock)
    return App(
        settings,
        engine,
        sessionmaker,
        writer,
        users,
        reminders,
        storage,
        i18n,
        cases,
        desk,
        broadcasts,
        directory,
        facts,
        notices,
        dispatcher,
        inbox,
        redis,
    )


def connect_redis(url: str) -> Redis:
    from redis.asyncio import Redis

    return Redis.from_url(url, health_check_interval=30, socket_connect_timeout=5)


async def release_user_lock(isolation: BaseEventIsolation, bot_id: int, user_id: int) -> None:
    """Several instances: the per-user lock a stopped instance held on a user's private chat
    goes, when their update is replayed (instead of after the lock's 60 s)."""
    from aiogram.fsm.storage.base import StorageKey
    from aiogram.fsm.storage.redis import RedisEventIsolation

    if isinstance(isolation, RedisEventIsolation):
        key = StorageKey(bot_id=bot_id, chat_id=user_id, user_id=user_id)
        await isolation.redis.delete(isolation.key_builder.build(key, "lock"))


def redis_isolation(redis: Redis) -> BaseEventIsolation:
    """aiogram's per-user lock in Redis: each instance handles one user's updates in the
    order they come (a waiting update looks again every 10 ms)."""
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisEventIsolation

    keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)  # fsm:bot:chat:user:destiny
    return RedisEventIsolation(redis, keys, lock_kwargs={"timeout": 60, "sleep": 0.01})
