"""What a feature adds besides its handlers, registered where its router is built.

One `Wiring` per dispatcher (`handlers.build_handlers` makes it and passes it to every
`build_router`); handlers receive the same object as `wiring` from the dispatcher's data.
Nothing is registered on import, so reading a feature's `build_router()` shows all it adds:

    def build_router(wiring: Wiring) -> Router:
        router = Router(name="permit")
        router.callback_query.register(on_permit, menu_item("permit"))
        wiring.date_question(PermitFlow.start, ask_start, bounds, on_start_day, quick=(0, 1))
        wiring.prompt(PermitFlow.months, ask_months)
        wiring.reminder_kind("permit", permit_title, guide="permit", record=PermitRecord)
        return router

- `prompt(state, ask)`: how to show the question of a dialogue step again (after a language
  switch, or input the step does not expect).
- `question(state, ask, read=None)`: a step answered with the buttons `ask` shows. What the
  user types there presses the button it names (handlers/common/typed.py): a label in any
  of the three languages, a number, yes or no (bot/rules/typed.py), or what `read` makes
  of the text. Every date question is one too.
- `date_question(state, ask, bounds, answer)`: the step asks for a date; the common date
  router reads typed dates, quick buttons and the calendar, and calls `answer` with a
  checked date (or None for the question's `extra` button).
- `reminder_kind(kind, title, guide, record)`: what a reminder of this kind says, which menu
  entry opens its guide, and the typed record its deadline keeps.
- `screen(state, keep)`: a screen that takes what the user types (the attaché screen) is a
  state, which ends as soon as the user presses a button other than its own (callback data
  starting with one of `keep`) or sends a command: typed text is then a question again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aiogram import BaseMiddleware
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import I18n

from bot.scripting import MARK
from handlers.views.dates import ask_date
from handlers.views.ui import capturing
from storage.records import EmptyRecord, Record

Event = Message | CallbackQuery
Prompt = Callable[..., Awaitable[None]]  # (event, state, **dispatcher data)
Bounds = Callable[[date, dict[str, Any]], tuple[date, date]]  # (today, dialogue data)
Answer = Callable[..., Awaitable[None]]  # (event, state, day, **dispatcher data)
# (text, dialogue data) -> the button data the text names, beyond the buttons' own labels
Read = Callable[[str, dict[str, Any]], CallbackData | None]


@dataclass(frozen=True)
class DateQuestion:
    ask: Callable[[], str]
    bounds: Bounds
    answer: Answer
    quick: tuple[int, ...] = (0,)  # days from today
    extra: Callable[[], str] | None = None  # label of a button that answers None


@dataclass(frozen=True)
class ReminderKind:
    title: Callable[[Any], str]  # (record) -> text, called in the reader's locale
    guide: str | None = None  # the menu item that opens the guide
    record: type[Record] = EmptyRecord


@dataclass
class Wiring:
    prompts: dict[str, Prompt] = field(default_factory=dict)
    dates: dict[str, DateQuestion] = field(default_factory=dict)
    kinds: dict[str, ReminderKind] = field(default_factory=dict)
    screens: dict[str, tuple[str, ...]] = field(default_factory=dict)
    questions: dict[str, Read | None] = field(default_factory=dict)

    def screen(self, state: State, keep: tuple[str, ...]) -> None:
        self.screens[_name(state)] = keep

    def prompt(self, state: State, ask: Prompt) -> None:
        self.prompts[_name(state)] = ask

    def question(self, state: State, ask: Prompt, *, read: Read | None = None) -> None:
        self.prompt(state, ask)
        self.questions[_name(state)] = read

    def date_question(
        self,
        state: State,
        ask: Callable[[], str],
        bounds: Bounds,
        answer: Answer,
        *,
        quick: tuple[int, ...] = (0,),
        extra: Callable[[], str] | None = None,
    ) -> None:
        self.dates[_name(state)] = DateQuestion(ask, bounds, answer, quick, extra)
        self.question(state, ask_date)  # re-asking a date question shows it again

    def reminder_kind(
        self,
        kind: str,
        title: Callable[[Any], str],
        *,
        guide: str | None = None,
        record: type[Record] = EmptyRecord,
    ) -> None:
        self.kinds[kind] = ReminderKind(title, guide, record)

    def date_states(self) -> tuple[str, ...]:
        return tuple(self.dates)

    async def open_question(self, state: FSMContext) -> Prompt | None:
        """The prompt of the dialogue step the user is at, if any."""
        return self.prompts.get(await state.get_state() or "")

    async def buttons(
        self, event: Event, state: FSMContext, locales: Iterable[str], **data: Any
    ) -> list[tuple[str, str]]:
        """(label, callback data) of every button the current question shows, as it reads
        in each of `locales`; nothing is sent."""
        prompt = await self.open_question(state)
        if prompt is None:
            return []
        i18n = I18n.get_current(no_error=False)
        data["wiring"] = self
        found: list[tuple[str, str]] = []
        for locale in locales:
            with i18n.use_locale(locale), capturing() as shown:
                await prompt(event, state, **data)
            found += [
                (button.text.replace(MARK, ""), button.callback_data)
                for markup in shown
                for row in markup.inline_keyboard
                for button in row
                if button.callback_data
            ]
        return found

    async def reask(self, event: Event, state: FSMContext, **data: Any) -> bool:
        """Show the current question again; False when no dialogue is open."""
        prompt = await self.open_question(state)
        if prompt is None:
            return False
        data["wiring"] = self
        await prompt(event, state, **data)
        return True


def _name(state: State) -> str:
    if not state.state:
        raise ValueError(f"{state!r} belongs to no StatesGroup")
    return state.state


class ScreenEnd(BaseMiddleware):
    """Ends a screen's state (see `Wiring.screen`) when the user goes elsewhere."""

    def __init__(self, wiring: Wiring) -> None:
        self.screens = wiring.screens

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        keep = self.screens.get(data.get("raw_state") or "")
        if keep is not None:
            if isinstance(event, CallbackQuery):
                elsewhere = not (event.data or "").startswith(keep)
            else:
                elsewhere = isinstance(event, Message) and (event.text or "").startswith("/")
            if elsewhere:
                state: FSMContext = data["state"]
                await state.clear()
                data["raw_state"] = None
        return await handler(event, data)
