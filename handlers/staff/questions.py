"""/questions: what typed questions could not answer, for admins to see what content is
missing. No user ids: the questions are kept without them."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.services.cases import CaseService
from bot.services.questions import KEEP_DAYS, QuestionLog
from handlers.views.desk import refuse

DEFAULT_DAYS = 30
LISTED = 15  # lines of at most ~80 characters: the list stays under 1,500
QUOTE = 60  # characters of a question shown


async def on_questions(
    message: Message, command: CommandObject, cases: CaseService, questions: QuestionLog
):
    if not cases.is_admin(message.chat.id):
        await refuse(message, "/questions")
        return
    args = (command.args or "").strip()
    if args and not (args.isdecimal() and 1 <= int(args) <= KEEP_DAYS):
        await message.answer(
            _("Usage: /questions [days], days from 1 to {keep}. Default: {days}.").format(
                keep=KEEP_DAYS, days=DEFAULT_DAYS
            )
        )
        return
    days = int(args) if args else DEFAULT_DAYS
    found = await questions.most_asked(days, LISTED)
    if not found:
        await message.answer(
            _("No unanswered or unhelpful questions in the last {days} days.").format(days=days)
        )
        return
    lines = [
        _("❓ <b>Questions the bot could not answer well</b>, last {days} days:").format(days=days),
        _("🚫 found nothing · 👎 did not help"),
        "",
    ]
    for text, language, outcome, count in found:
        quote = text if len(text) <= QUOTE else text[:QUOTE] + "…"
        mark = "🚫" if outcome == "unanswered" else "👎"
        lines.append(f"{mark} {count} × [{language}] {html.escape(quote)}")
    await message.answer("\n".join(lines))


def build_router() -> Router:
    router = Router(name="questions")
    router.message.register(on_questions, Command("questions"))
    return router
