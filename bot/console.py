"""`python -m bot console`: chat with the real dispatcher and database in a terminal."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import datetime
from pathlib import Path

from aiogram import Bot
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
)

from bot.app import App, build_bot, create_app
from bot.config import Settings
from bot.runner import deliver_reminders
from bot.scripting import attach
from bot.services.clock import clock_at
from bot.simulator import Conversation, LocalSession, Sent

TAG = re.compile(r"<[^>]+>")
INTRO = (
    "Joldas console: you are user {user_id}; type as you would in Telegram (/start to "
    "begin). A number presses the button with that number; /quit or Ctrl-D leaves. "
    "Messages to other users show as `bot → their id>`."
)


def plain(text: str) -> str:
    return html.unescape(TAG.sub("", text))


def render(sent: Sent, user_id: int) -> str | None:
    """What a request looks like in the terminal, or None when the user sees nothing.
    A message to someone else (a reply to a user's case, a broadcast) names its recipient,
    `bot → 201>`, and its buttons are not numbered: only yours can be pressed here."""
    method = sent.method
    if isinstance(method, AnswerCallbackQuery):
        return f"bot (notice)> {method.text}" if method.text else None
    if sent.chat_id is None:
        return None
    mine = sent.chat_id == user_id
    edited = isinstance(method, (EditMessageText, EditMessageReplyMarkup))
    prefix = "bot (edited)" if edited else "bot"
    if not mine:
        prefix += f" → {sent.chat_id}"
    body = plain(sent.text)
    if isinstance(method, EditMessageReplyMarkup):
        body = "(new buttons)"
    if isinstance(method, SendDocument):
        body = f"[file {getattr(method.document, 'filename', '')}] {body}"
    lines = [f"{prefix}> {body}"]
    for number, (label, _data) in enumerate(sent.buttons, start=1):
        lines.append(f"   [{number if mine else '-'}] {label}")
    return "\n".join(lines)


async def deliver_forever(app: App, bot: Bot) -> None:
    """Reminders arrive in the console too, as they would in Telegram."""
    while True:
        await deliver_reminders(app, bot)
        await asyncio.sleep(app.settings.reminder_tick_seconds)


async def console(
    settings: Settings,
    lang: str | None,
    user_id: int,
    at: datetime | None = None,
    log: Path | None = None,
) -> int:
    """Chat in the terminal; `at` starts the bot's clock at that moment (naive: in the bot's
    time zone) instead of now; `log` is the file the log goes to (said at the start)."""
    app = await create_app(settings, clock=clock_at(at, settings.timezone))
    session = LocalSession(record=False)
    bot = build_bot(settings.model_copy(update={"bot_token": None}), session=session)
    attach(bot, app.users)  # Kazakh in each reader's script
    chat = Conversation(
        app.dispatcher, bot, user_id=user_id, language_code=lang or settings.default_locale
    )

    def show(sent: Sent) -> None:
        line = render(sent, user_id)
        if line:
            print(line, flush=True)

    session.listeners.append(show)
    print(INTRO.format(user_id=user_id))
    if log is not None:
        print(f"The log goes to {log}.")
    if settings.admin_ids:
        print(f"Staff (ADMIN_IDS): {', '.join(map(str, sorted(settings.admin_ids)))}.")
    delivery = asyncio.create_task(deliver_forever(app, bot))
    try:
        while True:
            try:
                line = (await asyncio.to_thread(input, "you> ")).strip()
            except EOFError:
                break
            if line in ("/quit", "/exit"):
                break
            if not line:
                continue
            if line.isdigit() and 0 < int(line) <= len(chat.buttons()):
                await chat.press(int(line))
            else:
                await chat.send(line)
    finally:
        delivery.cancel()  # and ended before the app closes under it (as `run` does)
        await asyncio.gather(delivery, return_exceptions=True)
        await app.close()
        await bot.session.close()
    return 0
