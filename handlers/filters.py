"""Message filters as coroutines.

aiogram runs synchronous filters (magic `F` expressions included) in a worker thread, one
hop per check; these run on the event loop.
"""

from collections.abc import Awaitable, Callable

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
