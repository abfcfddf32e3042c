"""Shared screens, keyboards and the one way handlers show them."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_date

from bot import LOCALES
from bot.content.countries import country_name
from bot.scripting import SCRIPT_NAMES, intact, reader_script, script_of
from bot.services.users import Profile
from handlers.views.callbacks import DeskCb, LangCb, MenuCb, ProfileAction, ProfileCb, RoleCb
from handlers.views.zones import zone_label

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}  # each in itself: pickers
LANGUAGE_TITLES = {  # in the reader's language: a label or a sentence ("Language: Russian")
    "kk": __("Kazakh"),
    "ru": __("Russian"),
    "en": __("English"),
}

MENU_ITEMS: dict[str | None, tuple[str, ...]] = {
    "migrant": (
        "registration",
        "stay",
        "permit",
        "insurance",
        "iin",
        "residence_permits",
        "employer_work",
        "helplines",
        "reminders",
    ),
    "emigrant": ("sos", "rights", "checklist", "offer_check", "attache", "insurance", "reminders"),
    "kandas": (
        "kandas_status",
        "kandas_regions",
        "kandas_contract",
        "residence",
        "residence_permits",
        "iin",
        "kandas_arrival",
        "kandas_routes",
        "helplines",
        "reminders",
    ),
    None: ("choose_role",),
}

MENU_LABELS = {
    "registration": __("📝 Registration"),
    "stay": __("📅 How long may I stay"),
    "permit": __("💼 Work permit (patent)"),
    "insurance": __("🩺 Insurance"),
    "iin": __("🆔 IIN"),
    "residence_permits": __("🪪 Residence permits"),
    "employer_work": __("🏢 Work through an employer"),
    "helplines": __("☎️ Help lines"),
    "reminders": __("⏰ My reminders"),
    "sos": __("🆘 SOS: I need help now"),
    "rights": __("⚖️ My rights abroad"),
    "checklist": __("🧳 Before you go"),
    "offer_check": __("🔍 Is this job offer safe?"),
    "attache": __("✉️ Write to the labour attaché"),
    "kandas_status": __("🪪 Kandas status"),
    "kandas_regions": __("🗺 Where to settle, and the support"),
    "kandas_contract": __("🤝 My social contract"),
    "residence": __("🏠 Residence permit and citizenship"),
    "kandas_arrival": __("🧭 Help on arrival"),
    "kandas_routes": __("🛤 Other ways to move here"),
    "choose_role": __("👤 Tell me who you are"),
    "profile": __("👤 My profile"),
    "help": __("❓ Help"),
}

ROLE_LABELS = {
    "migrant": __("Foreign citizen in Kazakhstan"),
    "emigrant": __("Citizen of Kazakhstan working abroad"),
    "kandas": __("Ethnic Kazakh (kandas) moving to Kazakhstan"),
}

Button = tuple[str, CallbackData]

# A Russian long date ends with "г." ("31 марта 2026 г."): where a sentence ends on it,
# "{day}." would print "г.."; the sentence's own full stop is dropped (an ellipsis stays).
DATE_STOP = re.compile(r"(?<=\bг\.)\.(?!\.)")


def one_stop(text: str) -> str:
    """Drops a sentence's full stop after a Russian date: "… 2026 г.. Я" -> "… 2026 г. Я"."""
    return DATE_STOP.sub("", text) if "г.." in text else text


def keyboard(*rows: Iterable[Button]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=str(label), callback_data=data.pack())
                for label, data in row
            ]
            for row in rows
        ]
    )


def column(buttons: Iterable[Button]) -> InlineKeyboardMarkup:
    return keyboard(*([button] for button in buttons))


def current_locale() -> str:
    return I18n.get_current(no_error=False).current_locale


_answered: ContextVar[str | None] = ContextVar("answered", default=None)
# While a question's buttons are read (handlers/common/typed.py), its screens are kept here
# instead of being sent.
_captured: ContextVar[list[InlineKeyboardMarkup] | None] = ContextVar("captured", default=None)
# A notice staff put on the guide this update opens (handlers/views/notices.py pins it):
# the next screen shown carries it on top, or it goes just before it when both would not fit.
_pinned: ContextVar[str | None] = ContextVar("pinned", default=None)
MESSAGE_LIMIT = 1500
TAG = re.compile(r"<[^>]+>")


def visible_length(text: str) -> int:
    """Characters as Telegram shows them: without tags, with entities decoded."""
    return len(html.unescape(TAG.sub("", text)))


def pin(notice: str | None) -> None:
    """Put `notice` on top of the next screen this update shows."""
    _pinned.set(notice or None)


async def alert(callback: CallbackQuery, text: str) -> None:
    """A notice on the press itself, or (when the press was already answered) a message."""
    if _answered.get() == callback.id:
        await SendMessage(chat_id=callback.from_user.id, text=text).as_(callback.bot)
        return
    _answered.set(callback.id)
    await callback.answer(text, show_alert=True)


async def acknowledge(callback: CallbackQuery) -> None:
    """Answer the press (Telegram wants one answer each) unless it has been answered."""
    if _answered.get() != callback.id:
        _answered.set(callback.id)
        await callback.answer()


class TypedPress(CallbackQuery):
    """A button pressed by typing its answer (handlers/common/typed.py). Telegram knows of
    no press to answer: a notice on it comes as a message, an empty answer does nothing."""

    def answer(self, text: str | None = None, *args: Any, **kwargs: Any) -> Any:
        return self._notice(text)

    async def _notice(self, text: str | None) -> bool:
        if text:
            await SendMessage(chat_id=self.from_user.id, text=text).as_(self.bot)
        return True


@contextmanager
def capturing() -> Iterator[list[InlineKeyboardMarkup]]:
    """The buttons of what `show` would send meanwhile, which it then does not send."""
    shown: list[InlineKeyboardMarkup] = []
    token = _captured.set(shown)
    try:
        yield shown
    finally:
        _captured.reset(token)


def user_id_of(event: Message | CallbackQuery) -> int:
    """Who sent the event. Only private chats reach the handlers (bot.app's `private_chat`),
    and there a message's chat is its sender."""
    if isinstance(event, CallbackQuery):
        return event.from_user.id
    return event.chat.id


async def show(
    event: Message | CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> None:
    """Answer a message, or replace the pressed message (falling back to a new one).
    A pinned notice goes on top, or as its own message just before a screen it would
    push over MESSAGE_LIMIT (the screen then comes as a new message too)."""
    captured = _captured.get()
    if captured is not None:  # a question's buttons are being read: nothing is sent
        if markup is not None:
            captured.append(markup)
        return
    text = one_stop(text)
    notice = _pinned.get()
    if notice is not None:
        _pinned.set(None)
        if visible_length(f"{notice}\n\n{text}") <= MESSAGE_LIMIT:
            text = f"{notice}\n\n{text}"
        else:
            await show(event, notice, edit=edit)
            edit = False
    if isinstance(event, Message):
        await event.answer(text, reply_markup=markup)
        return
    await acknowledge(event)  # once, however many messages follow
    message = event.message
    if edit and isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest:
            pass  # too old, or unchanged: send a fresh one below
    # what `event.bot.send_message` sends, mounted like aiogram's own shortcuts (which
    # raise a clear error when the event came from no bot)
    await SendMessage(chat_id=event.from_user.id, text=text, reply_markup=markup).as_(event.bot)


def role_label(role: str | None) -> str:
    return str(ROLE_LABELS[role]) if role in ROLE_LABELS else _("not chosen")


def menu_label(item: str) -> str:
    return str(MENU_LABELS[item])


def menu_markup(profile: Profile | None) -> InlineKeyboardMarkup:
    return _menu_markup(profile.role if profile else None, current_locale())


@lru_cache(maxsize=64)
def _menu_markup(role: str | None, locale: str) -> InlineKeyboardMarkup:
    items = (*MENU_ITEMS.get(role, MENU_ITEMS[None]), "profile", "help")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=str(MENU_LABELS[item]),
                    callback_data=MenuCb(item=item).pack(),
                    style="danger" if item == "sos" else None,  # the red button
                )
            ]
            for item in items
        ]
    )


def menu_text() -> str:
    return _("<b>Main menu.</b> What do you need?")


def menu_button() -> Button:
    """The "◀️ Menu" button that ends most screens."""
    return (_("◀️ Menu"), MenuCb(item="menu"))


def back_to_menu_markup() -> InlineKeyboardMarkup:
    return _back_to_menu(current_locale())


@lru_cache(maxsize=8)
def _back_to_menu(locale: str) -> InlineKeyboardMarkup:
    return column([menu_button()])


def out_of_date_text() -> str:
    return _("This button is out of date.")


async def out_of_date(
    callback: CallbackQuery,
    profile: Profile | None = None,
    *,
    menu: bool = True,
    edit: bool = False,
) -> None:
    """The answer to a stale or forged press: the current menu, or a short notice."""
    if menu:
        await show_menu(callback, profile, out_of_date_text(), edit=edit)
    else:
        await callback.answer(out_of_date_text())


# who may open the staff desk (CaseService.is_staff), set for each update by the staff
# menu's middleware: their main menu ends with a button to it
desk_check: ContextVar[Callable[[int], Awaitable[bool]] | None] = ContextVar(
    "desk_check", default=None
)


async def show_menu(
    event: Message | CallbackQuery,
    profile: Profile | None,
    lead: str | None = None,
    *,
    edit: bool = True,
) -> None:
    text = f"{lead}\n\n{menu_text()}" if lead else menu_text()
    markup = menu_markup(profile)
    check = desk_check.get()
    if check is not None and await check(user_id_of(event)):
        desk = InlineKeyboardButton(text=_("🧑‍💼 Staff desk"), callback_data=DeskCb().pack())
        markup = InlineKeyboardMarkup(inline_keyboard=[*markup.inline_keyboard, [desk]])
    await show(event, text, markup, edit=edit)


def language_markup(selected: str | None) -> InlineKeyboardMarkup:
    """Each language by its own name (Kazakh's goes in the reader's script, the others as
    written)."""
    return _language_markup(selected, reader_script())


@lru_cache(maxsize=16)
def _language_markup(selected: str | None, script: str) -> InlineKeyboardMarkup:
    return keyboard(
        [
            (
                f"{'✓ ' if code == selected else ''}"
                f"{LANGUAGE_NAMES[code] if code == 'kk' else intact(LANGUAGE_NAMES[code])}",
                LangCb(code=code),
            )
            for code in LOCALES
        ]
    )


def role_markup() -> InlineKeyboardMarkup:
    return _role_markup(current_locale())


@lru_cache(maxsize=8)
def _role_markup(locale: str) -> InlineKeyboardMarkup:
    return column(
        [
            (_("🌍 I am a foreign citizen in Kazakhstan (or coming)"), RoleCb(role="migrant")),
            (
                _("✈️ I am a citizen of Kazakhstan working abroad (or going)"),
                RoleCb(role="emigrant"),
            ),
            (_("🏡 I am an ethnic Kazakh (kandas) moving to Kazakhstan"), RoleCb(role="kandas")),
            (_("Skip"), RoleCb(role="skip")),
        ]
    )


def profile_screen(profile: Profile | None, now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    """Exactly what is stored about the user, with buttons to change it (the zone's offset
    as it is `now`)."""
    locale = current_locale()
    if profile is None:
        return (_("I store nothing about you yet. Send /start to begin."), back_to_menu_markup())
    since = format_date(profile.created_at.date(), format="long", locale=locale)
    lines = [
        _("<b>Your profile</b> — this is everything I store about you:"),
        _("Telegram ID: {value}").format(value=profile.id),
        _("Language: {value}").format(value=LANGUAGE_NAMES.get(profile.locale or "", "—")),
        *(
            [_("Kazakh script: {value}").format(value=SCRIPT_NAMES[script_of(profile)])]
            if profile.locale == "kk"
            else []
        ),
        _("Who you are: {value}").format(value=role_label(profile.role)),
        _("Citizenship: {value}").format(value=country_name(profile.citizenship, locale)),
        _("Country of work: {value}").format(value=country_name(profile.country_abroad, locale)),
        _("Region in Kazakhstan: {value}").format(value=profile.region or "—"),
        _("Time zone: {value}").format(value=zone_label(profile.timezone, locale, now)),
        _("With Joldas since: {value}").format(value=since),
    ]
    return "\n".join(lines), _profile_markup(profile.role, locale)


@lru_cache(maxsize=32)
def _profile_markup(role: str | None, locale: str) -> InlineKeyboardMarkup:
    buttons: list[Button] = [
        (_("🌐 Change language"), ProfileCb(action=ProfileAction.language)),
        *(
            [(_("🔤 Kazakh script"), ProfileCb(action=ProfileAction.script))]
            if locale == "kk"
            else []
        ),
        (_("👤 Change who I am"), ProfileCb(action=ProfileAction.role)),
    ]
    if role in ("migrant", "kandas"):
        buttons.append((_("🏳️ Change citizenship"), ProfileCb(action=ProfileAction.citizenship)))
    if role == "emigrant":
        buttons.append((_("✈️ Change country of work"), ProfileCb(action=ProfileAction.abroad)))
    buttons += [
        (_("🕒 Change time zone"), ProfileCb(action=ProfileAction.timezone)),
        (_("🔒 Privacy"), ProfileCb(action=ProfileAction.privacy)),
        (_("🗑 Delete my data"), ProfileCb(action=ProfileAction.delete)),
        menu_button(),
    ]
    return column(buttons)
