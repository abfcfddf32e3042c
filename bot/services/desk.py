"""The attaché desk's relay and timers: messages between users and staff, short notices,
SOS escalation, 24-hour staff reminders, and what a user's deletion does to their cases.

Every recipient reads in their own language: the texts come from an injected view
(handlers.views.desk.DeskView), rendered in the recipient's locale, as the reminder service
renders reminders. Messages are copied by text or Telegram file id (never forwarded, never
downloaded), and each copy is linked to its case, so a reply to it joins the case whatever
the sender's privacy settings.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, suppress
from functools import partial
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import InlineKeyboardMarkup, Message

from bot.services.cases import CaseService, Entry
from bot.services.users import Profile, UserService
from storage.models import Case

log = logging.getLogger("joldas.desk")

CHUNK = 3500  # characters of the user's text per message (Telegram allows 4096 in all)
CAPTION = 800  # of a caption (Telegram allows 1024)


class DeskView(Protocol):
    """The desk's texts and buttons; each call renders in the language being spoken."""

    def speaking(self, locale: str) -> AbstractContextManager[None]: ...
    def staff_header(self, case: Case, zone: str) -> str: ...
    def staff_buttons(self, case: Case) -> InlineKeyboardMarkup: ...
    def user_buttons(self, case: Case) -> InlineKeyboardMarkup: ...
    def case_title(self, case: Case) -> str: ...
    def card(self, case: Case, zone: str, messages: Iterable[Any]) -> str: ...
    def continued(self) -> str: ...
    def answer_header(self, case: Case) -> str: ...
    def sos_unanswered(self) -> str: ...
    def waiting_a_day(self) -> str: ...
    def closed_by_deletion(self, number: int) -> str: ...


class SendFile(Protocol):
    """Bot.send_photo, send_document or send_voice, as the relay calls them."""

    async def __call__(
        self,
        chat_id: int,
        file_id: str,
        /,
        *,
        caption: str,
        reply_markup: InlineKeyboardMarkup | None,
    ) -> Message: ...


def chunks(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


class Desk:
    def __init__(
        self, cases: CaseService, users: UserService, view: DeskView, default_locale: str
    ) -> None:
        self.cases = cases
        self.users = users
        self.view = view
        self.default_locale = default_locale

    def zone_of(self, profile: Profile | None) -> str:
        return profile.timezone if profile else self.users.default_timezone

    async def _reader(self, user_id: int) -> tuple[str, str]:
        """The recipient's language and time zone."""
        profile = await self.users.get(user_id)
        locale = self.users.locale_of(profile, user_id, self.default_locale)
        return locale, self.zone_of(profile)

    # --- sending --------------------------------------------------------------------

    async def _send(
        self,
        bot: Bot,
        chat_id: int,
        header: str,
        entry: Entry | None,
        markup: InlineKeyboardMarkup | None,
        location: tuple[float, float] | None = None,
    ) -> list[int]:
        """Header plus the entry as one or more messages; the ids sent ([] if it failed)."""
        sent: list[Message] = []
        try:
            if entry is None or entry.kind == "text":
                parts = chunks(entry.text or "") if entry else [""]
                for number, part in enumerate(parts, 1):
                    body = html.escape(part, quote=False)
                    lead = header if number == 1 else self.view.continued()
                    text = f"{lead}\n\n{body}" if body else lead
                    last = number == len(parts)
                    sent.append(
                        await bot.send_message(chat_id, text, reply_markup=markup if last else None)
                    )
            elif entry.kind == "location" and location is not None:
                sent.append(await bot.send_message(chat_id, header))
                sent.append(await bot.send_location(chat_id, *location, reply_markup=markup))
            elif entry.file_id is not None:
                caption_text = entry.text or ""
                caption = header
                if caption_text:
                    short = caption_text[:CAPTION] + ("…" if len(caption_text) > CAPTION else "")
                    caption = f"{header}\n\n{html.escape(short, quote=False)}"
                senders: dict[str, SendFile] = {
                    "photo": bot.send_photo,
                    "document": bot.send_document,
                    "voice": bot.send_voice,
                }
                send = senders[entry.kind]
                sent.append(
                    await send(chat_id, entry.file_id, caption=caption, reply_markup=markup)
                )
                if len(caption_text) > CAPTION:  # the whole caption, so nothing is lost
                    sent.append(
                        await bot.send_message(chat_id, html.escape(caption_text, quote=False))
                    )
        except (TelegramAPIError, TelegramNetworkError) as error:
            log.warning("relay to %s failed: %s", chat_id, type(error).__name__)
        return [message.message_id for message in sent]

    async def to_staff(
        self,
        bot: Bot,
        case: Case,
        entry: Entry | None,
        *,
        lead: Callable[[], str] | None = None,
        recipients: Iterable[int] | None = None,
        location: tuple[float, float] | None = None,
    ) -> int:
        """Relay a case's message to its staff; how many staff members received it.

        `lead` renders a first line in each staff member's language."""
        delivered = 0
        for staff_id in recipients if recipients is not None else await self.cases.recipients(case):
            locale, zone = await self._reader(staff_id)
            with self.view.speaking(locale):
                header = self.view.staff_header(case, zone)
                if lead is not None:
                    header = f"{lead()}\n{header}"
                markup = self.view.staff_buttons(case)
                ids = await self._send(bot, staff_id, header, entry, markup, location)
            if ids:
                await self.cases.link(case, staff_id, ids)
                delivered += 1
        return delivered

    async def to_user(self, bot: Bot, case: Case, text: str) -> bool:
        """A staff answer, with the case number; replies to it join the case."""
        locale, _zone = await self._reader(case.user_id)
        with self.view.speaking(locale):
            header = self.view.answer_header(case)
            entry = Entry("staff", 0, "text", text)
            ids = await self._send(bot, case.user_id, header, entry, self.view.user_buttons(case))
        if ids:
            await self.cases.link(case, case.user_id, ids)
        return bool(ids)

    async def notify(
        self,
        bot: Bot,
        chat_id: int,
        render: Callable[[], str],
        markup_of: Callable[[], InlineKeyboardMarkup] | None = None,
    ) -> bool:
        """A short notice rendered in the recipient's language (render() -> text)."""
        locale, _zone = await self._reader(chat_id)
        with self.view.speaking(locale):
            text = render()
            markup = markup_of() if markup_of else None
            try:
                await bot.send_message(chat_id, text, reply_markup=markup)
            except (TelegramAPIError, TelegramNetworkError) as error:
                log.warning("notice to %s failed: %s", chat_id, type(error).__name__)
                return False
        return True

    async def card(self, case: Case, zone: str) -> str:
        """A case with its latest messages, for staff (in the current language)."""
        return self.view.card(case, zone, await self.cases.messages(case.id))

    # --- timers ---------------------------------------------------------------------

    async def tick(self, bot: Bot) -> int:
        """SOS cases unanswered for 15 minutes go to every admin; cases waiting 24 hours
        remind their staff. Returns how many notices went out."""
        sent = 0
        for case in await self.cases.due_escalations():
            for admin in sorted(self.cases.admin_ids):
                locale, zone = await self._reader(admin)
                with self.view.speaking(locale):
                    text = f"{self.view.sos_unanswered()}\n{await self.card(case, zone)}"
                    markup = self.view.staff_buttons(case)
                    ids = await self._send(bot, admin, text, None, markup)
                    for message in await self.cases.messages(case.id):
                        if message.file_id:
                            entry = Entry(
                                "user", case.user_id, message.kind, message.text, message.file_id
                            )
                            title = self.view.case_title(case)
                            ids += await self._send(bot, admin, title, entry, None)
                if ids:
                    await self.cases.link(case, admin, ids)
                    sent += 1
        for case in await self.cases.due_staff_reminders():
            for staff_id in await self.cases.recipients(case):
                locale, zone = await self._reader(staff_id)
                with self.view.speaking(locale):
                    text = f"{self.view.waiting_a_day()}\n{await self.card(case, zone)}"
                    markup = self.view.staff_buttons(case)
                    ids = await self._send(bot, staff_id, text, None, markup)
                if ids:
                    await self.cases.link(case, staff_id, ids)
                    sent += 1
        return sent

    # --- deletion -------------------------------------------------------------------

    async def erase(self, bot: Bot, user_id: int) -> None:
        """Before a user's data goes: close their open cases for staff and remove the
        copies of their messages from staff chats (as far as Telegram still allows)."""
        for case in await self.cases.of_user(user_id, limit=1000):
            if case.status == "closed":
                continue
            closed = await self.cases.close(case.id, "user", None)
            if closed is None:
                continue
            for staff_id in await self.cases.recipients(closed):
                await self.notify(
                    bot,
                    staff_id,
                    partial(self.view.closed_by_deletion, closed.id),
                )
        for chat_id, message_id in await self.cases.links_of_user(user_id):
            if chat_id == user_id:
                continue
            # fails when older than Telegram lets a bot delete, or already gone
            with suppress(TelegramAPIError, TelegramNetworkError):
                await bot.delete_message(chat_id, message_id)
