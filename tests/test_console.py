"""`python -m bot console` in a real terminal session (stdin/stdout), no token needed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from bot import PROJECT_ROOT

LIMIT = 300  # seconds: a start-up that takes 2 s takes far longer on a loaded machine


def test_console_chat_with_numbered_buttons(tmp_path):
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"}
    environment["REMINDER_TICK_SECONDS"] = "0.05"  # /quit may come while reminders go out
    environment.pop("BOT_TOKEN", None)
    typed = "/start\n2\n1\n12\nhello <b>\n/profile\n/quit\n"
    command = [sys.executable, "-m", "bot", "console", "--lang", "ru"]
    command += ["--at", "2026-11-21T11:00"]  # the bot's clock, pinned
    # communicate() with no timeout and a watchdog, rather than subprocess's own timeout:
    # its polling sleep fails (EINVAL) under libfaketime, as CI's pinned-date runs use
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env=environment,
    )
    watchdog = threading.Timer(LIMIT, process.kill)
    watchdog.start()
    try:
        out, err = process.communicate(typed)
    finally:
        watchdog.cancel()
    if process.returncode == -signal.SIGKILL:
        pytest.fail(
            f"the console had not answered {typed!r} and quit after {LIMIT} s; it printed "
            f"{out!r} and on stderr {err!r}"
        )
    assert process.returncode == 0, err
    assert "[2] ✓ Русский" in out  # the app language is pre-selected
    assert "Кто вы?" in out  # pressing 2 chose Russian and moved on
    assert "Узбекистан" in out  # pressing 1 chose "foreign citizen": countries follow
    assert "hello <b>" in out  # HTML shown as the user typed it, not as markup
    assert "Пользуетесь Joldas с: 21 ноября 2026" in out  # the day --at gave, not today
    assert "Traceback" not in out + err


def test_the_consoles_clock_starts_where_at_says():
    from datetime import UTC, datetime, timedelta

    from bot.__main__ import parse_args
    from bot.services.clock import ShiftedClock

    args = parse_args(["console", "--at", "2026-12-01T10:01"])
    assert args.at == datetime(2026, 12, 1, 10, 1)  # read in TIMEZONE by the console

    class Wall:
        current = datetime(2030, 5, 5, 12, 0, tzinfo=UTC)

        def now(self) -> datetime:
            return self.current

    wall = Wall()
    start = datetime(2026, 12, 1, 5, 1, tzinfo=UTC)
    clock = ShiftedClock(start, base=wall)
    assert clock.now() == start
    wall.current += timedelta(minutes=3)  # time goes on from there
    assert clock.now() == start + timedelta(minutes=3)


def test_a_wrong_at_says_what_is_expected(capsys):
    from bot.__main__ import parse_args

    with pytest.raises(SystemExit):
        parse_args(["console", "--at", "tomorrow"])
    assert "'tomorrow' is not a date and time like 2026-12-01T10:01" in capsys.readouterr().err


def test_the_log_goes_to_its_file_never_into_the_chat(tmp_path):
    """A refused /desk is logged (a warning): in LOG_FILE, not on stdout nor stderr."""
    log = tmp_path / "console.log"
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"}
    environment.update({"LOG_FILE": str(log), "ADMIN_IDS": "900"})
    environment.pop("BOT_TOKEN", None)
    command = [sys.executable, "-m", "bot", "console", "--lang", "en", "--user-id", "100"]
    command += ["--at", "2026-11-21T11:00"]
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env=environment,
    )
    watchdog = threading.Timer(LIMIT, process.kill)
    watchdog.start()
    try:
        out, err = process.communicate("/desk\n/quit\n")
    finally:
        watchdog.cancel()
    assert process.returncode == 0, err
    assert "you are user 100" in out and f"The log goes to {log}." in out
    assert "⛔ This is for the attaché desk's staff only." in out
    assert "refused /desk by user 100" in log.read_text(encoding="utf-8")
    assert "WARNING" not in out + err and "refused" not in out + err
