"""A real `python -m bot run`, killed (SIGKILL) at every step of five dialogues, before and
after its reply, on SQLite and on PostgreSQL + Redis: nothing the user entered is lost or
corrupted, no apology is shown, and a press answered before the crash is not answered again
(Telegram refuses a second answer; the bot shows nothing for it).

Each dialogue runs in its own database, against its own Bot API stand-in on 127.0.0.1 that
behaves as Telegram does where it matters here: getUpdates returns every update not
confirmed by an offset (so a crashed run's batch comes again), and a callback query takes
one answer. A case is one user, taken through the dialogue up to the step under test; the
cases of one dialogue (one per step) send their step together, and the bot is killed when
every one of them is at its reply:
  - before: the replies are never delivered (the users see nothing);
  - after: the replies are delivered while the database is locked, so the updates cannot be
    committed: the process dies between its replies and its commits.
The next run (the same command again) must answer each step, and each user finishes the
dialogue; then what was saved is compared with what they entered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.views.callbacks import KandasCb, KandasPage, MenuCb
from storage.db import create_engine
from storage.models import Deadline, Trip
from tests.conftest import reset_servers

pytestmark = pytest.mark.crash

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:CRASH-test"
AT = "2026-11-21T11:00"  # the bot's clock (Almaty), as tests/conftest.py pins it
WAIT = 120.0  # seconds for anything a process should do (a start takes ~2 s, more under load)
APOLOGY = "😔"
REPLIES = {"sendmessage", "editmessagetext", "editmessagereplymarkup", "answercallbackquery"}
SETTINGS = {
    "BOT_TOKEN",
    "DATABASE_URL",
    "REDIS_URL",
    "WEBHOOK_URL",
    "WEBHOOK_LISTEN",
}  # begins the errors router's answer in every language


# --- the dialogues ---------------------------------------------------------------------------

Step = tuple[str, str]  # ("send", text) | ("press", part of a button's label) | ("data", raw)
Check = Callable[[AsyncEngine, int], Awaitable[None]]


async def deadline(engine: AsyncEngine, user_id: int, key: str) -> Deadline:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(Deadline.__table__).where(
                    Deadline.user_id == user_id, Deadline.dedupe_key == key
                )
            )
        ).all()
    assert len(rows) == 1, f"{key}: {len(rows)} deadlines"
    return rows[0]  # type: ignore[return-value]


async def check_registration(engine: AsyncEngine, user_id: int) -> None:
    saved = await deadline(engine, user_id, "registration")
    assert saved.due_on == date(2026, 12, 9)  # entered 10.11.2026: day 30 of the stay


async def check_stay(engine: AsyncEngine, user_id: int) -> None:
    async with engine.connect() as connection:
        trips = (
            await connection.execute(
                select(Trip.entered_on, Trip.left_on)
                .where(Trip.user_id == user_id)
                .order_by(Trip.entered_on)
            )
        ).all()
    assert [tuple(t) for t in trips] == [
        (date(2026, 9, 1), date(2026, 9, 30)),
        (date(2026, 11, 10), None),
    ]
    assert (await deadline(engine, user_id, "stay_limit")).due_on == date(2027, 1, 8)


async def check_permit(engine: AsyncEngine, user_id: int) -> None:
    saved = await deadline(engine, user_id, "permit")  # 3 months from 21 November, then 1 more
    assert saved.due_on == date(2027, 3, 20)
    payload = saved.payload if isinstance(saved.payload, dict) else json.loads(saved.payload)
    assert (payload["first_start"], payload["start"]) == ("2026-11-21", "2027-02-21")


async def check_insurance(engine: AsyncEngine, user_id: int) -> None:
    saved = await deadline(engine, user_id, "insurance")
    assert saved.due_on == date(2027, 4, 30)
    payload = saved.payload if isinstance(saved.payload, dict) else json.loads(saved.payload)
    assert payload["start"] == "2026-11-01" and payload["insurer"] == "Halyk"
    assert payload["repatriation"] is True and payload["stay_until"] == "2027-06-30"


async def check_contract(engine: AsyncEngine, user_id: int) -> None:
    saved = await deadline(engine, user_id, "social_contract")
    assert saved.due_on == date(2031, 3, 15)
    payload = saved.payload if isinstance(saved.payload, dict) else json.loads(saved.payload)
    assert (payload["signed_on"], payload["members"]) == ("2026-03-15", 4)
    assert payload["region"] == "pavlodar"


MIGRANT: list[Step] = [("send", "/start"), ("press", "English"), ("press", "🌍")]
MIGRANT += [("press", "Uzbekistan")]
KANDAS: list[Step] = [("send", "/start"), ("press", "English"), ("press", "🏡")]
KANDAS += [("data", "ctry:origin:UZ")]


@dataclass(frozen=True)
class Dialogue:
    name: str
    onboarding: list[Step]
    steps: list[Step]
    check: Check


DIALOGUES = [
    Dialogue(
        "registration",
        MIGRANT,
        [
            ("send", "/menu"),
            ("press", "📝 Registration"),
            ("send", "10.11.2026"),
            ("press", "⏰ Remind me"),
        ],
        check_registration,
    ),
    Dialogue(
        "stay",
        MIGRANT,
        [
            ("send", "/menu"),
            ("press", "📅 How long"),
            ("press", "➕ Add a trip"),
            ("send", "01.09.2026"),
            ("send", "30.09.2026"),
            ("press", "➕ Add a trip"),
            ("send", "10.11.2026"),
            ("press", "I am still in Kazakhstan"),
            ("press", "⏰ Remind me before my last day"),
        ],
        check_stay,
    ),
    Dialogue(
        "permit",
        MIGRANT,
        [
            ("send", "/menu"),
            ("press", "💼 Work permit"),
            ("press", "🆕 New permit"),
            ("press", "Today"),
            ("press", "3"),
            ("press", "🔄 I renewed it"),
            ("press", "1"),
        ],
        check_permit,
    ),
    Dialogue(
        "insurance",
        MIGRANT,
        [
            ("send", "/menu"),
            ("press", "🩺 Insurance"),
            ("press", "📝 Record my policy"),
            ("send", "Halyk"),
            ("send", "01.11.2026"),
            ("send", "30.04.2027"),
            ("press", "Yes"),
            ("send", "30.06.2027"),
        ],
        check_insurance,
    ),
    Dialogue(
        "social contract",
        KANDAS,
        [
            ("data", MenuCb(item="kandas_contract").pack()),
            ("send", "15.03.2026"),  # a contract of 2024 would get no terms, no region
            ("data", KandasCb(page=KandasPage.region, value="pavlodar").pack()),
            ("data", KandasCb(page=KandasPage.members, value="4").pack()),
        ],
        check_contract,
    ),
]


# --- Telegram, as far as the bot can tell ----------------------------------------------------


@dataclass
class Shown:
    message_id: int
    text: str
    buttons: list[tuple[str, str]]


@dataclass
class Telegram:
    """One bot's Bot API on 127.0.0.1, with the chats it shows."""

    updates: list[dict[str, Any]] = field(default_factory=list)  # not confirmed yet
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    shown: dict[int, dict[int, Shown]] = field(default_factory=dict)  # chat → message id → it
    texts: dict[int, list[str]] = field(default_factory=dict)  # every text a chat was sent
    answered: dict[str, int] = field(default_factory=dict)  # callback query → answers taken
    owners: dict[str, int] = field(default_factory=dict)  # callback query → who pressed
    polls: int = 0
    holding: set[int] = field(default_factory=set)  # users whose next reply is held
    held: dict[int, asyncio.Future[bool]] = field(default_factory=dict)  # True: delivered
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, update: dict[str, Any]) -> int:
        update_id = next(self.ids)
        self.updates.append({"update_id": update_id, **update})
        self.arrived.set()
        return update_id

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params = dict(await request.post())
        if method == "getupdates":
            return await self._get_updates(params)
        reader = self._reader(method, params)
        if method in REPLIES and reader in self.holding:
            self.holding.discard(reader)
            self.held[reader] = asyncio.get_running_loop().create_future()
            if not await self.held[reader]:
                return _refused("the bot is gone")
        if method == "answercallbackquery":
            query = str(params["callback_query_id"])
            self.answered[query] = self.answered.get(query, 0) + 1
            if self.answered[query] > 1:  # Telegram takes one answer
                return _refused("Bad Request: query is too old and response timeout expired")
            if params.get("text"):  # a toast or an alert
                self.texts.setdefault(self.owners[query], []).append(str(params["text"]))
            return _ok(True)
        if method == "getme":
            return _ok({"id": 123456, "is_bot": True, "first_name": "J", "username": "j_bot"})
        if method == "getwebhookinfo":
            return _ok({"url": "", "has_custom_certificate": False, "pending_update_count": 0})
        if method in ("sendmessage", "editmessagetext"):
            return _ok(self._show(method, int(str(params["chat_id"])), params))
        return _ok(True)

    def _reader(self, method: str, params: dict[str, Any]) -> int | None:
        if method == "answercallbackquery":
            return self.owners.get(str(params.get("callback_query_id")))
        chat = params.get("chat_id")
        return int(str(chat)) if chat is not None else None

    def release(self, delivered: bool) -> None:
        """The held replies go through (`delivered`) or are lost with their process."""
        for reply in self.held.values():
            if not reply.done():
                reply.set_result(delivered)
        self.held.clear()
        self.holding.clear()

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        self.polls += 1
        offset = int(str(params.get("offset") or 0))
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed
        if not self.updates:
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), timeout=0.5)
        return _ok(self.updates[:100])

    def _show(self, method: str, chat: int, params: dict[str, Any]) -> dict[str, Any]:
        markup = json.loads(str(params.get("reply_markup") or "{}"))
        buttons = [
            (str(b["text"]), str(b.get("callback_data", "")))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]
        shown = self.shown.setdefault(chat, {})
        if method == "editmessagetext":
            message_id = int(str(params["message_id"]))
        else:
            message_id = 1000 + len(self.texts.get(chat, []))
        shown[message_id] = Shown(message_id, str(params["text"]), buttons)
        self.texts.setdefault(chat, []).append(str(params["text"]))
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "text": str(params["text"]),
        }

    def seen_since(self, chat: int, count: int) -> list[str]:
        return self.texts.get(chat, [])[count:]

    def button(self, chat: int, label: str) -> tuple[Shown, str]:
        """The latest message with a button whose label contains `label`."""
        for message in sorted(self.shown.get(chat, {}).values(), key=lambda m: -m.message_id):
            for text_, data in message.buttons:
                if label in text_:
                    return message, data
        raise LookupError(f"no button {label!r} in chat {chat}")


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _refused(description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": 400, "description": description}, status=400
    )


# --- the database, seen from outside ---------------------------------------------------------


class Database:
    """The chain's database: what was handled, and a lock that holds the bot's commit."""

    def __init__(self, url: str, engine: AsyncEngine) -> None:
        self.url = url
        self.engine = engine
        self._lock: Any = None

    async def handled(self, update_id: int) -> bool:
        async with self.engine.connect() as connection:
            at = await connection.scalar(
                text("select handled_at from inbox where update_id = :id"), {"id": update_id}
            )
        return at is not None

    async def lock(self) -> None:
        """No commit gets through until `unlock` (another writer holds the database)."""
        if self.engine.dialect.name == "sqlite":
            path = self.url.split("///", 1)[1]
            connection = sqlite3.connect(
                path, timeout=30, isolation_level=None, check_same_thread=False
            )
            await asyncio.to_thread(connection.execute, "BEGIN IMMEDIATE")
            self._lock = connection
        else:
            import asyncpg

            dsn = self.url.replace("postgresql+asyncpg", "postgresql")
            connection = await asyncpg.connect(dsn)
            await connection.execute("BEGIN")
            await connection.execute("LOCK TABLE inbox IN EXCLUSIVE MODE")
            self._lock = connection

    async def unlock(self) -> None:
        connection, self._lock = self._lock, None
        if connection is None:
            return
        if isinstance(connection, sqlite3.Connection):
            connection.execute("ROLLBACK")
            connection.close()
        else:
            await connection.execute("ROLLBACK")
            await connection.close()


# --- the bot process -------------------------------------------------------------------------


class Bot:
    def __init__(self, env: dict[str, str], workdir: Path, telegram: Telegram) -> None:
        self.env = env
        self.workdir = workdir
        self.telegram = telegram
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    async def start(self) -> None:
        self.runs += 1
        polls = self.telegram.polls
        log = open(self.workdir / f"run-{self.runs}.log", "wb")  # noqa: SIM115 (the child's)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--at", AT],
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        await until(lambda: self.telegram.polls > polls, "the bot polling", self)

    def kill(self) -> None:
        """SIGKILL, and the process reaped (a zombie's pid would look alive)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.kill()

    def logs(self) -> str:
        tails = []
        for run in range(max(1, self.runs - 1), self.runs + 1):
            path = self.workdir / f"run-{run}.log"
            if path.exists():
                tails.append(f"--- run {run}\n" + path.read_text(errors="replace")[-3000:])
        return "\n".join(tails)


async def until(done: Callable[[], bool], what: str, bot: Bot) -> None:
    deadline_ = time.monotonic() + WAIT
    while not done():
        if bot.process is not None and bot.process.poll() is not None:
            raise AssertionError(
                f"the bot exited ({bot.process.returncode}) waiting for {what}\n" + bot.logs()
            )
        if time.monotonic() > deadline_:
            raise AssertionError(f"{what}: not after {WAIT:.0f} s\n" + bot.logs())
        await asyncio.sleep(0.02)


# --- one case --------------------------------------------------------------------------------


@dataclass
class User:
    user_id: int
    telegram: Telegram
    database: Database
    bot: Bot

    def update(self, step: Step) -> dict[str, Any]:
        kind, value = step
        person = {"id": self.user_id, "is_bot": False, "first_name": "U", "language_code": "en"}
        chat = {"id": self.user_id, "type": "private"}
        if kind == "send":
            message: dict[str, Any] = {
                "message_id": next(self.telegram.ids) + 10_000,
                "date": int(time.time()),
                "chat": chat,
                "from": person,
                "text": value,
            }
            if value.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(value)}]
            return {"message": message}
        if kind == "press":
            shown, data = self.telegram.button(self.user_id, value)
        else:
            messages = self.telegram.shown.get(self.user_id, {})
            shown = max(messages.values(), key=lambda m: m.message_id)
            data = value
        query_id = f"q{next(self.telegram.ids)}"
        self.telegram.owners[query_id] = self.user_id
        query = {
            "id": query_id,
            "from": person,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": shown.message_id,
                "date": int(time.time()),
                "chat": chat,
                "text": shown.text,
            },
        }
        return {"callback_query": query}

    async def do(self, step: Step) -> int:
        """Send the step, wait until the bot has handled it (its inbox mark is committed)
        and answered; returns the update's id."""
        before = len(self.telegram.texts.get(self.user_id, []))
        update_id = self.telegram.add(self.update(step))
        await self.handled(update_id, step)
        replies = self.telegram.seen_since(self.user_id, before)
        assert replies, f"no answer to {step}\n" + self.bot.logs()
        return update_id

    async def handled(self, update_id: int, step: Step) -> None:
        deadline_ = time.monotonic() + WAIT
        while not await self.database.handled(update_id):
            process = self.bot.process
            if process is not None and process.poll() is not None:
                raise AssertionError(f"the bot exited handling {step}\n" + self.bot.logs())
            if time.monotonic() > deadline_:
                raise AssertionError(f"{step} not handled after {WAIT:.0f} s\n" + self.bot.logs())
            await asyncio.sleep(0.02)


async def crash_batch(
    dialogue: Dialogue, when: str, users: list[User], telegram: Telegram, bot: Bot
) -> list[str]:
    """User i goes through the dialogue up to step i; then each sends their step and the
    bot is killed when all of them are at their reply (`when`: before or after it is
    delivered). The same command starts the bot again, and each user carries on. Returns
    the cases that failed."""
    for number, user in enumerate(users):
        for step in dialogue.onboarding + dialogue.steps[:number]:
            await user.do(step)
    seen = {user.user_id: len(telegram.texts.get(user.user_id, [])) for user in users}
    telegram.holding = {user.user_id for user in users}
    update_ids = [telegram.add(user.update(dialogue.steps[n])) for n, user in enumerate(users)]
    await until(lambda: len(telegram.held) == len(users), "every reply of the batch", bot)
    database = users[0].database
    if when == "before":
        bot.kill()
        telegram.release(delivered=False)
    else:
        await database.lock()  # their commits wait behind it
        telegram.release(delivered=True)
        await asyncio.sleep(0.5)  # each handler goes on, then waits to commit
        bot.kill()
        await database.unlock()
    committed = [update_id for update_id in update_ids if await database.handled(update_id)]
    assert not committed, f"committed although their process was killed first: {committed}"
    await bot.start()
    failures = []
    for number, user in enumerate(users):
        step = dialogue.steps[number]
        case = f"{dialogue.name} · step {number + 1} {step} · killed {when} the reply"
        try:
            await user.handled(update_ids[number], step)
            answers = telegram.seen_since(user.user_id, seen[user.user_id])
            assert answers, "no answer to the step after the restart"
            for later in dialogue.steps[number + 1 :]:
                await user.do(later)
            await dialogue.check(database.engine, user.user_id)
            texts = telegram.texts.get(user.user_id, [])
            assert not [t for t in texts if t.startswith(APOLOGY)], "an apology was shown"
        except (AssertionError, LookupError) as error:
            failures.append(f"{case}: {error}")
    return failures


async def run_chain(
    dialogue: Dialogue, database_url: str, extra_env: dict[str, str], workdir: Path, first: int
) -> list[str]:
    """Every step of the dialogue, killed before and after its reply; returns the failures."""
    telegram = Telegram()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", telegram.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    env = {
        **{k: v for k, v in os.environ.items() if k not in SETTINGS},
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": database_url,
        "DEFAULT_LOCALE": "ru",
        "ADMIN_IDS": "7",
        "REMINDER_TICK_SECONDS": "0.5",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **extra_env,
    }
    engine = create_engine(database_url)
    database = Database(database_url, engine)
    bot = Bot(env, workdir, telegram)
    failures: list[str] = []
    try:
        await bot.start()
        user_ids = itertools.count(first)
        for when in ("before", "after"):
            users = [User(next(user_ids), telegram, database, bot) for _ in dialogue.steps]
            failures += await crash_batch(dialogue, when, users, telegram, bot)
    finally:
        telegram.release(delivered=False)
        bot.stop()
        await engine.dispose()
        await runner.cleanup()
    return failures


# --- the matrix ------------------------------------------------------------------------------


async def fresh_postgres(base: str, name: str) -> str:
    """A new empty database beside the test one (the test role may create databases)."""
    import asyncpg

    dsn = base.replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return base.rsplit("/", 1)[0] + "/" + name


async def upgrade(url: str) -> None:
    from storage.db import upgrade_database

    engine = create_engine(url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


async def matrix(tmp_path: Path, backend: str) -> list[str]:
    chains = []
    if backend == "postgres":
        await reset_servers()  # profiles cached by earlier runs for the same user ids go
    for number, dialogue in enumerate(DIALOGUES):
        workdir = tmp_path / f"{backend}-{number}"
        workdir.mkdir()
        extra: dict[str, str] = {}
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{workdir / 'joldas.db'}"
        else:
            url = await fresh_postgres(
                os.environ["JOLDAS_TEST_POSTGRES_URL"], f"joldas_crash_{number}"
            )
            await upgrade(url)
            extra["REDIS_URL"] = os.environ["JOLDAS_TEST_REDIS_URL"]
        chains.append(run_chain(dialogue, url, extra, workdir, first=1000 * (number + 1)))
    results = await asyncio.gather(*chains)
    return [failure for failures in results for failure in failures]


async def test_a_crash_at_any_step_of_five_dialogues_on_sqlite(tmp_path):
    failures = await matrix(tmp_path, "sqlite")
    assert not failures, "\n".join(failures)


async def test_a_crash_at_any_step_of_five_dialogues_on_postgres_and_redis(tmp_path):
    if not (os.environ.get("JOLDAS_TEST_POSTGRES_URL") and os.environ.get("JOLDAS_TEST_REDIS_URL")):
        pytest.skip("JOLDAS_TEST_POSTGRES_URL and JOLDAS_TEST_REDIS_URL are not both set")
    pytest.importorskip("asyncpg")
    failures = await matrix(tmp_path, "postgres")
    assert not failures, "\n".join(failures)
