"""The attaché desk's relay: case cards and messages between users and staff.

Every recipient reads in their own language. Messages are copied by text or Telegram file id
(never forwarded, never downloaded), and each copy is linked to its case, so a reply to it
joins the case whatever the sender's privacy settings.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_datetime

from bot.content.countries import country_name
from bot.services.cases import CaseService, Entry
from bot.services.users import Profile, UserService
from handlers.ui import LANGUAGE_NAMES, column, current_locale

log = logging.getLogger("joldas.desk")

CHUNK = 3500  # characters of the user's text per message (Telegram allows 4096 in all)
CAPTION = 800  # of a caption (Telegram allows 1024)
HISTORY_SNIPPET = 300

TOPICS = {
    "wages": __("💰 Unpaid wages"),
    "passport": __("🛂 Passport or documents taken"),
    "contract": __("📄 Contract or employer"),
    "visa": __("🪪 Visa, permit or deportation"),
    "health": __("🏥 Health or accident"),
    "other": __("💬 Something else"),
    "sos": __("🆘 SOS"),
}


class StaffCb(CallbackData, prefix="st"):
    action: str  # reply | close | view
    case: int


class CaseCb(CallbackData, prefix="case"):
    action: str  # open | write | close | rate | stop
    case: int
    stars: int = 0


def topic_label(topic: str) -> str:
    return str(TOPICS.get(topic, TOPICS["other"]))


def case_title(case) -> str:
    if case.urgent:
        return _("🆘 <b>URGENT · case #{number}</b>").format(number=case.id)
    return _("📨 <b>Case #{number}</b>").format(number=case.id)


def status_label(case) -> str:
    return {
        "open": _("waiting for an answer"),
        "answered": _("answered"),
        "closed": _("closed"),
    }.get(case.status, case.status)


def moment(when: datetime, zone: str) -> str:
    return format_datetime(when, "short", tzinfo=ZoneInfo(zone), locale=current_locale())


def staff_header(case, zone: str) -> str:
    """What staff see of a case: number, country, topic, the user's language. Nothing else."""
    return "\n".join(
        [
            case_title(case),
            _("Country: {country} · Topic: {topic}").format(
                country=country_name(case.country, current_locale()), topic=topic_label(case.topic)
            ),
            _("User's language: {language} · Opened: {when}").format(
                language=LANGUAGE_NAMES.get(case.locale, case.locale),
                when=moment(case.created_at, zone),
            ),
        ]
    )


def staff_buttons(case) -> InlineKeyboardMarkup:
    return column(
        [
            (
                _("✍️ Reply to #{number}").format(number=case.id),
                StaffCb(action="reply", case=case.id),
            ),
            (_("✅ Close #{number}").format(number=case.id), StaffCb(action="close", case=case.id)),
            (_("📜 Case history"), StaffCb(action="view", case=case.id)),
        ]
    )


def user_case_buttons(case) -> InlineKeyboardMarkup:
    return column(
        [
            (_("✍️ Write to this case"), CaseCb(action="write", case=case.id)),
            (_("✅ Close the case"), CaseCb(action="close", case=case.id)),
        ]
    )


def describe(message) -> str:
    """One line of a case's history."""
    if message.kind == "photo":
        body = _("🖼 photo")
    elif message.kind == "document":
        body = _("📄 document")
    elif message.kind == "voice":
        body = _("🎤 voice message")
    elif message.kind == "location":
        body = _("📍 location (passed on, not stored)")
    else:
        body = ""
    if message.text:
        snippet = message.text[:HISTORY_SNIPPET] + (
            "…" if len(message.text) > HISTORY_SNIPPET else ""
        )
        body = f"{body} {html.escape(snippet, quote=False)}".strip()
    return body


def history(messages: Iterable, zone: str) -> str:
    lines = []
    for message in messages:
        who = _("👤 User") if message.author == "user" else _("🧑‍💼 Attaché")
        lines.append(f"{who}, {moment(message.created_at, zone)}: {describe(message)}")
    return "\n".join(lines) or _("No messages yet.")


def chunks(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


class Desk:
    def __init__(self, cases: CaseService, users: UserService, i18n: I18n) -> None:
        self.cases = cases
        self.users = users
        self.i18n = i18n

    @contextmanager
    def speaking_to(self, locale: str) -> Iterator[None]:
        with self.i18n.context(), self.i18n.use_locale(locale):
            yield

    def zone_of(self, profile: Profile | None) -> str:
        return profile.timezone if profile else self.users.default_timezone

    async def _reader(self, user_id: int) -> tuple[str, str]:
        """The recipient's language and time zone."""
        profile = await self.users.get(user_id)
        locale = (profile.locale if profile else None) or self.i18n.default_locale
        zone = self.zone_of(profile)
        return locale, zone

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
                    lead = header if number == 1 else _("(continued)")
                    text = f"{lead}\n\n{body}" if body else lead
                    last = number == len(parts)
                    sent.append(
                        await bot.send_message(chat_id, text, reply_markup=markup if last else None)
                    )
            elif entry.kind == "location" and location is not None:
                sent.append(await bot.send_message(chat_id, header))
                sent.append(await bot.send_location(chat_id, *location, reply_markup=markup))
            else:
                caption_text = entry.text or ""
                caption = header
                if caption_text:
                    short = caption_text[:CAPTION] + ("…" if len(caption_text) > CAPTION else "")
                    caption = f"{header}\n\n{html.escape(short, quote=False)}"
                send = {
                    "photo": bot.send_photo,
                    "document": bot.send_document,
                    "voice": bot.send_voice,
                }[entry.kind]
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
        case,
        entry: Entry | None,
        *,
        lead=None,
        recipients: Iterable[int] | None = None,
        location: tuple[float, float] | None = None,
    ) -> int:
        """Relay a case's message to its staff; how many staff members received it."""
        delivered = 0
        for staff_id in recipients if recipients is not None else await self.cases.recipients(case):
            locale, zone = await self._reader(staff_id)
            with self.speaking_to(locale):
                header = staff_header(case, zone)
                if lead is not None:
                    header = f"{lead}\n{header}"
                ids = await self._send(bot, staff_id, header, entry, staff_buttons(case), location)
            if ids:
                await self.cases.link(case, staff_id, ids)
                delivered += 1
        return delivered

    async def to_user(self, bot: Bot, case, text: str) -> bool:
        """A staff answer, with the case number; replies to it join the case."""
        locale, _zone = await self._reader(case.user_id)
        with self.speaking_to(locale):
            header = _("💬 <b>Labour attaché · case #{number}</b>").format(number=case.id)
            entry = Entry("staff", 0, "text", text)
            ids = await self._send(bot, case.user_id, header, entry, user_case_buttons(case))
        if ids:
            await self.cases.link(case, case.user_id, ids)
        return bool(ids)

    async def notify(self, bot: Bot, chat_id: int, render, markup_of=None) -> bool:
        """A short notice rendered in the recipient's language (render() -> text)."""
        locale, _zone = await self._reader(chat_id)
        with self.speaking_to(locale):
            text = render()
            markup = markup_of() if markup_of else None
            try:
                await bot.send_message(chat_id, text, reply_markup=markup)
            except (TelegramAPIError, TelegramNetworkError) as error:
                log.warning("notice to %s failed: %s", chat_id, type(error).__name__)
                return False
        return True

    async def card(self, case, zone: str) -> str:
        """A case with its latest messages, for staff (in the current language)."""
        messages = await self.cases.messages(case.id)
        lines = [
            staff_header(case, zone),
            _("Status: {status}").format(status=status_label(case)),
        ]
        if case.resolution:
            lines.append(_("Resolution: {text}").format(text=html.escape(case.resolution)))
        if case.rating:
            lines.append(_("Rating: {stars}").format(stars="★" * case.rating))
        return "\n".join(lines) + "\n\n" + history(messages, zone)

    # --- timers ---------------------------------------------------------------------

    async def tick(self, bot: Bot) -> int:
        """SOS cases unanswered for 15 minutes go to every admin; cases waiting 24 hours
        remind their staff. Returns how many notices went out."""
        sent = 0
        for case in await self.cases.due_escalations():
            for admin in sorted(self.cases.admin_ids):
                locale, zone = await self._reader(admin)
                with self.speaking_to(locale):
                    lead = _("⏰ Nobody has answered this SOS for 15 minutes.")
                    text = f"{lead}\n{await self.card(case, zone)}"
                    ids = await self._send(bot, admin, text, None, staff_buttons(case))
                    for message in await self.cases.messages(case.id):
                        if message.file_id:
                            entry = Entry(
                                "user", case.user_id, message.kind, message.text, message.file_id
                            )
                            ids += await self._send(bot, admin, case_title(case), entry, None)
                if ids:
                    await self.cases.link(case, admin, ids)
                    sent += 1
        for case in await self.cases.due_staff_reminders():
            for staff_id in await self.cases.recipients(case):
                locale, zone = await self._reader(staff_id)
                with self.speaking_to(locale):
                    lead = _("⏰ This case has waited for an answer for more than 24 hours.")
                    text = f"{lead}\n{await self.card(case, zone)}"
                    ids = await self._send(bot, staff_id, text, None, staff_buttons(case))
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
                    lambda number=closed.id: _(
                        "🗑 Case #{number} is closed: the user deleted their data, and their "
                        "messages with it."
                    ).format(number=number),
                )
        for chat_id, message_id in await self.cases.links_of_user(user_id):
            if chat_id == user_id:
                continue
            # fails when older than Telegram lets a bot delete, or already gone
            with suppress(TelegramAPIError, TelegramNetworkError):
                await bot.delete_message(chat_id, message_id)
