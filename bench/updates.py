"""Throughput of the full bot against a bare aiogram echo, on the same updates.

    python bench/updates.py [--users 1000] [--rounds 3]

Each simulated user onboards (/start, language, role, country) and then navigates the menu
(/menu, menu entries, back, /help, /profile, stray text). Updates are built up front and fed
round-robin across users through `Dispatcher.feed_update` with the in-process Bot API
stand-in and a fresh SQLite file: in batches of 100 handled concurrently, as long polling
does (getUpdates returns up to 100; aiogram handles each as a task), and one at a time.
Prints both rates, their ratio (target >= 0.5) and peak RSS (target <= 120 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collections.abc import Iterator

from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import CallbackQuery, Message, Update

from bot.app import build_bot, create_app
from bot.config import Settings
from bot.simulator import LocalSession
from handlers.callbacks import CountryCb, LangCb, MenuCb, RoleCb

LANGS = ("kk", "ru", "en")


def script(user_id: int) -> list[tuple[str, str]]:
    """What one user does: ("text", ...) or ("press", callback data)."""
    lang = LANGS[user_id % 3]
    return [
        ("text", "/start"),
        ("press", LangCb(code=lang).pack()),
        ("press", RoleCb(role="migrant").pack()),
        ("press", CountryCb(field="citizenship", code="UZ").pack()),
        ("text", "/menu"),
        ("press", MenuCb(item="registration").pack()),
        ("press", MenuCb(item="menu").pack()),
        ("press", MenuCb(item="stay").pack()),
        ("press", MenuCb(item="menu").pack()),
        ("press", MenuCb(item="help").pack()),
        ("press", MenuCb(item="menu").pack()),
        ("press", MenuCb(item="profile").pack()),
        ("text", "/help"),
        ("text", "hello"),
        ("press", MenuCb(item="permit").pack()),
        ("press", MenuCb(item="menu").pack()),
        ("text", "/menu"),
        ("press", MenuCb(item="insurance").pack()),
        ("press", MenuCb(item="menu").pack()),
        ("text", "/profile"),
    ]


def updates_of(users: int, bot: Bot) -> Iterator[Update]:
    """Every user's next step in turn, validated from JSON-like dicts as polling would."""
    ids = itertools.count(1)
    scripts = {uid: script(uid) for uid in range(10_000, 10_000 + users)}
    for step in range(len(next(iter(scripts.values())))):
        for uid, actions in scripts.items():
            kind, value = actions[step]
            user = {"id": uid, "is_bot": False, "first_name": "U", "language_code": LANGS[uid % 3]}
            chat = {"id": uid, "type": "private"}
            if kind == "text":
                entities = (
                    [{"type": "bot_command", "offset": 0, "length": len(value)}]
                    if value.startswith("/")
                    else None
                )
                payload = {
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
            yield Update.model_validate({"update_id": next(ids), **payload}, context={"bot": bot})


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text)

    @router.callback_query()
    async def press(callback: CallbackQuery) -> None:
        await callback.answer()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


async def feed(dispatcher: Dispatcher, bot: Bot, users: int, batch: int) -> tuple[int, float]:
    """Feed every update; `batch` > 1 handles that many at once, as polling does."""
    gc.collect()
    count, started = 0, time.perf_counter()
    updates = updates_of(users, bot)
    while chunk := list(itertools.islice(updates, batch)):
        if batch == 1:
            await dispatcher.feed_update(bot, chunk[0])
        else:
            await asyncio.gather(*(dispatcher.feed_update(bot, update) for update in chunk))
        count += len(chunk)
    return count, count / (time.perf_counter() - started)


async def measure(folder: str, users: int, rounds: int, batch: int) -> tuple[int, float, float]:
    """Best rates of `rounds` runs: (updates, bare echo, joldas)."""
    echo_rates, bot_rates = [], []
    for round_number in range(rounds):
        url = f"sqlite+aiosqlite:///{folder}/bench-{batch}-{round_number}.db"
        settings = Settings(_env_file=None, database_url=url)
        app = await create_app(settings)
        bot = build_bot(settings, session=LocalSession(record=False))
        count, rate = await feed(echo_dispatcher(), bot, users, batch)
        echo_rates.append(rate)
        bot_rates.append((await feed(app.dispatcher, bot, users, batch))[1])
        await app.close()
    return count, max(echo_rates), max(bot_rates)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="best of N runs for each side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for label, batch in (("as polling (100 at once)", 100), ("one at a time", 1)):
            count, bare, ours = await measure(folder, args.users, args.rounds, batch)
            print(f"{label}: {count} updates, {args.users} users, best of {args.rounds}")
            print(f"  bare echo: {bare:8,.0f} updates/s")
            print(f"  joldas:    {ours:8,.0f} updates/s")
            print(f"  ratio:     {ours / bare:8.2f}   (target >= 0.5)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS:    {peak_mb:8.0f} MB   (target <= 120 MB)")
    print(f"  of which `import aiogram` alone: {framework_floor_mb():.0f} MB")


def framework_floor_mb() -> float:
    """Peak RSS of a fresh interpreter that only imports aiogram (its pydantic models)."""
    probe = (
        "import aiogram; print([l for l in open('/proc/self/status') if l.startswith('VmHWM')]"
        "[0].split()[1])"  # VmHWM resets at exec; ru_maxrss would carry ours over
    )
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    return int(output.stdout) / 1024


if __name__ == "__main__":
    asyncio.run(main())
