"""Typed questions: text that no dialogue is waiting for is a question, answered from the
knowledge base in the user's language (handlers/views/answers.py, bot/services/search.py),
or honestly not, with the menu and, for an emigrant, the labour attaché (who also gets an
emigrant's long message, whole, instead of a search). A greeting is greeted. "This did not
help" and unanswered questions go to /questions for staff, without the user's id, tagged
with the language they are written in; the question stays for the attaché button."""

from __future__ import annotations

import html
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.rules.language import detect, is_greeting
from bot.scripting import own_words
from bot.services.clock import Clock
from bot.services.notices import NoticeService
from bot.services.questions import QuestionLog
from bot.services.users import Profile
from handlers.filters import typed_text
from handlers.views.answers import (
    AnswerBook,
    answer_screen,
    long_message_screen,
    not_found_screen,
    thanks_text,
)
from handlers.views.callbacks import AskAction, AskCb
from handlers.views.notices import pin_notices
from handlers.views.ui import current_locale, show, show_menu

MAX_QUESTION = 1000  # longer: an emigrant's goes to the attaché; others' beginning is searched
QUOTE = 40  # characters of a message not understood quoted back


async def no_dialogue(message: Message, raw_state: str | None = None) -> bool:
    return raw_state is None


async def on_question(
    message: Message,
    state: FSMContext,
    profile: Profile | None,
    answers: AnswerBook,
    questions: QuestionLog,
    clock: Clock,
    settings: Settings,
    notices: NoticeService | None = None,
):
    # as typed: the search reads Latin and Arabic-script Kazakh itself (every reading of a
    # Latin word), and a question kept for the team is the user's own words
    text = own_words(message) or ""
    emigrant = profile is not None and profile.role == "emigrant"
    if is_greeting(text):
        lead = _("👋 Hello! Choose what you need below, or write your question in a few words.")
        await show_menu(message, profile, lead)
        return
    if emigrant and len(text) > MAX_QUESTION:  # a story, not a question: for a person to read
        await state.update_data(asked=text, answered=None, noted=False)
        await show(message, *long_message_screen(len(text), profile))
        return
    if not answers.meaningful(text):  # "ok", "15", an emoji: not a question to look up
        quote = text if len(text) <= QUOTE else text[:QUOTE] + "…"
        lead = _("I did not understand “{text}”. Please use the menu buttons.").format(
            text=html.escape(quote)
        )
        await show_menu(message, profile, lead)
        return
    country = profile.country_abroad if profile else None
    found = answers.find(text, country, role=profile.role if profile else None)
    await state.update_data(asked=text, answered=found[0][0].id if found else None, noted=False)
    if not found and len(text) > MAX_QUESTION:  # its beginning was searched, in vain
        lead = _(
            "That message is too long for me ({length} characters). Please use the menu buttons."
        ).format(length=len(text))
        await show_menu(message, profile, lead)
        return
    if not found:
        language = detect(text, current_locale())  # what content is missing, in which language
        await questions.record(message.chat.id, text, language, "unanswered")
        await show(message, *not_found_screen(text, profile))
        return
    year = clock.now().astimezone(ZoneInfo(settings.timezone)).year
    text, markup = answer_screen([answer for answer, _hit in found], emigrant, year)
    # the notices of the guides its buttons lead to, on top (or just before it)
    shown = {button.callback_data for row in markup.inline_keyboard for button in row}
    await pin_notices(notices, [a.guide for a, _hit in found if a.target in shown])
    await show(message, text, markup)


async def on_unhelpful(
    callback: CallbackQuery, state: FSMContext, questions: QuestionLog, **_: Any
):
    data = await state.get_data()
    asked = data.get("asked")
    if not isinstance(asked, str) or not asked:
        await callback.answer(thanks_text())
        return
    language = detect(asked, current_locale())
    answered = data.get("answered")
    if not data.get("noted"):  # pressed again: noted once
        await questions.record(callback.from_user.id, asked, language, "unhelpful", answered)
    # the question stays: "Send this to the labour attaché" below still takes it along
    await state.update_data(noted=True)
    await callback.answer(thanks_text(), show_alert=True)


def build_router() -> Router:
    router = Router(name="ask")
    router.message.register(on_question, typed_text, no_dialogue)
    router.callback_query.register(on_unhelpful, AskCb.filter(F.action == AskAction.unhelpful))
    return router
