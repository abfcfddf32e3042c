"""Kazakh in the script its reader chose (issue 28): Cyrillic, 2021 Latin or Arabic (төте).

Screens are written in Cyrillic Kazakh and converted on their way out, in one place every
request to Telegram passes: `ScriptRequests`, a middleware of the bot's session. It reads
whom a message goes to (the chat id; a callback's answer goes to the update's own user) and
converts text, captions, button labels and the chat's command list when that reader speaks
Kazakh in Latin or Arabic script. Callback data and URLs are never touched. Reminders and
broadcasts, sent outside any update, pass it too (`attach` is called by their ticks).

Typed text comes in the other way: `TypedScript`, an outer message middleware, hands the
handlers a Cyrillic copy of a Kazakh speaker's Latin or Arabic-script text; what is stored
as the user's own words reads `own_words` (the text as typed).

`intact(text)` marks text that stays as written for every reader (a language's own name,
the Russian line of the language picker, the script choices): the marks go before sending,
and are made only for a reader of another script, so a Cyrillic reader's requests pass
untouched (the added cost for them is the recipient's lookup: a dictionary read).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import AnswerCallbackQuery, SetMyCommands, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    TelegramObject,
)
from aiogram.utils.i18n import I18n

from bot.rules.scripts import Script, to_cyrillic, to_script
from storage.cache import BoundedCache

if TYPE_CHECKING:
    from bot.services.users import Profile, UserService

SCRIPTS: tuple[Script, ...] = ("cyrl", "latn", "arab")
# the Kazakh choice in each script, in that script (never translated or converted)
SCRIPT_NAMES: dict[str, str] = {
    "cyrl": "Қазақша (кирилл)",
    "latn": "Qazaqşa (latyn)",
    "arab": "قازاقشا (تٴوتە)",
}
# where kandas come from that read Kazakh in another script than Cyrillic, the likeliest
# first: Arabic script in China, Afghanistan and Iran; Cyrillic in Mongolia
LIKELY_SCRIPT: dict[str, Script] = {"CN": "arab", "AF": "arab", "IR": "arab", "MN": "cyrl"}
MARK = "\u2063"  # INVISIBLE SEPARATOR: text between two of them is sent as written

# the update's own reader: (user id, script), refreshed when they change language or script
_reader: ContextVar[tuple[int, Script] | None] = ContextVar("reader", default=None)
# the text a converted message was typed as
_typed: ContextVar[str | None] = ContextVar("typed", default=None)


def intact(text: str) -> str:
    """`text`, kept as written whatever script the update's reader chose (marked only for a
    reader of another script: a Cyrillic reader's requests are sent untouched)."""
    return f"{MARK}{text}{MARK}" if reader_script() != "cyrl" else text


def script_of(profile: Profile | None) -> Script:
    """The script a reader sees Kazakh in: Cyrillic unless they chose another and speak Kazakh."""
    if profile is None or profile.locale != "kk" or profile.script not in ("latn", "arab"):
        return "cyrl"
    return "latn" if profile.script == "latn" else "arab"


def note_reader(user_id: int, profile: Profile | None) -> None:
    """The update's user is `profile` now (read at the update's start; again after a change)."""
    _reader.set((user_id, script_of(profile)))


def reader_script() -> Script:
    """The script of the update's own reader."""
    reader = _reader.get()
    return reader[1] if reader else "cyrl"


def convert(text: str, script: Script) -> str:
    """Text as sent: converted outside its intact parts, the marks gone."""
    if MARK not in text:
        return to_script(text, script)
    parts = text.split(MARK)
    return "".join(part if i % 2 else to_script(part, script) for i, part in enumerate(parts))


def _markup(markup: Any, script: Script) -> Any:
    if isinstance(markup, InlineKeyboardMarkup):
        rows = [
            [button.model_copy(update={"text": convert(button.text, script)}) for button in row]
            for row in markup.inline_keyboard
        ]
        return markup.model_copy(update={"inline_keyboard": rows})
    if isinstance(markup, ReplyKeyboardMarkup):
        keys = [
            [button.model_copy(update={"text": convert(button.text, script)}) for button in row]
            for row in markup.keyboard
        ]
        placeholder = markup.input_field_placeholder
        return markup.model_copy(
            update={
                "keyboard": keys,
                "input_field_placeholder": placeholder and convert(placeholder, script),
            }
        )
    if isinstance(markup, ForceReply) and markup.input_field_placeholder:
        placeholder = convert(markup.input_field_placeholder, script)
        return markup.model_copy(update={"input_field_placeholder": placeholder})
    return markup


# keyboards as converted, by the keyboard object and script: most are built once and shown
# again and again (the menu, the guides'); the entry holds the keyboard, so its id stays its
_MARKUPS: BoundedCache[tuple[int, str], tuple[Any, Any]] = BoundedCache(4096)


def _converted_markup(markup: Any, script: Script) -> Any:
    key = (id(markup), script)
    cached = _MARKUPS.get(key)
    if cached is not None and cached[0] is markup:
        return cached[1]
    result = _markup(markup, script)
    _MARKUPS.put(key, (markup, result))
    return result


def converted(method: TelegramMethod[Any], script: Script) -> TelegramMethod[Any]:
    """The request as the reader gets it (a copy; the method is not changed)."""
    fields = method.__dict__  # a pydantic model's fields (getattr of an absent one raises)
    if script == "cyrl":  # as it is (no marks are made for a Cyrillic reader: `intact`)
        return method
    changes: dict[str, Any] = {}
    for field, entities in (("text", "entities"), ("caption", "caption_entities")):
        value = fields.get(field)
        # text with entities is someone's own message, relayed as it is
        if isinstance(value, str) and not fields.get(entities):
            changes[field] = convert(value, script)
    markup = fields.get("reply_markup")
    if markup is not None:
        changes["reply_markup"] = _converted_markup(markup, script)
    if isinstance(method, SetMyCommands):
        changes["commands"] = [
            BotCommand(command=c.command, description=convert(c.description, script))
            for c in method.commands
        ]
    return method.model_copy(update=changes) if changes else method


class ScriptRequests(BaseRequestMiddleware):
    """Every request to Telegram, in its reader's script (see the module's doc)."""

    def __init__(self, users: UserService) -> None:
        self.users = users

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        reader = _reader.get()  # most requests answer the update's own user: no lookup
        if reader is not None and method.__dict__.get("chat_id") == reader[0]:
            script = reader[1]
        else:
            script = await self.script_for(method)
        return await make_request(bot, converted(method, script) if script != "cyrl" else method)

    async def script_for(self, method: TelegramMethod[Any]) -> Script:
        if isinstance(method, AnswerCallbackQuery):  # only ever to the update's own user
            return reader_script()
        chat_id = getattr(method, "chat_id", None)
        if isinstance(method, SetMyCommands) and isinstance(method.scope, BotCommandScopeChat):
            chat_id = method.scope.chat_id
        if not isinstance(chat_id, int) or chat_id <= 0:
            return "cyrl"  # groups and channels: no reader's choice
        reader = _reader.get()
        if reader is not None and reader[0] == chat_id:  # no lookup at all
            return reader[1]
        known = self.users.known
        if known is not None and chat_id not in known:  # nobody we keep a profile of
            return "cyrl"
        return script_of(await self.users.get(chat_id))  # from memory (Redis: shared)


def attach(bot: Bot, users: UserService) -> None:
    """Send through `ScriptRequests` from now on (once per session)."""
    if not any(isinstance(m, ScriptRequests) for m in bot.session.middleware):
        bot.session.middleware(ScriptRequests(users))


def own_words(message: Message) -> str | None:
    """The message's text as the user typed it (before `TypedScript` read it as Cyrillic)."""
    return _typed.get() or message.text


class ReaderScript(BaseMiddleware):
    """Per update (after the profile is read): who reads, in which script; the bot's
    session sends through `ScriptRequests`."""

    def __init__(self, users: UserService) -> None:
        self.users = users

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        reader = _reader.set((user.id, script_of(data.get("profile"))) if user else None)
        typed = _typed.set(None)
        bot = data.get("bot")
        if bot is not None:
            attach(bot, self.users)
        try:
            return await handler(event, data)
        finally:  # the caller (a test, the console) may go on in this context
            _reader.reset(reader)
            _typed.reset(typed)


def as_shown(text: str) -> str:
    """`text` as the update's reader sees it (a reply keyboard's label they send back)."""
    return convert(text, reader_script())


class TypedScript(BaseMiddleware):
    """A Kazakh speaker's text typed in Latin or Arabic script reaches the handlers in
    Cyrillic (dates, yes and no, names, button labels, questions), whatever script they
    chose to read. Not converted: commands, formatted text and replies (someone's message),
    and text typed at the `verbatim` dialogue steps (a case's messages, staff writing)."""

    def __init__(self, verbatim: frozenset[str] = frozenset()) -> None:
        self.verbatim = verbatim

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if (
            isinstance(event, Message)
            and event.text
            and not event.text.startswith("/")
            and not event.entities
            and event.reply_to_message is None
            and data.get("raw_state") not in self.verbatim
        ):
            i18n = I18n.get_current(no_error=True)
            if i18n is not None and i18n.current_locale == "kk":
                text = to_cyrillic(event.text)
                if text != event.text:
                    _typed.set(event.text)
                    event = event.model_copy(update={"text": text})
        return await handler(event, data)
