"""The last router: anything no feature took gets a short answer and the menu."""

from __future__ import annotations

import html
import logging
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.services.users import Profile
from handlers.filters import command_like, typed_text
from handlers.views.ui import show_menu
from handlers.wiring import Wiring

MAX_UNDERSTOOD_TEXT = 1000
QUOTE_LENGTH = 40
STAFF_BUTTONS = ("st:", "bc:", "dir:")  # a staff button that does not unpack may be forged
log = logging.getLogger("joldas.staff")


async def on_stale_button(callback: CallbackQuery, profile: Profile | None):
    data = callback.data or ""
    if data.startswith(STAFF_BUTTONS):
        log.warning(
            "refused staff button %r from user %s: out of date or forged",
            data[:64],
            callback.from_user.id,
        )
    await show_menu(
        callback, profile, _("This button is out of date. Here is the current menu."), edit=False
    )


async def on_unknown_command(message: Message, profile: Profile | None):
    await show_menu(message, profile, _("I don't know that command."))


async def on_text(message: Message, state: FSMContext, profile: Profile | None, **data: Any):
    text = message.text or ""
    wiring: Wiring = data["wiring"]
    if await state.get_state() in wiring.questions:  # a question with buttons: none fits
        quote = text if len(text) <= QUOTE_LENGTH else text[:QUOTE_LENGTH] + "…"
        await message.answer(
            _(
                "“{text}” is not one of the answers here. Press a button below, or type "
                "its words or number."
            ).format(text=html.escape(quote))
        )
        await wiring.reask(message, state, profile=profile, **data)
        return
    if len(text) > MAX_UNDERSTOOD_TEXT:
        lead = _(
            "That message is too long for me ({length} characters). Please use the menu buttons."
        ).format(length=len(text))
    else:
        quote = text if len(text) <= QUOTE_LENGTH else text[:QUOTE_LENGTH] + "…"
        lead = _("I did not understand “{text}”. Please use the menu buttons.").format(
            text=html.escape(quote)
        )
    await answer_or_reask(message, state, profile, lead, data)


async def on_other_message(
    message: Message, state: FSMContext, profile: Profile | None, **data: Any
):
    await answer_or_reask(
        message, state, profile, _("I can read only text and buttons here."), data
    )


async def answer_or_reask(
    message: Message, state: FSMContext, profile: Profile | None, lead: str, data: dict[str, Any]
) -> None:
    """Inside a dialogue nothing is lost: its question comes again. Outside: the menu."""
    wiring: Wiring = data["wiring"]
    prompt = await wiring.open_question(state)
    if prompt is None:
        await show_menu(message, profile, lead)
        return
    await message.answer(_("Please answer the question below, or send /cancel."))
    await prompt(message, state, profile=profile, **data)


def build_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(on_stale_button)
    router.message.register(on_unknown_command, command_like)
    router.message.register(on_text, typed_text)
    router.message.register(on_other_message)
    return router
