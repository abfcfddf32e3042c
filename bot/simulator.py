"""An in-process stand-in for the Bot API, and a simulated user to talk to the bot.

`LocalSession` records every request and answers as Telegram would (messages get ids,
edits change them, queued failures come back as real 429/403/network errors). For fault
injection it also fails a random share of calls (`FaultMix`: 429s, 500s, a gateway's HTML
page, dropped connections, answers lost after delivery), holds calls in flight (`hold`),
and counts what reached each chat, so lost and duplicated messages can be counted.
`Conversation` turns a user's typing and button presses into real `Update` objects fed to
the real Dispatcher. The console, the tests and the benchmark all use these two.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import Counter, deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import (
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    Response,
    SendDocument,
    SendLocation,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardMarkup, Message, Update

MAX_SHOWN = 1_000
RESPONSE_TYPES: dict[Any, type[Response[Any]]] = {}


def response_type(method: TelegramMethod[TelegramType]) -> type[Response[TelegramType]]:
    """Response[T] for the method, built once (pydantic rebuilds collected generics)."""
    returning = method.__returning__
    if returning not in RESPONSE_TYPES:
        # T is only known at run time (aiogram's check_response does the same)
        RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
    return RESPONSE_TYPES[returning]


BOT_USER = {"id": 1, "is_bot": True, "first_name": "Joldas", "username": "joldas_bot"}


@dataclass
class Failure:
    status: int  # 0 = network error
    description: str
    retry_after: int | None = None
    method: str | None = None  # only for this API method, e.g. "sendMessage"
    body: str | None = None  # a body that is not JSON, e.g. a gateway's HTML error page
    delivered: bool = False  # network error after delivery: the message arrived, its answer not
    error: Exception | None = None  # raised as it is (anything a session might raise)

    @property
    def kind(self) -> str:
        if self.error is not None:
            return type(self.error).__name__
        if self.status == 0:
            return "answer lost" if self.delivered else "dropped"
        return f"{self.status} html" if self.body is not None else str(self.status)


BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
FAULT_KINDS = ("429", "500", "502 html", "dropped", "answer lost")


def fault(kind: str, retry_after: int = 1) -> Failure:
    """One fault of a kind named in FAULT_KINDS."""
    if kind == "429":
        return Failure(429, f"Too Many Requests: retry after {retry_after}", retry_after)
    if kind == "500":
        return Failure(500, "Internal Server Error")
    if kind == "502 html":
        return Failure(502, "Bad Gateway", body=BAD_GATEWAY_PAGE)
    if kind in ("dropped", "answer lost"):
        return Failure(0, "Server disconnected", delivered=kind == "answer lost")
    raise ValueError(f"unknown fault kind {kind!r}")


@dataclass
class FaultMix:
    """A share of the calls to `method` fails, each with a kind drawn evenly from `kinds`.

    Seeded, so a run can be repeated. "dropped" loses the request before Telegram sees it;
    "answer lost" delivers the message and loses the answer (a retry sends it twice)."""

    rate: float = 0.2
    method: str | None = "sendMessage"
    kinds: tuple[str, ...] = FAULT_KINDS
    retry_after: tuple[int, ...] = (1, 2, 3)
    seed: int = 1
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def draw(self, name: str) -> Failure | None:
        if self.method not in (None, name) or self.rng.random() >= self.rate:
            return None
        return fault(self.rng.choice(self.kinds), self.rng.choice(self.retry_after))


@dataclass
class Sent:
    """One request the bot made, with what the user sees of it."""

    method: TelegramMethod[Any]

    @property
    def name(self) -> str:
        return self.method.__api_method__

    @property
    def chat_id(self) -> int | str | None:
        return getattr(self.method, "chat_id", None)

    @property
    def text(self) -> str:
        return getattr(self.method, "text", None) or getattr(self.method, "caption", None) or ""

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        markup = getattr(self.method, "reply_markup", None)
        return markup if isinstance(markup, InlineKeyboardMarkup) else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.markup
        if markup is None:
            return []
        return [
            (b.text, b.callback_data or b.url or "") for row in markup.inline_keyboard for b in row
        ]


@dataclass
class ShownMessage:
    """A message as it stands in the user's chat (after edits)."""

    message_id: int
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private"},
            "from": BOT_USER,
            "text": self.text or "…",
        }
        if self.markup is not None:
            result["reply_markup"] = self.markup.model_dump(mode="json", exclude_none=True)
        return result


class LocalSession(BaseSession):
    def __init__(self, *, record: bool = True) -> None:
        super().__init__()
        self.record = record
        self.requests: list[Sent] = []
        self.failures: deque[Failure] = deque()
        self.shown: dict[tuple[int, int], ShownMessage] = {}  # the latest MAX_SHOWN messages
        self.ids = itertools.count(1000)
        self.listeners: list[Callable[[Sent], None]] = []
        # fault injection: a random mix, calls held in flight, and what came of every call
        self.faults: FaultMix | None = None
        self.calls: Counter[str] = Counter()  # calls per API method, failed ones included
        self.failed: Counter[str] = Counter()  # failures injected, by kind
        self.delivered: Counter[int] = Counter()  # messages that reached each chat
        self.answers_lost: Counter[int] = Counter()  # delivered, but the answer never came
        self.in_flight = 0
        self._held: str | None = None
        self._hold_after_delivery = False
        self._gate = asyncio.Event()

    def fail_next(
        self,
        status: int,
        description: str = "",
        *,
        retry_after: int | None = None,
        method: str | None = None,
        times: int = 1,
        body: str | None = None,
        delivered: bool = False,
        error: Exception | None = None,
    ) -> None:
        """Queue failures for the next calls (to `method` only, if given); `status` 0 is a
        network error, `body` a response that is not JSON, `error` any exception."""
        for _ in range(times):
            self.failures.append(
                Failure(
                    status,
                    description or f"error {status}",
                    retry_after,
                    method,
                    body,
                    delivered,
                    error,
                )
            )

    def hold(self, method: str = "sendMessage", *, after_delivery: bool = False) -> None:
        """Calls to `method` stay in flight until `release()`: a Bot API that hangs. With
        `after_delivery` the message arrives first and only the answer waits."""
        self._held, self._hold_after_delivery = method, after_delivery
        self._gate = asyncio.Event()

    def release(self) -> None:
        self._held = None
        self._gate.set()

    async def _wait_if_held(self, name: str) -> None:
        if self._held != name:
            return
        self.in_flight += 1
        try:
            await self._gate.wait()
        finally:
            self.in_flight -= 1

    def _take_failure(self, name: str) -> Failure | None:
        for failure in self.failures:
            if failure.method in (None, name):
                self.failures.remove(failure)
                return failure
        return None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        sent = Sent(method)
        if self.record:
            self.requests.append(sent)
        self.calls[sent.name] += 1
        failure = self._take_failure(sent.name) if self.failures else None
        if failure is None and self.faults is not None:
            failure = self.faults.draw(sent.name)
        if not self._hold_after_delivery:
            await self._wait_if_held(sent.name)
        if failure is not None:
            self.failed[failure.kind] += 1
            self._fail(bot, method, sent, failure)
        result = self._deliver(sent)
        if self._hold_after_delivery:
            await self._wait_if_held(sent.name)
        response = response_type(method).model_validate(
            {"ok": True, "result": result}, context={"bot": bot}
        )
        assert response.result is not None  # every ok response carries a result
        return response.result

    def _fail(self, bot: Bot, method: TelegramMethod[Any], sent: Sent, failure: Failure) -> None:
        """Raise what aiogram raises for this failure (after delivery, if it came after)."""
        if failure.error is not None:
            raise failure.error
        if failure.status == 0:
            if failure.delivered:
                self._deliver(sent)
                if isinstance(sent.chat_id, int):
                    self.answers_lost[sent.chat_id] += 1
            raise TelegramNetworkError(method=method, message=failure.description)
        if failure.body is not None:  # aiogram cannot parse it: ClientDecodeError
            self.check_response(bot, method, failure.status, failure.body)
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": failure.status,
            "description": failure.description,
        }
        if failure.retry_after is not None:
            payload["parameters"] = {"retry_after": failure.retry_after}
        # through aiogram's own parsing, which raises the right error
        self.check_response(bot, method, failure.status, json.dumps(payload))
        raise AssertionError("check_response raises for every response that is not ok")

    def _deliver(self, sent: Sent) -> Any:
        """The call succeeds: its result, and the message counted as arrived."""
        result = self._result(sent.method)
        if sent.method.__returning__ is Message and isinstance(sent.chat_id, int):
            self.delivered[sent.chat_id] += 1
        for listener in self.listeners:
            listener(sent)
        return result

    def _result(self, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return BOT_USER
        if method.__returning__ is Message:
            sent = Sent(method)
            assert sent.chat_id is not None, method  # every method sending a message has one
            shown = ShownMessage(next(self.ids), int(sent.chat_id), sent.text, sent.markup)
            self._remember(shown)
            result = shown.as_dict()
            if isinstance(method, SendLocation):
                result["location"] = {"latitude": method.latitude, "longitude": method.longitude}
            if isinstance(method, SendDocument):
                filename = getattr(method.document, "filename", None)
                result["document"] = {
                    "file_id": f"doc{shown.message_id}",
                    "file_unique_id": f"u{shown.message_id}",
                    "file_name": filename,
                }
            return result
        if isinstance(method, (EditMessageText, EditMessageReplyMarkup)):
            if method.inline_message_id:
                return True
            # without an inline message id, Telegram requires both
            assert method.chat_id is not None and method.message_id is not None, method
            chat_id = int(method.chat_id)
            edited = self.shown.get((chat_id, method.message_id))
            if edited is None:
                edited = ShownMessage(method.message_id, chat_id, "", None)
                self._remember(edited)
            if isinstance(method, EditMessageText):
                edited.text = method.text or ""  # None only with a rich_message
            markup = method.reply_markup
            edited.markup = markup if isinstance(markup, InlineKeyboardMarkup) else None
            return edited.as_dict()
        return True

    def _remember(self, shown: ShownMessage) -> None:
        self.shown[(shown.chat_id, shown.message_id)] = shown
        if len(self.shown) > MAX_SHOWN:
            del self.shown[next(iter(self.shown))]

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""


@dataclass
class Conversation:
    """One simulated user talking to the bot in a private chat."""

    dispatcher: Dispatcher
    bot: Bot
    user_id: int = 100
    language_code: str | None = "en"
    first_name: str = "Test"
    updates: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def session(self) -> LocalSession:
        assert isinstance(self.bot.session, LocalSession)
        return self.bot.session

    def _user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    async def _feed(self, payload: dict[str, Any]) -> list[Sent]:
        before = len(self.session.requests)
        update = Update.model_validate(
            {"update_id": next(self.updates), **payload}, context={"bot": self.bot}
        )
        await self.dispatcher.feed_update(self.bot, update)
        return self.session.requests[before:]

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message": {
                "message_id": next(self.session.ids),
                "date": int(time.time()),
                "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
                "from": self._user(),
                **content,
            }
        }

    async def send(self, text: str, entities: list[dict[str, Any]] | None = None) -> list[Sent]:
        """The user types `text` (a command when it starts with /), formatted by `entities`
        (Bot API MessageEntity dicts: bold, text_link...)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        elif entities:
            content["entities"] = entities
        return await self._feed(self._message(**content))

    async def send_sticker(self) -> list[Sent]:
        return await self._feed(
            self._message(
                sticker={
                    "file_id": "sticker1",
                    "file_unique_id": "s1",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            )
        )

    async def send_photo(
        self, caption: str | None = None, caption_entities: list[dict[str, Any]] | None = None
    ) -> list[Sent]:
        photo = [
            {"file_id": "photo1-small", "file_unique_id": "p0", "width": 90, "height": 90},
            {"file_id": "photo1", "file_unique_id": "p1", "width": 800, "height": 800},
        ]
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        if caption_entities:
            extra["caption_entities"] = caption_entities
        return await self._feed(self._message(photo=photo, **extra))

    async def send_video(self, file_id: str = "video1", caption: str | None = None) -> list[Sent]:
        video = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "width": 640,
            "height": 360,
            "duration": 5,
        }
        extra = {"caption": caption} if caption else {}
        return await self._feed(self._message(video=video, **extra))

    async def send_document(self, file_id: str = "doc1", caption: str | None = None) -> list[Sent]:
        extra = {"caption": caption} if caption else {}
        document = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": "a.pdf"}
        return await self._feed(self._message(document=document, **extra))

    async def send_voice(self, file_id: str = "voice1") -> list[Sent]:
        voice = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "duration": 3}
        return await self._feed(self._message(voice=voice))

    async def send_location(self, latitude: float, longitude: float) -> list[Sent]:
        return await self._feed(
            self._message(location={"latitude": latitude, "longitude": longitude})
        )

    async def reply(self, text: str, to: ShownMessage) -> list[Sent]:
        """The user answers one of the bot's messages with Telegram's "reply"."""
        return await self._feed(self._message(text=text, reply_to_message=to.as_dict()))

    def last_with_buttons(self) -> ShownMessage | None:
        mine = [
            m for (chat, _), m in self.session.shown.items() if chat == self.user_id and m.markup
        ]
        return max(mine, key=lambda m: m.message_id, default=None)

    def buttons(self, message: ShownMessage | None = None) -> list[tuple[str, str]]:
        message = message or self.last_with_buttons()
        if message is None or message.markup is None:
            return []
        return [
            (b.text, b.callback_data or "") for row in message.markup.inline_keyboard for b in row
        ]

    async def press(self, label: str | int, message: ShownMessage | None = None) -> list[Sent]:
        """Press a button of the latest message with buttons, by (part of) its text or number."""
        message = message or self.last_with_buttons()
        if message is None:
            raise LookupError("no message with buttons in this chat")
        buttons = self.buttons(message)
        if isinstance(label, int):
            data = buttons[label - 1][1]
        else:
            matches = [d for text, d in buttons if label in text]
            if not matches:
                raise LookupError(f"no button {label!r} among {[t for t, _ in buttons]}")
            data = matches[0]
        return await self.press_data(data, message)

    async def press_data(self, data: str, message: ShownMessage | None = None) -> list[Sent]:
        """A callback query with raw data (stale or forged buttons included)."""
        payload: dict[str, Any] = {
            "id": str(next(self.session.ids)),
            "from": self._user(),
            "chat_instance": "ci",
            "data": data,
        }
        if message is not None:
            payload["message"] = message.as_dict()
        return await self._feed({"callback_query": payload})
