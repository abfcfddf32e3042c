"""Re-asking the current question of a dialogue (after a language switch or stray input).

Each dialogue registers, per FSM state, a function that shows its question again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message

Prompt = Callable[..., Awaitable[None]]  # (event, state, **middleware data)
_PROMPTS: dict[str, Prompt] = {}


def prompt_for(*states: State) -> Callable[[Prompt], Prompt]:
    def register(function: Prompt) -> Prompt:
        for state in states:
            _PROMPTS[state.state] = function
        return function

    return register


async def open_question(state: FSMContext) -> Prompt | None:
    """The prompt of the dialogue step the user is at, if any."""
    return _PROMPTS.get(await state.get_state() or "")


async def reask(event: Message | CallbackQuery, state: FSMContext, **data: Any) -> bool:
    """Show the current question again; False when no dialogue is open."""
    prompt = _PROMPTS.get(await state.get_state() or "")
    if prompt is None:
        return False
    await prompt(event, state, **data)
    return True
