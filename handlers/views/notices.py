"""Notices on guides as users see them (📌 on top of the guide, and of the typed answers
that lead to it), the middleware that pins them, and how /notices reads for staff."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import LOCALES
from bot.i18n import speaking
from bot.services.notices import GUIDES, MAX_TEXT, Notice, NoticeService, Problem
from handlers.views.callbacks import MenuCb, NoticeAction, NoticeCb
from handlers.views.guide import day_text
from handlers.views.moments import moment
from handlers.views.ui import (
    LANGUAGE_NAMES,
    MESSAGE_LIMIT,
    Button,
    column,
    current_locale,
    keyboard,
    menu_label,
    pin,
    visible_length,
)

GUIDE_OF_PRESS = {MenuCb(item=guide).pack(): guide for guide in GUIDES}
LISTED = 8  # notices the /notices screen lists (active ones first)


# --- what users see -----------------------------------------------------------------------


def notice_text(notices: Iterable[Notice], locale: str) -> str:
    """The notices in the reader's language, each on its own paragraph (plain text)."""
    return "\n\n".join(f"📌 {html.escape(notice.texts[locale])}" for notice in notices)


async def pin_notices(notices: NoticeService | None, guides: Iterable[str | None]) -> None:
    """Pin the notices shown today on `guides` to the next screen of this update."""
    if notices is None:
        return
    found: dict[int, Notice] = {}
    for guide in guides:
        if guide is not None:
            for notice in await notices.shown(guide):
                found.setdefault(notice.id, notice)
    if found:
        pin(notice_text(found.values(), current_locale()))


class GuideNotices(BaseMiddleware):
    """A press that opens a guide gets its notices on top of the screen; every update
    starts with nothing pinned (and leaves nothing pinned behind)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        pin(None)  # a fresh update: nothing pinned
        try:
            if isinstance(event, CallbackQuery):
                guide = GUIDE_OF_PRESS.get(event.data or "")
                if guide is not None:
                    await pin_notices(data.get("notices"), [guide])
            return await handler(event, data)
        finally:
            pin(None)


# --- what staff see -----------------------------------------------------------------------


def guide_label(guide: str) -> str:
    return menu_label(guide)


def problem_text(problem: Problem) -> str:
    return {
        Problem.empty: _("⚠️ The text is empty. Please type the notice."),
        Problem.too_long: _("⚠️ Too long: at most {limit} characters.").format(limit=MAX_TEXT),
        Problem.past: _("⚠️ This end date has passed: choose today or a later day."),
        Problem.guide: _("⚠️ There is no such guide."),
        Problem.missing: _("⚠️ The notice needs its text in Kazakh, Russian and English."),
    }[problem]


def admins_only() -> str:
    return _("⛔ Only administrators can put notices on guides.")


def until_text(until: date | None) -> str:
    if until is None:
        return _("no end date")
    return _("until {date}").format(date=day_text(until))


def notice_line(notice: Notice, today: date, zone: ZoneInfo) -> str:
    """One notice for staff: number, guide, end, its text in their language, who and when."""
    if notice.removed_at is not None:
        state = _("removed")
    elif notice.shown_on(today):
        state = _("shown")
    else:
        state = _("ended")
    text = notice.texts.get(current_locale()) or notice.texts["en"]
    short = text if len(text) <= 80 else text[:79] + "…"
    lines = [
        f"<b>#{notice.id}</b> · {html.escape(guide_label(notice.guide))} · "
        f"{until_text(notice.until)} · {state}",
        f"📌 {html.escape(short)}",
        _("Added by {staff} on {moment}").format(
            staff=notice.created_by or "—", moment=moment(notice.created_at, zone)
        ),
    ]
    if notice.removed_at is not None:
        lines.append(
            _("Removed by {staff} on {moment}").format(
                staff=notice.removed_by or "—", moment=moment(notice.removed_at, zone)
            )
        )
    return "\n".join(lines)


def home_screen(
    notices: list[Notice], today: date, zone: ZoneInfo, lead: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """Active notices first, then the latest removed or ended ones, as many as fit."""
    ordered = sorted(notices, key=lambda n: (not n.shown_on(today), -n.id))[:LISTED]
    while True:
        parts = [lead] if lead else []
        parts.append(_("📌 <b>Notices on guides</b>"))
        if not ordered:
            parts.append(_("No notices yet."))
        parts += [notice_line(n, today, zone) for n in ordered]
        text = "\n\n".join(parts)
        if visible_length(text) <= MESSAGE_LIMIT or not ordered:
            break
        ordered.pop()
    buttons: list[Button] = [(_("➕ New notice"), NoticeCb(action=NoticeAction.new))]
    for notice in ordered:
        if notice.shown_on(today):
            label = _("🗑 Remove #{number}").format(number=notice.id)
            buttons.append((label, NoticeCb(action=NoticeAction.remove, id=notice.id)))
        elif notice.removed_at is not None and (notice.until is None or notice.until >= today):
            label = _("↩️ Restore #{number}").format(number=notice.id)
            buttons.append((label, NoticeCb(action=NoticeAction.restore, id=notice.id)))
    return text, column(buttons)


def guides_screen() -> tuple[str, InlineKeyboardMarkup]:
    buttons = [(guide_label(g), NoticeCb(action=NoticeAction.guide, guide=g)) for g in GUIDES]
    buttons.append((_("✖️ Cancel"), NoticeCb(action=NoticeAction.drop)))
    return _("📌 Which guide is the notice for?"), column(buttons)


def text_prompt(guide: str, code: str) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "📌 Notice on «{guide}».\nType its text in {language}: plain text, at most "
        "{limit} characters."
    ).format(guide=html.escape(guide_label(guide)), language=LANGUAGE_NAMES[code], limit=MAX_TEXT)
    return text, column([(_("✖️ Cancel"), NoticeCb(action=NoticeAction.drop))])


def until_question() -> str:
    return _("📅 Until which day should users see it (it is shown through that day)?")


def no_end_label() -> str:
    return _("♾ No end date")


def preview_screen(
    guide: str, texts: dict[str, str], until: date | None, i18n: I18n
) -> tuple[str, InlineKeyboardMarkup]:
    """The notice on top of the guide as users see it, in each language."""
    blocks = [
        _("👁 <b>Preview</b>: the notice on «{guide}», {until}.").format(
            guide=html.escape(guide_label(guide)), until=until_text(until)
        )
    ]
    for code in LOCALES:
        with speaking(i18n, code):
            title = guide_label(guide)
        notice = html.escape(texts[code])
        blocks.append(f"<i>{LANGUAGE_NAMES[code]}</i>\n<b>{html.escape(title)}</b>\n📌 {notice}")
    blocks.append(_("Users see it on top of the guide and of the typed answers that lead to it."))
    return "\n\n".join(blocks), keyboard(
        [(_("✅ Save"), NoticeCb(action=NoticeAction.save))],
        [(_("✖️ Cancel"), NoticeCb(action=NoticeAction.drop))],
    )


def remove_question(
    notice: Notice, today: date, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n\n".join(
        [_("🗑 Remove this notice? Users stop seeing it at once."), notice_line(notice, today, zone)]
    )
    return text, keyboard(
        [(_("🗑 Yes, remove"), NoticeCb(action=NoticeAction.remove, id=notice.id, value="yes"))],
        [(_("◀️ No, back"), NoticeCb(action=NoticeAction.home))],
    )


def restore_question(
    notice: Notice, today: date, zone: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n\n".join(
        [
            _("↩️ Restore this notice? Users see it again at once."),
            notice_line(notice, today, zone),
        ]
    )
    return text, keyboard(
        [(_("↩️ Yes, restore"), NoticeCb(action=NoticeAction.restore, id=notice.id, value="yes"))],
        [(_("◀️ No, back"), NoticeCb(action=NoticeAction.home))],
    )
