"""`python -m bot console` in a real terminal session (stdin/stdout), no token needed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot import PROJECT_ROOT

LIMIT = 300  # seconds: a start-up that takes 2 s takes far longer on a loaded machine


def test_console_chat_with_numbered_buttons(tmp_path):
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"}
    environment.pop("BOT_TOKEN", None)
    typed = "/start\n2\n1\n12\nhello <b>\n/quit\n"
    command = [sys.executable, "-m", "bot", "console", "--lang", "ru"]
    command += ["--at", "2026-11-21T11:00"]  # the bot's clock, pinned
    try:
        done = subprocess.run(
            command,
            input=typed,
            capture_output=True,
            text=True,
            timeout=LIMIT,
            cwd=PROJECT_ROOT,
            env=environment,
        )
    except subprocess.TimeoutExpired as late:
        pytest.fail(
            f"the console had not answered {typed!r} and quit after {LIMIT} s; it printed "
            f"{late.stdout!r} and on stderr {late.stderr!r}"
        )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[2] ✓ Русский" in out  # the app language is pre-selected
    assert "Кто вы?" in out  # pressing 2 chose Russian and moved on
    assert "Узбекистан" in out  # pressing 1 chose "foreign citizen": countries follow
    assert "hello <b>" in out  # HTML shown as the user typed it, not as markup
    assert "Traceback" not in out + done.stderr
