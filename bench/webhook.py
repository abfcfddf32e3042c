"""Webhook mode under load: throughput and latency of `python -m bot run` instances.

    python bench/webhook.py [--postgres URL] [--redis URL] [--only sqlite,pg1,pg2]
        [--users 3000] [--concurrency 64] [--max-updates 4000] [--max-seconds 20]

Set-ups: SQLite x1 (no Redis), PostgreSQL+Redis x1 and PostgreSQL+Redis x2 instances (the
PostgreSQL URL comes from --postgres or JOLDAS_BENCH_POSTGRES_URL; without one the PG set-ups
are skipped; Redis from --redis or JOLDAS_BENCH_REDIS_URL, default db 14, flushed before each
PG set-up). Each set-up gets a fresh database (PostgreSQL: schema dropped and migrated) with
--users users inserted directly (kk/ru/en x migrant/emigrant/kandas, onboarded), then real
`python -m bot run` processes in webhook mode against a Bot API stand-in that runs, with the
load generator, in this process (one asyncio loop; aiohttp client with keep-alive).

Load: each user cycles through 12 updates: typed commands (/menu, /help, /profile,
/reminders), presses of its role's menu buttons (callback data packed with MenuCb, on a
fabricated bot message that the bot edits) and typed questions in its language. At most one
update per user is in flight, so every Bot API call is attributed exactly: an update's reply
is the first call for its chat after the POST (or answerCallbackQuery with its id); the user
is free again once all the calls its step makes (learnt in the dry run) have arrived.
  - dry run (not timed): a few users of every role and language go through the whole cycle;
    every update must be acked 200 and get a real answer (a text sent or edited, never the
    bot's apology); the mix and its shares are printed.
  - max: closed loop, --concurrency users each posting their next update when the previous
    one is done; --warmup updates not counted, then up to --max-updates or --max-seconds;
    throughput = replies/s in that window.
  - half: open loop at half that rate (fixed schedule, not waiting for replies) for up to
    --half-updates or --half-seconds; a send time with no free user is counted "late" and
    skipped. Ack (POST -> 200) and reply (POST -> first call) p50/p99.
  With two instances the POSTs alternate between their ports (as a round-robin proxy would).

CPU over each timed window: this process (getrusage: generator and stand-in), the bots,
PostgreSQL and Redis (from /proc), and the machine as a whole.

Targets: PG+Redis x2 >= 1.3x PG+Redis x1 (max updates/s); reply p99 <= 100 ms at half max.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web

from handlers.views.callbacks import MenuCb

ROOT = Path(__file__).resolve().parent.parent
BOT_ID = 123456
TOKEN = f"{BOT_ID}:BENCH-token"
HOOK_PATH = "/telegram/hook"
LANGS = ("kk", "ru", "en")
ROLES = ("migrant", "emigrant", "kandas")
FIRST_USER = 500_000
REPLY_TIMEOUT = 5.0  # seconds from the POST for an update's calls to arrive
APOLOGIES = ("Sorry, something went wrong", "Извините", "Кешіріңіз")
SEND_METHODS = ("sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup")
TARGET_SCALE = 1.3
TARGET_P99_MS = 100.0

# Typed questions by role and language (two each), all found by the knowledge base.
QUESTIONS = {
    "migrant": {
        "en": ("how do I register", "how do I renew my patent"),
        "ru": ("как продлить патент", "как встать на учет иностранцу"),
        "kk": ("тіркеу қалай", "патентті қалай ұзартамын"),
    },
    "emigrant": {
        "en": ("my employer took my passport", "what should I check before I go abroad"),
        "ru": ("работодатель забрал паспорт", "что проверить перед выездом за границу"),
        "kk": ("жұмыс беруші паспортымды алып қойды", "шетелге шықпас бұрын не тексеру керек"),
    },
    "kandas": {
        "en": ("how to get kandas status", "where can kandas settle"),
        "ru": ("как получить статус кандаса", "где кандасам селиться и какая помощь"),
        "kk": ("қандас мәртебесін қалай алуға болады", "қандастар қай өңірге қоныстанады"),
    },
}
# The role's own menu entries (handlers.views.ui.MENU_ITEMS); "registration" opens a date
# question, so the next press ("stay") is one that clears it before any typed text.
OWN_ITEMS = {
    "migrant": ("registration", "stay", "permit"),
    "emigrant": ("rights", "checklist", "rights"),
    "kandas": ("kandas_status", "kandas_regions", "kandas_status"),
}


def script(role: str, lang: str) -> list[tuple[str, str]]:
    """One user's cycle: ("command" | "press" | "question", text or callback data)."""
    own = [("press", MenuCb(item=item).pack()) for item in OWN_ITEMS[role]]
    first, second = QUESTIONS[role][lang]
    return [
        ("command", "/menu"),
        own[0],
        own[1],
        ("command", "/help"),
        ("question", first),
        own[2],
        ("press", MenuCb(item="reminders").pack()),
        ("command", "/profile"),
        ("press", MenuCb(item="help").pack()),
        ("question", second),
        ("command", "/reminders"),
        ("press", MenuCb(item="profile").pack()),
    ]


@dataclass
class BenchUser:
    id: int
    lang: str
    role: str
    steps: list[tuple[str, str]]
    position: int = 0


def make_users(count: int) -> list[BenchUser]:
    users = []
    for number in range(count):
        lang, role = LANGS[number % 3], ROLES[(number // 3) % 3]
        user = BenchUser(FIRST_USER + number, lang, role, script(role, lang))
        user.position = number % len(user.steps)
        users.append(user)
    return users


def user_rows(users: Sequence[BenchUser]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "id": user.id,
            "locale": user.lang,
            "role": user.role,
            "citizenship": "UZ" if user.role == "migrant" else None,
            "country_abroad": "KR" if user.role == "emigrant" else None,
            "region": None,
            "timezone": "Asia/Almaty",
            "is_active": True,
            "created_at": now,
            "updated_at": now,
        }
        for user in users
    ]


# --- one update in flight per user ---------------------------------------------------------


@dataclass(eq=False)
class Pending:
    user: BenchUser
    step: int
    kind: str
    callback_id: str | None
    expected: int
    done: asyncio.Future[None]
    t_post: float = 0.0
    t_ack: float = 0.0
    t_first: float | None = None
    t_last: float = 0.0
    port: int = 0
    status: int = 0
    calls: int = 0
    apology: bool = False
    timed_out: bool = False
    log: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ack_ms(self) -> float:
        return (self.t_ack - self.t_post) * 1000

    @property
    def reply_ms(self) -> float | None:
        return None if self.t_first is None else (self.t_first - self.t_post) * 1000


class Load:
    """The load generator and the Bot API stand-in's bookkeeping, on one event loop."""

    def __init__(self, users: list[BenchUser], secret: str) -> None:
        self.users = {user.id: user for user in users}
        self.secret = secret
        order = [user.id for user in users]
        random.Random(7).shuffle(order)
        self.free: deque[int] = deque(order)
        self.inflight: dict[int, Pending] = {}
        self.expected: dict[tuple[str, int], int] = {}
        self.update_ids = iter(range(1_000_000, 10**12))
        self.ports: list[int] = []
        self.turn = 0
        self.stray = 0
        self.quarantined = 0
        self.session: aiohttp.ClientSession | None = None
        self.record = False

    # the stand-in -----------------------------------------------------------------------

    async def bot_api(self, request: web.Request) -> web.Response:
        now = time.perf_counter()
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        self.note(method, params, now)
        return web.json_response({"ok": True, "result": self.result_of(method, params)})

    def note(self, method: str, params: dict[str, Any], now: float) -> None:
        callback_id = None
        if method == "answerCallbackQuery":
            callback_id = str(params.get("callback_query_id", ""))
            chat = callback_id.split("-")[0]
        elif method in SEND_METHODS:
            chat = str(params.get("chat_id", ""))
        else:
            return  # start-up calls (getMe, setWebhook, setMyCommands...)
        pending = self.inflight.get(int(chat)) if chat.lstrip("-").isdigit() else None
        if pending is None or (callback_id is not None and callback_id != pending.callback_id):
            self.stray += 1
            return
        pending.calls += 1
        pending.t_last = now
        if pending.t_first is None:
            pending.t_first = now
        text = str(params.get("text") or params.get("caption") or "")
        if any(marker in text for marker in APOLOGIES):
            pending.apology = True
        if self.record:
            pending.log.append((method, text))
        if pending.calls >= pending.expected and not pending.done.done():
            pending.done.set_result(None)

    @staticmethod
    def result_of(method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Joldas", "username": "jbench_bot"}
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method in SEND_METHODS:
            chat = int(str(params.get("chat_id", "0")))
            message: dict[str, Any] = {
                "message_id": int(str(params.get("message_id") or 0)) or random.randrange(1, 2**30),
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
            }
            if method == "sendDocument":
                message["document"] = {"file_id": "f", "file_unique_id": "f"}
            else:
                message["text"] = str(params.get("text") or "x")
            return message
        return True

    # the generator ----------------------------------------------------------------------

    def build(self, user: BenchUser, step: int) -> tuple[bytes, str, str | None]:
        kind, value = user.steps[step]
        update_id = next(self.update_ids)
        sender = {"id": user.id, "is_bot": False, "first_name": "U", "language_code": user.lang}
        chat = {"id": user.id, "type": "private", "first_name": "U"}
        now = int(time.time())
        callback_id = None
        if kind == "press":
            callback_id = f"{user.id}-{update_id}"
            shown = {
                "message_id": update_id,
                "date": now,
                "chat": chat,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Joldas"},
                "text": "x",
            }
            payload: dict[str, Any] = {
                "callback_query": {
                    "id": callback_id,
                    "from": sender,
                    "chat_instance": str(user.id),
                    "data": value,
                    "message": shown,
                }
            }
        else:
            message: dict[str, Any] = {
                "message_id": update_id,
                "date": now,
                "chat": chat,
                "from": sender,
                "text": value,
            }
            if kind == "command":
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(value)}]
            payload = {"message": message}
        body = json.dumps({"update_id": update_id, **payload}, ensure_ascii=False).encode()
        return body, kind, callback_id

    async def one(self, uid: int, expected: int | None = None) -> Pending:
        """Post the user's next update and wait for its calls (or the timeout)."""
        assert self.session is not None
        user = self.users[uid]
        step = user.position % len(user.steps)
        user.position += 1
        body, kind, callback_id = self.build(user, step)
        want = expected if expected is not None else self.expected.get((user.role, step), 1)
        done = asyncio.get_running_loop().create_future()
        pending = Pending(user, step, kind, callback_id, want, done)
        self.inflight[uid] = pending
        port = pending.port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        headers = {
            "X-Telegram-Bot-Api-Secret-Token": self.secret,
            "Content-Type": "application/json",
        }
        pending.t_post = time.perf_counter()
        try:
            async with self.session.post(
                f"http://127.0.0.1:{port}{HOOK_PATH}", data=body, headers=headers
            ) as response:
                await response.read()
                pending.status = response.status
        except (aiohttp.ClientError, TimeoutError):
            pending.status = -1
        pending.t_ack = time.perf_counter()
        if pending.status == 200 and expected is None:
            left = REPLY_TIMEOUT - (pending.t_ack - pending.t_post)
            try:
                await asyncio.wait_for(asyncio.shield(done), timeout=max(left, 0.01))
            except TimeoutError:
                pending.timed_out = True
        if expected is None:
            self.release(pending)
        return pending

    def release(self, pending: Pending) -> None:
        uid = pending.user.id
        del self.inflight[uid]
        if pending.timed_out:  # its calls may still come: the user leaves the pool
            self.quarantined += 1
        else:
            self.free.append(uid)


# --- phases --------------------------------------------------------------------------------

QUIET = 0.3  # dry run: an update is done when its chat has been quiet this long


async def dry_run(load: Load, sample: list[BenchUser]) -> list[str]:
    """Every step of every sampled user, one at a time per user; learns each step's calls.
    Returns the problems found."""
    load.record = True
    for user in sample:
        load.free.remove(user.id)
        user.position = 0
    problems: list[str] = []
    seen: dict[tuple[str, int], set[int]] = {}
    kinds: Counter[str] = Counter()
    methods: dict[str, Counter[str]] = {}

    async def walk(user: BenchUser) -> None:
        for _ in range(len(user.steps)):
            pending = await load.one(user.id, expected=10**9)
            deadline = pending.t_post + REPLY_TIMEOUT
            while time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
                if pending.t_first is not None and time.perf_counter() - pending.t_last > QUIET:
                    break
            del load.inflight[user.id]
            kinds[pending.kind] += 1
            calls = [method for method, _ in pending.log]
            methods.setdefault(pending.kind, Counter())["+".join(calls) or "nothing"] += 1
            seen.setdefault((user.role, pending.step), set()).add(len(calls))
            value = user.steps[pending.step][1]
            where = f"{user.role}/{user.lang} {pending.kind} {value!r}"
            texts = [text for method, text in pending.log if method != "answerCallbackQuery"]
            if pending.status != 200:
                problems.append(f"{where}: webhook answered {pending.status}")
            elif not calls:
                problems.append(f"{where}: no reply within {REPLY_TIMEOUT:.0f} s")
            elif pending.apology:
                problems.append(f"{where}: the bot apologised")
            elif not any(texts):
                problems.append(f"{where}: no text sent or edited ({'+'.join(calls)})")
            elif pending.kind == "press" and "answerCallbackQuery" not in calls:
                problems.append(f"{where}: the press was not answered")

    await asyncio.gather(*(walk(user) for user in sample))
    load.record = False
    for key, counts in seen.items():
        load.expected[key] = min(counts)
        if len(counts) > 1:
            problems.append(f"{key}: the step made {sorted(counts)} calls for different users")
    for user in sample:
        load.free.append(user.id)
    total = sum(kinds.values())
    print(f"  dry run: {total} updates from {len(sample)} users, all kinds and languages")
    for kind in ("command", "press", "question"):
        shapes = ", ".join(f"{shape} x{n}" for shape, n in methods.get(kind, Counter()).items())
        print(f"    {kind:8} {kinds[kind] / total:4.0%}  calls: {shapes}")
    return problems


@dataclass
class Window:
    results: list[Pending]
    seconds: float
    cpu: dict[str, float]
    late: int = 0
    lag_ms: float = 0.0

    def replies(self, start: float, end: float) -> int:
        return sum(1 for p in self.results if p.t_first is not None and start <= p.t_first <= end)


async def closed_loop(
    load: Load,
    concurrency: int,
    warmup: int,
    max_updates: int,
    max_seconds: float,
    pids: list[int],
) -> tuple[float, Window]:
    results: list[Pending] = []
    state = {"stop": False, "t0": None, "counted": 0, "done": 0}

    async def worker() -> None:
        while not state["stop"]:
            if not load.free:
                await asyncio.sleep(0.002)
                continue
            pending = await load.one(load.free.popleft())
            state["done"] += 1
            t0 = state["t0"]
            if t0 is not None and pending.t_post >= t0:
                results.append(pending)
                state["counted"] += 1

    workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
    try:
        started = time.perf_counter()
        while state["done"] < warmup and time.perf_counter() - started < max_seconds:
            await asyncio.sleep(0.01)
        t0 = time.perf_counter()
        state["t0"] = t0
        cpu = CpuMeter(pids)
        while state["counted"] < max_updates and time.perf_counter() - t0 < max_seconds:
            await asyncio.sleep(0.01)
        t1 = time.perf_counter()
        usage = cpu.read(t1 - t0)
        state["stop"] = True
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    window = Window(results, t1 - t0, usage)
    return window.replies(t0, t1) / (t1 - t0), window


async def open_loop(
    load: Load, rate: float, max_updates: int, max_seconds: float, pids: list[int]
) -> Window:
    tasks: set[asyncio.Task[Pending]] = set()
    late = 0
    lags: list[float] = []
    interval = 1.0 / rate
    start = time.perf_counter() + 0.01
    cpu = CpuMeter(pids)
    scheduled = 0
    try:
        for number in range(max_updates):
            due = start + number * interval
            if due - start >= max_seconds:
                break
            scheduled += 1
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lags.append(time.perf_counter() - due)
            if not load.free:
                late += 1
                continue
            task = asyncio.create_task(load.one(load.free.popleft()))
            tasks.add(task)
        usage = cpu.read(time.perf_counter() - start)
        results = list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return Window(results, scheduled * interval, usage, late, percentile(lags, 99) * 1000)


# --- measuring -----------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu() -> dict[int, tuple[str, float]]:
    """Every process's name and CPU seconds so far (utime + stime), from /proc."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        found[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return found


def machine_busy() -> tuple[float, float]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, float(sum(values))


class CpuMeter:
    """CPU used over a window by this process, the bots, PostgreSQL, Redis, the machine."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = set(pids)
        self.rusage = self._self()
        self.procs = process_cpu()
        self.machine = machine_busy()

    @staticmethod
    def _self() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def _group(self, pid: int, name: str) -> str | None:
        if pid in self.pids:
            return "bots"
        if name.startswith("postgres"):
            return "postgres"
        if name.startswith("redis"):
            return "redis"
        return None

    def read(self, wall: float) -> dict[str, float]:
        """Cores used on average over `wall` seconds, by group."""
        after = process_cpu()
        used: Counter[str] = Counter()
        for pid, (name, seconds) in after.items():
            group = self._group(pid, name)
            if group is not None:
                used[group] += seconds - self.procs.get(pid, (name, 0.0))[1]
        used["bench"] = self._self() - self.rusage
        busy, total = machine_busy()
        share = (busy - self.machine[0]) / max(total - self.machine[1], 1)
        result = {group: seconds / wall for group, seconds in used.items()}
        result["machine"] = share * (os.cpu_count() or 1)
        return result


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def cpu_line(usage: dict[str, float]) -> str:
    parts = [f"{group} {usage.get(group, 0.0):.2f}" for group in ("bench", "bots", "postgres")]
    parts += [f"redis {usage.get('redis', 0.0):.2f}", f"machine {usage['machine']:.2f}"]
    return "cores used: " + ", ".join(parts) + f" of {os.cpu_count()}"


# --- set-ups -------------------------------------------------------------------------------


@dataclass
class Setup:
    name: str
    instances: int
    database_url: str
    redis_url: str | None


@dataclass
class Outcome:
    setup: Setup
    max_rate: float = 0.0
    offered: float = 0.0
    ack: tuple[float, float] = (float("nan"), float("nan"))
    reply: tuple[float, float] = (float("nan"), float("nan"))
    non_200: int = 0
    apologies: int = 0
    timeouts: int = 0
    late: int = 0
    problems: list[str] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)


async def prepare_database(url: str, users: list[BenchUser], postgres: bool) -> None:
    from sqlalchemy import insert, text

    from storage.db import create_engine, upgrade_database
    from storage.models import User

    engine = create_engine(url)
    try:
        if postgres:
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        await upgrade_database(engine)
        async with engine.begin() as connection:
            await connection.execute(insert(User.__table__), user_rows(users))
    finally:
        await engine.dispose()


async def flush_redis(url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CHILDREN: list[asyncio.subprocess.Process] = []


def bot_env(setup: Setup, api_port: int, port: int, secret: str) -> dict[str, str]:
    from bot.config import Settings

    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    env.update(
        PYTHONPATH=str(ROOT),
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=f"http://127.0.0.1:{api_port}",
        WEBHOOK_URL=f"https://bench.invalid{HOOK_PATH}",
        WEBHOOK_SECRET=secret,
        WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        DATABASE_URL=setup.database_url,
        SEND_RATE="0",
        SEND_RATE_PER_CHAT="0",
        BROADCAST_RATE="0",
        LOG_LEVEL="WARNING",
        ADMIN_IDS="7",
    )
    if setup.redis_url:
        env["REDIS_URL"] = setup.redis_url
    return env


async def start_instances(
    setup: Setup, folder: Path, api_port: int, secret: str
) -> tuple[list[asyncio.subprocess.Process], list[int], list[Path]]:
    processes, ports, logs = [], [], []
    for number in range(setup.instances):
        port = free_port()
        log = folder / f"{setup.name}-{number}.log"
        with open(log, "wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=folder,  # no .env picked up
                env=bot_env(setup, api_port, port, secret),
            )
        CHILDREN.append(process)
        processes.append(process)
        ports.append(port)
        logs.append(log)
    try:
        await wait_healthy(processes, ports, logs)
    except BaseException:
        await stop_instances(processes)
        raise
    return processes, ports, logs


async def wait_healthy(
    processes: list[asyncio.subprocess.Process], ports: list[int], logs: list[Path]
) -> None:
    async with aiohttp.ClientSession() as client:
        for process, port, log in zip(processes, ports, logs, strict=True):
            deadline = time.perf_counter() + 60
            while True:
                if process.returncode is not None:
                    tail = log.read_text(errors="replace")[-1500:]
                    raise RuntimeError(f"instance on :{port} exited at start:\n{tail}")
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"instance on :{port} not healthy after 60 s")
                with contextlib.suppress(aiohttp.ClientError):
                    async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.1)


async def stop_instances(processes: list[asyncio.subprocess.Process]) -> None:
    for process in processes:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), timeout=15)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        if process in CHILDREN:
            CHILDREN.remove(process)


def log_findings(logs: list[Path]) -> list[str]:
    """The first traceback (or error lines) the instances wrote, and how many lines."""
    lines: list[str] = []
    for log in logs:
        text = log.read_text(errors="replace").splitlines()
        interesting = [line for line in text if line.strip() and "Received SIGTERM" not in line]
        if interesting:
            lines.append(f"{log.name}: {len(interesting)} log lines, first:")
            lines += ["    " + line[:160] for line in interesting[:6]]
    return lines


async def run_setup(setup: Setup, args: argparse.Namespace, folder: Path, api: Any) -> Outcome:
    outcome = Outcome(setup)
    users = make_users(args.users)
    secret = secrets.token_urlsafe(24)
    postgres = setup.database_url.startswith("postgresql")
    print(f"\n== {setup.name}")
    await prepare_database(setup.database_url, users, postgres)
    if setup.redis_url:
        await flush_redis(setup.redis_url)
    load = Load(users, secret)
    api.load = load
    processes: list[asyncio.subprocess.Process] = []
    logs: list[Path] = []
    connector = aiohttp.TCPConnector(limit=max(4 * args.concurrency, 256), keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=REPLY_TIMEOUT)
    try:
        started = time.perf_counter()
        processes, load.ports, logs = await start_instances(setup, folder, api.port, secret)
        print(f"  {setup.instances} instance(s) healthy in {time.perf_counter() - started:.1f} s")
        pids = [process.pid for process in processes]
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            load.session = session
            sample = [users[i] for i in range(9)]  # every role x language
            problems = await dry_run(load, sample)
            if problems:
                outcome.problems = problems
                print("  dry run FAILED:")
                for problem in problems[:10]:
                    print(f"    {problem}")
                return outcome
            rate, window = await closed_loop(
                load, args.concurrency, args.warmup, args.max_updates, args.max_seconds, pids
            )
            outcome.max_rate = rate
            replies = [p.reply_ms for p in window.results if p.reply_ms is not None]
            print(
                f"  max: {rate:.0f} updates/s over {window.seconds:.1f} s "
                f"({len(window.results)} updates, C={args.concurrency}); reply p50/p99 "
                f"{percentile(replies, 50):.0f}/{percentile(replies, 99):.0f} ms"
            )
            print(f"    {cpu_line(window.cpu)}")
            half = await open_loop(
                load, max(rate / 2, 1.0), args.half_updates, args.half_seconds, pids
            )
            sent = half.results
            acks = [p.ack_ms for p in sent if p.status == 200]
            replies = [p.reply_ms for p in sent if p.reply_ms is not None]
            outcome.offered = len(sent) / half.seconds if half.seconds else 0.0
            outcome.ack = (percentile(acks, 50), percentile(acks, 99))
            outcome.reply = (percentile(replies, 50), percentile(replies, 99))
            outcome.late = half.late
            print(
                f"  half: {outcome.offered:.0f}/s offered for {half.seconds:.1f} s "
                f"({len(sent)} sent, {half.late} late); schedule lag p99 {half.lag_ms:.1f} ms"
            )
            print(f"    {cpu_line(half.cpu)}")
            everything = window.results + sent
            outcome.non_200 = sum(1 for p in everything if p.status != 200)
            outcome.apologies = sum(1 for p in everything if p.apology)
            outcome.timeouts = sum(1 for p in everything if p.timed_out)
            if load.stray:
                print(f"  calls not attributable to an update in flight: {load.stray}")
    finally:
        await stop_instances(processes)
        outcome.log_lines = log_findings(logs)
        for line in outcome.log_lines[:14]:
            print(f"  {line}")
    return outcome


# --- the stand-in server and the report ----------------------------------------------------


class StandIn:
    def __init__(self) -> None:
        self.load: Load | None = None
        self.port = 0
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        if self.load is None:
            return web.json_response({"ok": True, "result": True})
        return await self.load.bot_api(request)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        self.port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def ms(pair: tuple[float, float]) -> str:
    return f"{pair[0]:.0f}/{pair[1]:.0f}"


def report(outcomes: list[Outcome]) -> None:
    print(
        "\nset-up          | inst | max upd/s | half: offered/s | ack p50/p99 ms "
        "| reply p50/p99 ms | errors: non-200/apology/timeout (late)"
    )
    for o in outcomes:
        failed = " FAILED (see above)" if o.problems else ""
        print(
            f"{o.setup.name:15} | {o.setup.instances:4} | {o.max_rate:9.0f} | {o.offered:15.0f} "
            f"| {ms(o.ack):>14} | {ms(o.reply):>16} "
            f"| {o.non_200}/{o.apologies}/{o.timeouts} ({o.late} late){failed}"
        )
    by_name = {o.setup.name: o for o in outcomes if not o.problems}
    one, two = by_name.get("PG+Redis x1"), by_name.get("PG+Redis x2")
    if one and two and one.max_rate:
        ratio = two.max_rate / one.max_rate
        verdict = "met" if ratio >= TARGET_SCALE else "NOT met"
        print(
            f"2 instances / 1 instance (PG+Redis): {ratio:.2f}x "
            f"(target >= {TARGET_SCALE}; {verdict})"
        )
    else:
        print("2 instances / 1 instance (PG+Redis): not measured")
    parts = []
    for o in outcomes:
        if not o.problems:
            mark = "ok" if o.reply[1] <= TARGET_P99_MS else "OVER"
            parts.append(f"{o.setup.name} {o.reply[1]:.0f} ms ({mark})")
    measured = "; ".join(parts) or "not measured"
    print(f"p99 at half max (reply): {measured} (target <= {TARGET_P99_MS:.0f} ms)")


def check_targets(postgres: str | None, redis: str) -> None:
    if postgres and (urlsplit(postgres).path.strip("/") in ("joldas_test", "joldas_copy_test")):
        raise SystemExit("refusing the test suite's database: create joldas_bench for the bench")
    if urlsplit(redis).path.strip("/") == "15":
        raise SystemExit("refusing Redis db 15 (the test suite's): use another, e.g. /14")


async def amain(args: argparse.Namespace, folder: Path) -> None:
    wanted = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(wanted) - {"sqlite", "pg1", "pg2"}
    if unknown:
        raise SystemExit(f"--only takes sqlite, pg1, pg2; not {', '.join(sorted(unknown))}")
    setups: list[Setup] = []
    if "sqlite" in wanted:
        setups.append(Setup("SQLite x1", 1, f"sqlite+aiosqlite:///{folder / 'bench.db'}", None))
    pg = [name for name in ("pg1", "pg2") if name in wanted]
    if pg and not args.postgres:
        print("PG+Redis set-ups skipped: give --postgres URL or JOLDAS_BENCH_POSTGRES_URL")
    elif pg:
        for name in pg:
            count = 1 if name == "pg1" else 2
            label = f"PG+Redis x{count}"
            setups.append(Setup(label, count, args.postgres, args.redis))
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)  # cleans up
    api = StandIn()
    await api.start()
    outcomes: list[Outcome] = []
    try:
        for setup in setups:
            try:
                outcomes.append(await run_setup(setup, args, folder, api))
            except Exception as error:  # the next set-up still runs
                print(f"  {setup.name} failed: {error}")
                outcomes.append(Outcome(setup, problems=[str(error)]))
    finally:
        await api.stop()
    if outcomes:
        report(outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("JOLDAS_BENCH_POSTGRES_URL"))
    parser.add_argument(
        "--redis", default=os.environ.get("JOLDAS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--only", default="sqlite,pg1,pg2", help="comma-separated set-ups")
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=300, help="updates before the max window")
    parser.add_argument("--max-updates", type=int, default=4000)
    parser.add_argument("--max-seconds", type=float, default=20.0)
    parser.add_argument("--half-updates", type=int, default=3000)
    parser.add_argument("--half-seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.users < max(9, args.concurrency + 9):
        raise SystemExit("--users must exceed --concurrency by at least 9")
    check_targets(args.postgres, args.redis)
    with tempfile.TemporaryDirectory(prefix="joldas-webhook-") as folder:
        try:
            asyncio.run(amain(args, Path(folder)))
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("\ninterrupted: instances stopped, temporary files removed")
        finally:
            for process in CHILDREN:  # only if the loop died before stopping them
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
