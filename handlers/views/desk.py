"""How the attaché desk reads: topics, case cards and histories, and the buttons under
them, for users and for staff. `DeskView` is what the desk service (bot/services/desk.py)
renders its messages with, in each recipient's language."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.content.countries import country_name
from bot.i18n import speaking
from handlers.views.callbacks import CaseAction, CaseCb, StaffAction, StaffCb
from handlers.views.moments import moment
from handlers.views.ui import LANGUAGE_TITLES, alert, column, current_locale, user_id_of
from storage.models import Case, CaseMessage

log = logging.getLogger("joldas.staff")
HISTORY_SNIPPET = 300
STARS = range(1, 6)

TOPICS = {
    "wages": __("💰 Unpaid wages"),
    "passport": __("🛂 Passport or documents taken"),
    "contract": __("📄 Contract or employer"),
    "visa": __("🪪 Visa, permit or deportation"),
    "health": __("🏥 Health or accident"),
    "other": __("💬 Something else"),
    "sos": __("🆘 SOS"),
}


def refusal() -> str:
    return _("⛔ This is for the attaché desk's staff only.")


async def refuse(event: Message | CallbackQuery, what: str) -> None:
    """A staff action by someone who may not take it: refused, and logged with their id."""
    log.warning("refused %s by user %s: not staff for it", what, user_id_of(event))
    if isinstance(event, CallbackQuery):
        await alert(event, refusal())
    else:
        await event.answer(refusal())


def topic_label(topic: str | None) -> str:
    return str(TOPICS.get(topic or "other", TOPICS["other"]))


def case_title(case: Case) -> str:
    if case.urgent:
        return _("🆘 <b>URGENT · case #{number}</b>").format(number=case.id)
    return _("📨 <b>Case #{number}</b>").format(number=case.id)


def status_label(case: Case) -> str:
    return {
        "open": _("waiting for an answer"),
        "answered": _("answered"),
        "closed": _("closed"),
    }.get(case.status, case.status)


def staff_header(case: Case, zone: str) -> str:
    """What staff see of a case: number, country, topic, the user's language. Nothing else."""
    return "\n".join(
        [
            case_title(case),
            _("Country: {country} · Topic: {topic}").format(
                country=country_name(case.country, current_locale()), topic=topic_label(case.topic)
            ),
            _("User's language: {language} · Opened: {when}").format(
                language=LANGUAGE_TITLES.get(case.locale, case.locale),
                when=moment(case.created_at, zone),
            ),
        ]
    )


def staff_buttons(case: Case) -> InlineKeyboardMarkup:
    return column(
        [
            (
                _("✍️ Reply to #{number}").format(number=case.id),
                StaffCb(action=StaffAction.reply, case=case.id),
            ),
            (
                _("✅ Close #{number}").format(number=case.id),
                StaffCb(action=StaffAction.close, case=case.id),
            ),
            (_("📜 Case history"), StaffCb(action=StaffAction.view, case=case.id)),
        ]
    )


def user_case_buttons(case: Case) -> InlineKeyboardMarkup:
    return column(
        [
            (_("✍️ Write to this case"), CaseCb(action=CaseAction.write, case=case.id)),
            (_("✅ Close the case"), CaseCb(action=CaseAction.close, case=case.id)),
        ]
    )


def describe(message: CaseMessage) -> str:
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


def history(messages: Iterable[CaseMessage], zone: str) -> str:
    lines = []
    for message in messages:
        who = _("👤 User") if message.author == "user" else _("🧑‍💼 Attaché")
        lines.append(f"{who}, {moment(message.created_at, zone)}: {describe(message)}")
    return "\n".join(lines) or _("No messages yet.")


def rating_row(number: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text="⭐" * stars,
            callback_data=CaseCb(action=CaseAction.rate, case=number, stars=stars).pack(),
        )
        for stars in STARS
    ]


def card(case: Case, zone: str, messages: Iterable[CaseMessage]) -> str:
    """A case with its latest messages, for staff (in the current language)."""
    lines = [staff_header(case, zone), _("Status: {status}").format(status=status_label(case))]
    if case.resolution:
        lines.append(_("Resolution: {text}").format(text=html.escape(case.resolution)))
    if case.rating:
        lines.append(_("Rating: {stars}").format(stars="★" * case.rating))
    return "\n".join(lines) + "\n\n" + history(messages, zone)


class DeskView:
    """The desk service's messages, each rendered in its recipient's language."""

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    @contextmanager
    def speaking(self, locale: str) -> Iterator[None]:
        with speaking(self.i18n, locale):
            yield

    staff_header = staticmethod(staff_header)
    staff_buttons = staticmethod(staff_buttons)
    user_buttons = staticmethod(user_case_buttons)
    case_title = staticmethod(case_title)
    card = staticmethod(card)

    def continued(self) -> str:
        return _("(continued)")

    def answer_header(self, case: Case) -> str:
        return _("💬 <b>Labour attaché · case #{number}</b>").format(number=case.id)

    def sos_unanswered(self) -> str:
        return _("⏰ Nobody has answered this SOS for 15 minutes.")

    def waiting_a_day(self) -> str:
        return _("⏰ This case has waited for an answer for more than 24 hours.")

    def closed_by_deletion(self, number: int) -> str:
        return _(
            "🗑 Case #{number} is closed: the user deleted their data, and their messages with it."
        ).format(number=number)
