"""`python -m bot console`: chat with the real dispatcher and database in a terminal."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from datetime import datetime

from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendDocument

from bot.app import App, build_bot, create_app
from bot.config import Settings
from bot.runner import deliver_reminders
from bot.services.clock import clock_at
from bot.simulator import Conversation, LocalSession, Sent

TAG = re.compile(r"<[^>]+>")
INTRO = (
    "Joldas console: type as you would in Telegram (/start to begin). A number presses "
    "the button with that number; /quit or Ctrl-D leaves."
)


def plain(text: str) -> str:
    return html.unescape(TAG.sub("", text))


def render(sent: Sent) -> str | None:
    """What a request looks like in the terminal, or None when the user sees nothing."""
    method = sent.method
    if isinstance(method, AnswerCallbackQuery):
        return f"bot (notice)> {method.text}" if method.text else None
    if sent.chat_id is None:
        return None
    prefix = "bot (edited)> " if isinstance(method, EditMessageText) else "bot> "
    body = plain(sent.text)
    if isinstance(method, SendDocument):
        body = f"[file {getattr(method.document, 'filename', '')}] {body}"
    lines = [prefix + body]
    for number, (label, _data) in enumerate(sent.buttons, start=1):
        lines.append(f"   [{number}] {label}")
    return "\n".join(lines)


async def deliver_forever(app: App, bot: Bot) -> None:
    """Reminders arrive in the console too, as they would in Telegram."""
    while True:
        await deliver_reminders(app, bot)
        await asyncio.sleep(app.settings.reminder_tick_seconds)


async def console(
    settings: Settings, lang: str | None, user_id: int, at: datetime | None = None
) -> int:
    """Chat in the terminal; `at` starts the bot's clock at that moment (naive: in the bot's
    time zone) instead of now."""
    logging.getLogger().setLevel(logging.WARNING)  # the terminal is for the conversation
    app = await create_app(settings, clock=clock_at(at, settings.timezone))
    session = LocalSession(record=False)
    bot = build_bot(settings.model_copy(update={"bot_token": None}), session=session)
    chat = Conversation(
        app.dispatcher, bot, user_id=user_id, language_code=lang or settings.default_locale
    )

    def show(sent: Sent) -> None:
        line = render(sent)
        if line:
            print(line, flush=True)

    session.listeners.append(show)
    print(INTRO)
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
