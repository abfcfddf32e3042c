"""/notices: admins put a short notice on top of a guide, in kk, ru and en, with an
optional end date: choose the guide, type the three texts (each checked), the end date,
preview it in each language, Save. Remove and restore with a confirmation; every notice
keeps who added and who removed it, and when.

Every step asks the server again whether the sender is an admin: buttons can be forged and
roles change mid-dialogue. A refusal is logged with their id.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import LOCALES
from bot.services.notices import GUIDES, NoticeService, Problem, check_text, check_until
from bot.services.users import Profile
from handlers.filters import not_a_command
from handlers.views.callbacks import NoticeAction, NoticeCb
from handlers.views.dates import ask_date
from handlers.views.notices import (
    admins_only,
    guides_screen,
    home_screen,
    no_end_label,
    preview_screen,
    problem_text,
    remove_question,
    restore_question,
    text_prompt,
    until_question,
)
from handlers.views.ui import alert, out_of_date_text, show, user_id_of
from handlers.wiring import Wiring

log = logging.getLogger("joldas.notices")
Event = Message | CallbackQuery
HISTORY = 30  # notices read for the /notices screen
LATEST_END = timedelta(days=730)  # the end date can be chosen up to two years ahead


class NoticeFlow(StatesGroup):
    typing = State()  # data: guide, texts (language -> text so far)
    until = State()  # data: guide, texts; the date question
    preview = State()  # data: guide, texts, until (ISO date or None)


async def admin(event: Event, notices: NoticeService, what: str) -> bool:
    """Only admins keep notices: anyone else is refused, in their language, and logged."""
    if notices.is_admin(user_id_of(event)):
        return True
    log.warning("refused %s by user %s: not an admin", what, user_id_of(event))
    if isinstance(event, CallbackQuery):
        await alert(event, admins_only())
    else:
        await event.answer(admins_only())
    return False


def zone_of(profile: Profile | None, notices: NoticeService) -> ZoneInfo:
    return ZoneInfo(profile.timezone) if profile else notices.timezone


async def out_of_date(callback: CallbackQuery) -> None:
    await alert(callback, out_of_date_text())


async def show_home(
    event: Event, notices: NoticeService, profile: Profile | None, lead: str | None = None
) -> None:
    listed = await notices.history(HISTORY)
    await show(event, *home_screen(listed, notices.today(), zone_of(profile, notices), lead))


def draft(data: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """The guide and texts of the notice being written, if the dialogue holds one."""
    guide, texts = data.get("guide"), data.get("texts")
    if guide in GUIDES and isinstance(texts, dict):
        return str(guide), {str(k): str(v) for k, v in texts.items()}
    return None


# --- the list ------------------------------------------------------------------------------


async def on_notices(
    message: Message, state: FSMContext, notices: NoticeService, profile: Profile | None
):
    if not await admin(message, notices, "/notices"):
        return
    await state.clear()
    await show_home(message, notices, profile)


async def on_home(
    callback: CallbackQuery, state: FSMContext, notices: NoticeService, profile: Profile | None
):
    if await admin(callback, notices, "notices"):
        await state.clear()
        await show_home(callback, notices, profile)


async def on_drop(
    callback: CallbackQuery, state: FSMContext, notices: NoticeService, profile: Profile | None
):
    """Leave the notice being written: nothing is saved."""
    if await admin(callback, notices, "notices"):
        await state.clear()
        await show_home(callback, notices, profile, _("✖️ Cancelled: nothing was saved."))


# --- writing one ---------------------------------------------------------------------------


async def on_new(callback: CallbackQuery, state: FSMContext, notices: NoticeService):
    if await admin(callback, notices, "new notice"):
        await state.clear()
        await show(callback, *guides_screen())


async def on_guide(
    callback: CallbackQuery, callback_data: NoticeCb, state: FSMContext, notices: NoticeService
):
    if not await admin(callback, notices, f"notice guide {callback_data.guide!r}"):
        return
    if callback_data.guide not in GUIDES:
        await out_of_date(callback)
        return
    await state.set_state(NoticeFlow.typing)
    await state.set_data({"guide": callback_data.guide, "texts": {}})
    await show(callback, *text_prompt(callback_data.guide, LOCALES[0]))


def next_language(texts: dict[str, str]) -> str | None:
    return next((code for code in LOCALES if not texts.get(code)), None)


async def on_typed(message: Message, state: FSMContext, notices: NoticeService, **data: Any):
    if not await admin(message, notices, "notice text"):
        await state.clear()
        return
    found = draft(await state.get_data())
    code = next_language(found[1]) if found else None
    if found is None or code is None:
        await state.clear()
        await message.answer(out_of_date_text())
        return
    guide, texts = found
    text = check_text(message.text or "")
    if isinstance(text, Problem):
        await message.answer(problem_text(text))
        await show(message, *text_prompt(guide, code))
        return
    texts[code] = text
    await state.update_data(texts=texts)
    following = next_language(texts)
    if following is not None:
        await show(message, *text_prompt(guide, following))
        return
    await state.set_state(NoticeFlow.until)
    await ask_date(message, state, **data)


def until_bounds(today: date, _data: dict[str, Any]) -> tuple[date, date]:
    return today, today + LATEST_END


async def on_until(event: Event, state: FSMContext, day: date | None, **data: Any):
    """The end date (None: the "no end date" button), then the preview."""
    notices: NoticeService = data["notices"]
    if not await admin(event, notices, "notice end date"):
        await state.clear()
        return
    problem = check_until(day, notices.today())
    if problem is not None:  # the bot's day, which may differ from the staff member's
        if isinstance(event, Message):
            await event.answer(problem_text(problem))
        else:
            await alert(event, problem_text(problem))
        await ask_date(event, state, **data)
        return
    await state.update_data(until=day.isoformat() if day else None)
    await state.set_state(NoticeFlow.preview)
    await ask_preview(event, state, **data)


async def ask_preview(event: Event, state: FSMContext, **data: Any):
    found = draft(await state.get_data())
    if found is None or next_language(found[1]) is not None:
        await state.clear()
        await show(event, out_of_date_text(), edit=False)
        return
    stored = (await state.get_data()).get("until")
    until = date.fromisoformat(stored) if stored else None
    await show(event, *preview_screen(found[0], found[1], until, data["i18n"]), edit=False)


async def ask_typing(event: Event, state: FSMContext, **data: Any):
    found = draft(await state.get_data())
    code = next_language(found[1]) if found else None
    if found is None or code is None:
        await state.clear()
        return
    await show(event, *text_prompt(found[0], code), edit=False)


async def on_save(
    callback: CallbackQuery,
    state: FSMContext,
    notices: NoticeService,
    profile: Profile | None,
    **data: Any,
):
    if not await admin(callback, notices, "notice save"):
        return
    values = await state.get_data()
    found = draft(values)
    if await state.get_state() != NoticeFlow.preview.state or found is None:
        await out_of_date(callback)
        return
    stored = values.get("until")
    until = date.fromisoformat(stored) if stored else None
    saved = await notices.add(found[0], found[1], until, callback.from_user.id)
    if saved is Problem.past:  # the day ended meanwhile: the date again
        await alert(callback, problem_text(saved))
        await state.set_state(NoticeFlow.until)
        await ask_date(callback, state, notices=notices, profile=profile, **data)
        return
    if isinstance(saved, Problem):
        await alert(callback, problem_text(saved))
        return
    await state.clear()
    lead = _("✅ Notice #{number} saved: users see it now.").format(number=saved.id)
    await show_home(callback, notices, profile, lead)


# --- remove and restore --------------------------------------------------------------------


async def on_remove(
    callback: CallbackQuery,
    callback_data: NoticeCb,
    notices: NoticeService,
    profile: Profile | None,
):
    if not await admin(callback, notices, f"notice remove #{callback_data.id}"):
        return
    notice = await notices.notice(callback_data.id)
    today = notices.today()
    if notice is None or not notice.shown_on(today):
        await out_of_date(callback)
        return
    if callback_data.value != "yes":
        await show(callback, *remove_question(notice, today, zone_of(profile, notices)))
        return
    if await notices.remove(notice.id, callback.from_user.id) is None:
        await out_of_date(callback)
        return
    lead = _("🗑 Notice #{number} removed: users no longer see it.").format(number=notice.id)
    await show_home(callback, notices, profile, lead)


async def on_restore(
    callback: CallbackQuery,
    callback_data: NoticeCb,
    notices: NoticeService,
    profile: Profile | None,
):
    if not await admin(callback, notices, f"notice restore #{callback_data.id}"):
        return
    notice = await notices.notice(callback_data.id)
    today = notices.today()
    if notice is None or notice.removed_at is None:
        await out_of_date(callback)
        return
    if notice.until is not None and notice.until < today:
        await alert(callback, problem_text(Problem.past))
        return
    if callback_data.value != "yes":
        await show(callback, *restore_question(notice, today, zone_of(profile, notices)))
        return
    restored = await notices.restore(notice.id, callback.from_user.id)
    if restored is None:
        await out_of_date(callback)
        return
    if isinstance(restored, Problem):
        await alert(callback, problem_text(restored))
        return
    lead = _("↩️ Notice #{old} restored as #{new}: users see it again.").format(
        old=notice.id, new=restored.id
    )
    await show_home(callback, notices, profile, lead)


def build_router(wiring: Wiring) -> Router:
    router = Router(name="notices")
    cb = NoticeCb.filter
    action = F.action
    router.message.register(on_notices, Command("notices"))
    router.callback_query.register(on_home, cb(action == NoticeAction.home))
    router.callback_query.register(on_new, cb(action == NoticeAction.new))
    router.callback_query.register(on_guide, cb(action == NoticeAction.guide))
    router.callback_query.register(on_save, cb(action == NoticeAction.save))
    router.callback_query.register(on_drop, cb(action == NoticeAction.drop))
    router.callback_query.register(on_remove, cb(action == NoticeAction.remove))
    router.callback_query.register(on_restore, cb(action == NoticeAction.restore))
    router.message.register(on_typed, StateFilter(NoticeFlow.typing), not_a_command)
    wiring.prompt(NoticeFlow.typing, ask_typing)
    wiring.date_question(
        NoticeFlow.until, until_question, until_bounds, on_until, quick=(7, 30), extra=no_end_label
    )
    wiring.question(NoticeFlow.preview, ask_preview)
    return router
