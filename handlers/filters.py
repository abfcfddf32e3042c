"""Message filters as coroutines.

aiogram runs synchronous filters (magic `F` expressions included) in a worker thread, one
hop per check; these run on the event loop.
"""

from collections.abc import Awaitable, Callable

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import StatesGroup
from aiogram.types import CallbackQuery, Message

from handlers.callbacks import MenuCb


async def private_chat(message: Message) -> bool:
    return message.chat.type == "private"


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


def menu_item(*items: str) -> Callable[[CallbackQuery], Awaitable[bool]]:
    """A press of these menu entries: compares the packed data, no model is built."""
    wanted = frozenset(MenuCb(item=item).pack() for item in items)

    async def pressed(callback: CallbackQuery) -> bool:
        return callback.data in wanted

    return pressed


def callbacks_for(
    *factories: type[CallbackData], menu: tuple[str, ...] = ()
) -> Callable[[CallbackQuery], Awaitable[bool]]:
    """A group's root filter: presses of its buttons and menu entries, by packed prefix.

    Routers below a failing root filter are skipped whole, so other presses pay one check."""
    prefixes = tuple(f"{factory.__prefix__}{factory.__separator__}" for factory in factories)
    items = frozenset(MenuCb(item=item).pack() for item in menu)

    async def ours(callback: CallbackQuery) -> bool:
        data = callback.data or ""
        return data in items or data.startswith(prefixes)

    return ours


def messages_for(
    *groups: type[StatesGroup], commands: tuple[str, ...] = (), replies: bool = False
) -> Callable[..., Awaitable[bool]]:
    """A group's root filter for messages: its commands, its dialogue states and, when
    `replies`, any reply to an earlier message (the group decides whose it is)."""
    states = tuple(f"{group.__full_group_name__}:" for group in groups)
    slashed = tuple(f"/{command}" for command in commands)

    async def ours(message: Message, raw_state: str | None = None) -> bool:
        if replies and message.reply_to_message is not None:
            return True
        if raw_state is not None and raw_state.startswith(states):
            return True
        text = message.text
        return text is not None and text.startswith(slashed)

    return ours
