"""Answers typed to a question that offers buttons (`Wiring.question`): the text that names
one of its buttons presses it. The press goes through the dispatcher like a real one, so
its handler checks its data and the dialogue's step as it always does; the screens it
shows come as new messages. Text that names no button goes on to the step's own handler
(a date, a country's name), or to the fallback, which says so and asks again."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot import LOCALES
from bot.rules.scripts import to_script
from bot.rules.typed import choose
from bot.scripting import own_words, reader_script
from handlers.filters import typed_text
from handlers.views.ui import TypedPress
from handlers.wiring import Wiring

MAX_ANSWER = 100  # longer text is no button's label


async def names_a_button(
    message: Message, state: FSMContext, wiring: Wiring, raw_state: str | None = None, **data: Any
) -> dict[str, str] | bool:
    """{"pressed": callback data} when the text names one button of the question."""
    text = (message.text or "").strip()
    if raw_state not in wiring.questions or message.reply_to_message is not None:
        return False
    if not text or len(text) > MAX_ANSWER:
        return False
    own = I18n.get_current(no_error=False).current_locale
    shown = await wiring.buttons(message, state, [own], **data)
    pressed = choose(text, shown)
    typed = (own_words(message) or "").strip()
    if pressed is None and typed != text:  # read as Cyrillic: the label as typed, as written
        pressed = choose(typed, shown)
    script = reader_script()
    if pressed is None and script != "cyrl":  # a label as the reader saw it, typed back
        pressed = choose(typed, [(to_script(label, script), cb) for label, cb in shown])
    if pressed is None:  # the same answer in another of our languages
        others = [locale for locale in LOCALES if locale != own]
        pressed = choose(text, await wiring.buttons(message, state, others, **data))
    read = wiring.questions[raw_state]
    if pressed is None and read is not None:
        found = read(text, await state.get_data())
        pressed = found.pack() if found is not None else None
    return {"pressed": pressed} if pressed else False


async def on_typed_answer(message: Message, pressed: str, **data: Any) -> Any:
    assert message.from_user is not None  # a private chat's message has a sender
    press = TypedPress(
        id=f"typed:{message.chat.id}:{message.message_id}",
        from_user=message.from_user,
        chat_instance=f"typed:{message.chat.id}",
        data=pressed,
    ).as_(message.bot)
    root = data.pop("event_router")
    while root.parent_router is not None:  # the dispatcher: every router sees the press
        root = root.parent_router
    return await root.propagate_event("callback_query", press, **data)


def build_router(wiring: Wiring) -> Router:
    """Built after every group registered its questions (see handlers.build_handlers)."""
    router = Router(name="typed answers")
    states = StateFilter(*wiring.questions) if wiring.questions else StateFilter(None)
    router.message.register(on_typed_answer, states, typed_text, names_a_button)
    return router
