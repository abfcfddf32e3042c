"""`python -m bot console` in a real terminal session (stdin/stdout), no token needed."""

from __future__ import annotations

import os
import subprocess
import sys

from bot import PROJECT_ROOT


def test_console_chat_with_numbered_buttons(tmp_path):
    environment = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"}
    environment.pop("BOT_TOKEN", None)
    typed = "/start\n2\n1\n12\nhello <b>\n/quit\n"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--lang", "ru"],
        input=typed,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        env=environment,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[2] ✓ Русский" in out  # the app language is pre-selected
    assert "Кто вы?" in out  # pressing 2 chose Russian and moved on
    assert "Узбекистан" in out  # pressing 1 chose "foreign citizen": countries follow
    assert "hello <b>" in out  # HTML shown as the user typed it, not as markup
    assert "Traceback" not in out + done.stderr
