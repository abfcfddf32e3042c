"""Throughput of the full bot against a bare aiogram echo, on the same updates; footprint.

    python bench/updates.py [--users 1000] [--rounds 5] [--no-throughput] [--no-footprint]
        [--no-scripts]
        [--postgres URL --redis URL]   (or JOLDAS_BENCH_POSTGRES_URL, JOLDAS_BENCH_REDIS_URL)

Throughput. Each simulated user onboards (/start, language, role, country) and then
navigates the menu (/menu, menu entries, back, /help, /profile, stray text). Both bots get
the same updates through `Dispatcher.feed_update` with the in-process Bot API stand-in
(`LocalSession`), in batches of 100 handled concurrently, as long polling does (getUpdates
returns up to 100; aiogram handles each as a task), and one at a time.
  - Every Update is validated from JSON-like dicts *before* its timed run, for both bots:
    only handling is timed (for the bot, handling plus draining its group writer).
  - The echo's filter is a coroutine function: aiogram runs a sync filter such as `F.text`
    in a worker thread (one thread hop per update), which would slow the baseline.
  - Runs are interleaved (echo, bot, echo, bot, ...) so machine noise hits both; the bot
    gets a fresh SQLite file each run (with PostgreSQL + Redis given, the same again there:
    a wiped schema and an empty Redis database each run). Objects built before the clock
    starts are frozen (`gc.freeze()`), as the runner does after start-up.
  - "As the runner polls": the bot fed as `python -m bot run` feeds it, each batch of 100
    written to the inbox first (one transaction), then handled; the difference to the
    plain polling figure is what the inbox costs. Per-update µs is the median of the rounds (best in
    brackets); the ratio is the median of the per-round ratios (target >= 0.5).

Kazakh by script. The same kandas walk (onboarding with the script question, the guides, the
support calculator) by readers of Cyrillic, 2021 Latin and Arabic script: µs per update of
each, and what Latin and Arabic add to Cyrillic (the conversion on the way out, its cache).

Footprint (each in a fresh interpreter, so nothing of this process is counted):
  - peak RSS at rest: VmHWM after importing the bot and building it (`create_app` on a
    fresh SQLite file, then again on that file as a restart; `build_bot`), next to
    aiogram's own floor (`import aiogram`, a Dispatcher and a Bot); target: bot <= floor
    + 40 MB;
  - start-up to first poll: wall time from spawning `python -m bot run` (against a Bot API
    stand-in on 127.0.0.1) to its first getUpdates request, on a fresh database and on a
    restart, next to spawning a bare `import aiogram`; target: bot <= aiogram + 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot, Dispatcher, Router
from aiogram.types import CallbackQuery, Message, Update

from bot.app import build_bot, create_app
from bot.config import Settings
from bot.services.inbox import Intake
from bot.simulator import LocalSession

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("kk", "ru", "en")
# Packed callback data, written out (handlers.callbacks: prefix and fields joined by ":"),
# so the bench runs the same on commits where that module lives elsewhere.
MENU = "m:{}"


def script(user_id: int) -> list[tuple[str, str]]:
    """What one user does: ("text", ...) or ("press", callback data)."""
    lang = LANGS[user_id % 3]
    return [
        ("text", "/start"),
        ("press", f"lang:{lang}"),
        ("press", "role:migrant"),
        ("press", "ctry:citizenship:UZ"),
        ("text", "/menu"),
        ("press", MENU.format("registration")),
        ("press", MENU.format("menu")),
        ("press", MENU.format("stay")),
        ("press", MENU.format("menu")),
        ("press", MENU.format("help")),
        ("press", MENU.format("menu")),
        ("press", MENU.format("profile")),
        ("text", "/help"),
        ("text", "hello"),
        ("press", MENU.format("permit")),
        ("press", MENU.format("menu")),
        ("text", "/menu"),
        ("press", MENU.format("insurance")),
        ("press", MENU.format("menu")),
        ("text", "/profile"),
    ]


def kandas_steps(reading: str) -> Callable[[int], list[tuple[str, str]]]:
    """A kandas from China reading Kazakh in `reading` (cyrl | latn | arab): onboarding with
    the script question, then the kandas guides, the support calculator and the menu."""

    def steps(user_id: int) -> list[tuple[str, str]]:
        return [
            ("text", "/start"),
            ("press", "lang:kk"),
            ("press", "role:kandas"),
            ("press", "ctry:origin:CN"),
            ("press", f"script:{reading}"),
            ("text", "/menu"),
            ("press", MENU.format("kandas_status")),
            ("press", MENU.format("menu")),
            ("press", MENU.format("kandas_regions")),
            ("press", "kd:family:4"),
            ("press", MENU.format("menu")),
            ("press", MENU.format("residence")),
            ("press", MENU.format("menu")),
            ("press", MENU.format("help")),
            ("press", MENU.format("profile")),
            ("text", "/help"),
            ("press", MENU.format("kandas_arrival")),
            ("press", MENU.format("menu")),
            ("text", "/profile"),
            ("text", "/menu"),
        ]

    return steps


def payloads_of(
    users: int, steps: Callable[[int], list[tuple[str, str]]] = script, lang: str | None = None
) -> list[dict[str, Any]]:
    """Every user's next step in turn, as the JSON getUpdates would return (the Telegram
    app's language: `lang`, else one of the three by user)."""
    ids = itertools.count(1)
    scripts = {uid: steps(uid) for uid in range(10_000, 10_000 + users)}
    steps = len(next(iter(scripts.values())))
    result = []
    for step in range(steps):
        for uid, actions in scripts.items():
            kind, value = actions[step]
            code = lang or LANGS[uid % 3]
            user = {"id": uid, "is_bot": False, "first_name": "U", "language_code": code}
            chat = {"id": uid, "type": "private"}
            if kind == "text":
                entities = (
                    [{"type": "bot_command", "offset": 0, "length": len(value)}]
                    if value.startswith("/")
                    else None
                )
                payload: dict[str, Any] = {
                    "message": {
                        "message_id": next(ids),
                        "date": 0,
                        "chat": chat,
                        "from": user,
                        "text": value,
                        "entities": entities,
                    }
                }
            else:
                shown = {
                    "message_id": 1,
                    "date": 0,
                    "chat": chat,
                    "text": "menu",
                    "from": {"id": 1, "is_bot": True, "first_name": "Joldas"},
                }
                payload = {
                    "callback_query": {
                        "id": str(next(ids)),
                        "from": user,
                        "data": value,
                        "chat_instance": "c",
                        "message": shown,
                    }
                }
            result.append({"update_id": next(ids), **payload})
    return result


async def is_text(message: Message) -> bool:
    """The echo's filter: a coroutine function, so aiogram awaits it in the event loop."""
    return bool(message.text)


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(is_text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @router.callback_query()
    async def press(callback: CallbackQuery) -> None:
        await callback.answer()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def feed(dispatcher: Dispatcher, bot: Bot, updates: list[Update], batch: int) -> None:
    """Handle every (prebuilt) update; `batch` > 1 handles that many at once."""
    if batch == 1:
        for update in updates:
            await dispatcher.feed_update(bot, update)
    else:
        for start in range(0, len(updates), batch):
            chunk = updates[start : start + batch]
            await asyncio.gather(*(dispatcher.feed_update(bot, update) for update in chunk))


async def through_inbox(intake: Intake, updates: list[Update], batch: int) -> None:
    """As the runner polls: each batch written to the inbox (one transaction), then handled
    as tasks; the handled marks go with the next batch's write."""
    for start in range(0, len(updates), batch):
        await intake.take(updates[start : start + batch])
        await intake.idle()
    await intake.inbox.close()


@dataclass
class Backend:
    """Where the bot keeps its data: SQLite (the default), or PostgreSQL with Redis."""

    name: str
    postgres: str | None = None
    redis: str | None = None

    async def fresh(self, folder: str, tag: str) -> str:
        """An empty database at the latest schema (and an empty Redis); its URL."""
        if self.postgres is None:
            return f"sqlite+aiosqlite:///{folder}/{tag}.db"
        from redis.asyncio import Redis
        from sqlalchemy import text

        from storage.db import create_engine, upgrade_database

        engine = create_engine(self.postgres)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await upgrade_database(engine)
        await engine.dispose()
        redis = Redis.from_url(self.redis or "")
        await redis.flushdb()
        await redis.aclose()
        return self.postgres


async def one_run(
    kind: str,
    database_url: str,
    payloads: list[dict[str, Any]],
    batch: int,
    redis_url: str | None = None,
) -> float:
    """Microseconds per update for one run of `kind` ("echo", "bot", or "inbox": the bot
    fed as the runner feeds it, through the inbox); setup not timed."""
    settings = Settings(_env_file=None, database_url=database_url, redis_url=redis_url)
    bot = build_bot(settings, session=LocalSession(record=False))
    app = await create_app(settings) if kind != "echo" else None
    dispatcher = app.dispatcher if app else echo_dispatcher()
    updates = [Update.model_validate(payload, context={"bot": bot}) for payload in payloads]
    gc.collect()
    gc.freeze()  # as the runner does after start-up (both bots, so the comparison holds)
    started = time.perf_counter()
    if app and kind == "inbox":
        await through_inbox(Intake(app.dispatcher, bot, app.inbox, app.writer), updates, batch)
    else:
        await feed(dispatcher, bot, updates, batch)
    if app:
        await app.writer.drain()  # writes the updates handed in are part of their cost
    elapsed = time.perf_counter() - started
    if app:
        await app.close()
    await bot.session.close()
    del updates
    gc.unfreeze()
    gc.collect()
    return elapsed / len(payloads) * 1e6


async def throughput(users: int, rounds: int, backend: Backend) -> None:
    payloads = payloads_of(users)
    print(f"== the bot on {backend.name}")
    with tempfile.TemporaryDirectory() as folder:
        for label, batch in (("as polling (100 at once)", 100), ("one at a time", 1)):
            echo_us: list[float] = []
            bot_us: list[float] = []
            for round_number in range(rounds):  # interleaved: echo, bot, echo, bot, ...
                echo_us.append(await one_run("echo", f"sqlite:///{folder}/e.db", payloads, batch))
                database = await backend.fresh(folder, f"bot-{batch}-{round_number}")
                bot_us.append(await one_run("bot", database, payloads, batch, backend.redis))
            echo, ours = statistics.median(echo_us), statistics.median(bot_us)
            if batch == 100:
                polled_us = bot_us
            ratio = statistics.median(e / b for e, b in zip(echo_us, bot_us, strict=True))
            print(f"{label}: {len(payloads)} updates, {users} users, {rounds} rounds interleaved")
            print(
                f"  bare echo: {echo:8.1f} µs/update (best {min(echo_us):.1f})"
                f" = {1e6 / echo:8,.0f} updates/s"
            )
            print(
                f"  joldas:    {ours:8.1f} µs/update (best {min(bot_us):.1f})"
                f" = {1e6 / ours:8,.0f} updates/s"
            )
            print(f"  ratio:     {ratio:8.2f}   (median of per-round echo/joldas; target >= 0.5)")
            print(f"    per round: {fmt([e / b for e, b in zip(echo_us, bot_us, strict=True)])}")
        inbox_us = []
        for round_number in range(rounds):
            database = await backend.fresh(folder, f"inbox-{round_number}")
            inbox_us.append(await one_run("inbox", database, payloads, 100, backend.redis))
        print("as the runner polls (100 at once, written to the inbox first):")
        inboxed = statistics.median(inbox_us)
        print(
            f"  joldas:    {inboxed:8.1f} µs/update (best {min(inbox_us):.1f})"
            f" = {1e6 / inboxed:8,.0f} updates/s; the inbox costs"
            f" {inboxed - statistics.median(polled_us):+.1f} µs/update"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this bench process peak RSS: {peak_mb:.0f} MB (holds prebuilt updates; not the bot's)")


async def script_costs(users: int, rounds: int) -> None:
    """What Kazakh in another script adds per update (bot/scripting.py): the same kandas
    walk by readers of Cyrillic, 2021 Latin and Arabic script, as polling (100 at once),
    interleaved, a fresh SQLite file each run. The converter's cache starts empty each run
    and fills as a running bot's does. Besides each run's µs/update (whole updates: noisy on
    a shared machine), the time spent in the conversion itself (the session middleware's
    recipient lookup and conversion) is timed directly."""
    from bot import scripting
    from bot.rules import scripts as converter

    spent = [0.0]
    convert, script_for = scripting.converted, scripting.ScriptRequests.script_for

    def timed_convert(method: Any, script: Any) -> Any:
        started = time.perf_counter()
        try:
            return convert(method, script)
        finally:
            spent[0] += time.perf_counter() - started

    async def timed_lookup(self: Any, method: Any) -> Any:
        started = time.perf_counter()
        try:
            return await script_for(self, method)
        finally:
            spent[0] += time.perf_counter() - started

    print(f"== Kazakh by script: a kandas from China, {users} users, {rounds} rounds interleaved")
    readings = ("cyrl", "latn", "arab")
    payloads = {reading: payloads_of(users, kandas_steps(reading), "kk") for reading in readings}
    costs: dict[str, list[float]] = {reading: [] for reading in readings}
    inside: dict[str, list[float]] = {reading: [] for reading in readings}
    scripting.converted = timed_convert  # type: ignore[assignment]
    scripting.ScriptRequests.script_for = timed_lookup  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as folder:
            for round_number in range(rounds):
                for reading in readings:
                    for cached in (converter.to_script, converter.to_cyrillic):
                        clear = getattr(cached, "cache_clear", None)
                        if clear is not None:
                            clear()
                    spent[0] = 0.0
                    database = f"sqlite+aiosqlite:///{folder}/{reading}-{round_number}.db"
                    costs[reading].append(await one_run("bot", database, payloads[reading], 100))
                    inside[reading].append(spent[0] / len(payloads[reading]) * 1e6)
    finally:
        scripting.converted = convert  # type: ignore[assignment]
        scripting.ScriptRequests.script_for = script_for  # type: ignore[method-assign]
    base = statistics.median(costs["cyrl"])
    for reading in readings:
        median = statistics.median(costs[reading])
        print(
            f"  {reading}: {median:8.1f} µs/update (best {min(costs[reading]):.1f}; "
            f"vs Cyrillic {median - base:+.1f}); in the script middleware "
            f"{statistics.median(inside[reading]):.1f} µs/update ({fmt(inside[reading])})"
        )


# --- footprint: fresh interpreters ------------------------------------------------------

# VmHWM resets at exec; ru_maxrss would carry the parent's over
VMHWM = "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"

REST_PROBE = """
import asyncio, sys
from bot.app import build_bot, create_app
from bot.config import Settings
from bot.services.inbox import Intake

async def main():
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{sys.argv[1]}",
        bot_token="123456:REST-token",
    )
    app = await create_app(settings)
    bot = build_bot(settings)
    app.dispatcher.resolve_used_update_types()
    await app.close()
    await bot.session.close()

asyncio.run(main())
"""

FLOOR_PROBE = """
import asyncio
from aiogram import Bot, Dispatcher

async def main():
    bot = Bot("123456:FLOOR-token")
    Dispatcher()
    await bot.session.close()

asyncio.run(main())
"""


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's packages, whatever is installed
    env.update(extra)
    return env


def peak_rss_mb(probe: str, *args: str) -> float:
    """VmHWM of a fresh interpreter that runs `probe` (with `args` in sys.argv), in MB."""
    with tempfile.TemporaryDirectory() as cwd:  # no .env picked up
        output = subprocess.run(
            [sys.executable, "-c", probe + "\n" + VMHWM, *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=child_env(),
            timeout=120,
            check=True,
        )
    return int(output.stdout.split()[-1]) / 1024


def framework_floor_mb() -> float:
    """Peak RSS of a fresh interpreter that only imports aiogram (its pydantic models)."""
    return peak_rss_mb("import aiogram")


async def import_seconds(module: str) -> float:
    """Wall time from spawning a fresh interpreter to `import <module>` being done."""
    with tempfile.TemporaryDirectory() as cwd:
        started = time.perf_counter()
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            f"import sys, {module}; sys.stdout.write('ready\\n'); sys.stdout.flush()",
            stdout=subprocess.PIPE,
            cwd=cwd,
            env=child_env(),
        )
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
        elapsed = time.perf_counter() - started
        await child.wait()
    if line.strip() != b"ready":
        raise RuntimeError(f"`import {module}` failed in a fresh interpreter")
    return elapsed


class FirstPoll:
    """A Bot API stand-in on 127.0.0.1 that notes when the first getUpdates arrives."""

    def __init__(self) -> None:
        self.polled = asyncio.Event()
        self.at = 0.0

    async def handle(self, request: Any) -> Any:
        from aiohttp import web

        method = request.match_info["method"]
        if method == "getUpdates" and not self.polled.is_set():
            self.at = time.perf_counter()
            self.polled.set()
        if method == "getMe":
            result: Any = {"id": 123456, "is_bot": True, "first_name": "J", "username": "j_bot"}
        elif method == "getUpdates":
            await asyncio.sleep(0.5)
            result = []
        else:
            result = True
        return web.json_response({"ok": True, "result": result})


async def first_poll_seconds(folder: str, database: str) -> float:
    """Wall time from spawning `python -m bot run` to its first getUpdates request."""
    from aiohttp import web

    stand_in = FirstPoll()
    server = web.Application()
    server.router.add_post("/bot{token}/{method}", stand_in.handle)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    env = child_env(
        BOT_TOKEN="123456:START-token",
        TELEGRAM_API_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        LOG_LEVEL="WARNING",
    )
    log = Path(folder) / "start.log"
    try:
        with open(log, "wb") as errors:
            started = time.perf_counter()
            child = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                stdout=subprocess.DEVNULL,
                stderr=errors,
                cwd=folder,
                env=env,
            )
            exited = asyncio.ensure_future(child.wait())
            polled = asyncio.ensure_future(stand_in.polled.wait())
            await asyncio.wait({exited, polled}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
            polled.cancel()
            if child.returncode is None:
                child.terminate()
                try:
                    await asyncio.wait_for(asyncio.shield(exited), timeout=10)
                except TimeoutError:
                    child.kill()
            await exited
    finally:
        await runner.cleanup()
    if not stand_in.polled.is_set():
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"`python -m bot run` never polled:\n{tail}")
    return stand_in.at - started


async def footprint(runs: int) -> None:
    fresh, again, floor = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(2):  # interleaved: floor, bot on a fresh file, bot restarted
            floor.append(peak_rss_mb(FLOOR_PROBE))
            database = f"{folder}/rest-{number}.db"
            fresh.append(peak_rss_mb(REST_PROBE, database))
            again.append(peak_rss_mb(REST_PROBE, database))
    floor_mb = min(floor)
    print("peak RSS at rest (VmHWM of a fresh interpreter that builds and stops, lower of 2):")
    print(f"  aiogram floor (import aiogram, Dispatcher(), Bot()):  {floor_mb:6.1f} MB")
    for label, values in (("fresh SQLite file", fresh), ("restart (at head)", again)):
        bot_mb = min(values)
        print(
            f"  joldas, create_app + build_bot, {label + ':':18}  {bot_mb:6.1f} MB"
            f"  difference {bot_mb - floor_mb:+.1f} MB   (target <= +60 MB)"
        )

    aiogram_s, first_s, again_s = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(runs):  # interleaved: import aiogram, first start, restart
            aiogram_s.append(await import_seconds("aiogram"))
            database = f"{folder}/start-{number}.db"
            first_s.append(await first_poll_seconds(folder, database))
            again_s.append(await first_poll_seconds(folder, database))
    aiogram_t = statistics.median(aiogram_s)
    print(f"start-up, spawn to first getUpdates (`python -m bot run`), median of {runs}:")
    print(f"  bare `import aiogram`:         {aiogram_t:5.2f} s  ({fmt(aiogram_s)})")
    for label, times in (("fresh database", first_s), ("restart (database at head)", again_s)):
        median = statistics.median(times)
        print(
            f"  joldas, {label + ':':27} {median:5.2f} s  ({fmt(times)})"
            f"  difference {median - aiogram_t:+.2f} s   (target <= +1 s)"
        )


def fmt(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved runs of each side")
    parser.add_argument("--startups", type=int, default=3, help="start-up runs of each kind")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--no-footprint", action="store_true")
    parser.add_argument("--no-scripts", action="store_true", help="skip Kazakh by script")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("JOLDAS_BENCH_POSTGRES_URL"),
        help="also run the bot on this PostgreSQL database (wiped) with --redis",
    )
    parser.add_argument("--redis", default=os.environ.get("JOLDAS_BENCH_REDIS_URL"))
    args = parser.parse_args()
    backends = [Backend("SQLite")]
    if args.postgres and args.redis:
        backends.append(Backend("PostgreSQL + Redis", args.postgres, args.redis))
    else:
        print("PostgreSQL + Redis: not measured (JOLDAS_BENCH_POSTGRES_URL/REDIS_URL unset)")
    if not args.no_throughput:
        for backend in backends:
            await throughput(args.users, args.rounds, backend)
    if not args.no_scripts:
        await script_costs(args.users, args.rounds)
    if not args.no_footprint:
        await footprint(args.startups)


if __name__ == "__main__":
    asyncio.run(main())
