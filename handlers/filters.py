"""Message filters as coroutines, and the root filter of a group of routers.

aiogram runs synchronous filters (magic `F` expressions and State objects used as filters
included) in a worker thread, one hop per check; everything here runs on the event loop.

A group (handlers/common, migrant, abroad, staff, kandas) sits behind one cheap root filter
per event type, so updates for other groups pay one check. The root filter is derived from
what the group's handlers are registered with: their `CallbackData` factories, `menu_item`
entries, `StateFilter` states, commands and reply filters. A handler registered with none
of these could never be reached through the root filter, so `group_router` refuses it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import CallableObject, HandlerObject
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.views.callbacks import MenuCb


async def typed_text(message: Message) -> bool:
    """Text that is not a command."""
    return message.text is not None and not message.text.startswith("/")


async def command_like(message: Message) -> bool:
    return message.text is not None and message.text.startswith("/")


async def not_text(message: Message) -> bool:
    return message.text is None


async def not_a_command(message: Message) -> bool:
    """Anything but a command: text, a sticker, a photo..."""
    return message.text is None or not message.text.startswith("/")


class MenuItems(Filter):
    """A press of these menu entries: compares the packed data, no model is built.

    (A `Filter` subclass, so aiogram awaits it instead of running it in a thread.)"""

    def __init__(self, *items: str) -> None:
        self.items = items
        self.packed = frozenset(MenuCb(item=item).pack() for item in items)

    async def __call__(self, callback: CallbackQuery) -> bool:
        return callback.data in self.packed


def menu_item(*items: str) -> MenuItems:
    return MenuItems(*items)


class ReplyFilter(Filter):
    """Wraps a filter that claims Telegram replies (the group decides whose they are)."""

    def __init__(self, check: Callable[..., Awaitable[Any]]) -> None:
        self.check = CallableObject(check)  # passes on only the data `check` asks for

    async def __call__(self, message: Message, **data: Any) -> Any:
        if message.reply_to_message is None:
            return False
        return await self.check.call(message, **data)


def replies(check: Callable[..., Awaitable[Any]]) -> ReplyFilter:
    return ReplyFilter(check)


# --- the root filter of a group -------------------------------------------------------------


@dataclass
class Claims:
    """What a group's handlers answer: button prefixes, menu entries, states, commands."""

    prefixes: set[str] = field(default_factory=set)
    menu: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    commands: set[str] = field(default_factory=set)
    replies: bool = False

    def callbacks(self) -> Callable[[CallbackQuery], Awaitable[bool]]:
        prefixes = tuple(sorted(self.prefixes))
        packed = frozenset(self.menu)

        async def ours(callback: CallbackQuery) -> bool:
            data = callback.data or ""
            return data in packed or data.startswith(prefixes)

        return ours

    def messages(self) -> Callable[..., Awaitable[bool]]:
        states = frozenset(self.states)
        slashed = tuple(sorted(f"/{command}" for command in self.commands))
        take_replies = self.replies

        async def ours(message: Message, raw_state: str | None = None) -> bool:
            if take_replies and message.reply_to_message is not None:
                return True
            if raw_state is not None and raw_state in states:
                return True
            text = message.text
            return text is not None and text.startswith(slashed)

        return ours


def state_names(states: Iterable[Any]) -> set[str]:
    names: set[str] = set()
    for item in states:
        if isinstance(item, State) and item.state:
            names.add(item.state)
        elif isinstance(item, type) and issubclass(item, StatesGroup):
            names.update(state.state for state in item.__all_states__ if state.state)
        elif isinstance(item, str):
            names.add(item)
    return names


def claims_of(handler: HandlerObject) -> Claims:
    """What one handler's filters claim; empty when it claims nothing a root can route."""
    claims = Claims()
    for filter_object in handler.filters or []:
        check = filter_object.callback
        if isinstance(check, CallbackQueryFilter):
            factory = check.callback_data
            claims.prefixes.add(f"{factory.__prefix__}{factory.__separator__}")
        elif isinstance(check, MenuItems):
            claims.menu.update(check.packed)
        elif isinstance(check, StateFilter):
            claims.states.update(state_names(check.states))
        elif isinstance(check, Command):
            claims.commands.update(c for c in check.commands if isinstance(c, str))
        elif isinstance(check, ReplyFilter):
            claims.replies = True
    return claims


def _walk(router: Router) -> Iterable[Router]:
    yield router
    for child in router.sub_routers:
        yield from _walk(child)


def group_claims(group: Router) -> tuple[Claims, Claims]:
    """The claims of every handler under `group`: (callback queries, messages)."""
    buttons, messages = Claims(), Claims()
    for router in _walk(group):
        for handler in router.callback_query.handlers:
            found = claims_of(handler)
            if not (found.prefixes or found.menu):
                raise ValueError(
                    f"{router.name}: {handler.callback.__name__} has no button or menu entry "
                    "in its filters, so the group's root filter cannot reach it"
                )
            buttons.prefixes |= found.prefixes
            buttons.menu |= found.menu
        for handler in router.message.handlers:
            found = claims_of(handler)
            if not (found.states or found.commands or found.replies):
                raise ValueError(
                    f"{router.name}: {handler.callback.__name__} has no state, command or "
                    "reply filter, so the group's root filter cannot reach it"
                )
            messages.states |= found.states
            messages.commands |= found.commands
            messages.replies |= found.replies
    return buttons, messages


def group_router(name: str, *routers: Router) -> Router:
    """A group of feature routers behind root filters derived from their handlers."""
    group = Router(name=name)
    for router in routers:  # each feature behind its own filter too: a press for a later
        own_buttons, own_messages = group_claims(router)  # feature skips this one at once
        router.callback_query.filter(own_buttons.callbacks())
        router.message.filter(own_messages.messages())
    if routers:
        group.include_routers(*routers)
    buttons, messages = group_claims(group)
    group.callback_query.filter(buttons.callbacks())
    group.message.filter(messages.messages())
    group.claims = (buttons, messages)  # type: ignore[attr-defined]  # read by the tests
    return group
