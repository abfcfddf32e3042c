"""Residence permit: the 2026 scoring's four steps, a practice checklist kept per user, and
the citizenship test."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.content.kandas import residence
from bot.services.checklist import ChecklistService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import KandasCb, KandasPage
from handlers.views.kandas import (
    citizenship_screen,
    practice_id,
    practice_screen,
    residence_screen,
)
from handlers.views.ui import out_of_date, show


async def on_residence(callback: CallbackQuery, checklists: ChecklistService):
    done = await checklists.done(callback.from_user.id)
    mine = {item.id for item in residence().practice if practice_id(item.id) in done}
    await show(callback, *residence_screen(mine))


async def on_practice(
    callback: CallbackQuery,
    callback_data: KandasCb,
    checklists: ChecklistService,
    profile: Profile | None,
):
    """The list, or (with an item) a tick or an untick, then the list again."""
    user_id = callback.from_user.id
    item = callback_data.value
    if not item:
        done = await checklists.done(user_id)
    elif item in {entry.id for entry in residence().practice}:
        done = await checklists.toggle(user_id, practice_id(item))
    else:
        await out_of_date(callback, profile)
        return
    await show(callback, *practice_screen(done))


async def on_citizenship(callback: CallbackQuery):
    await show(callback, *citizenship_screen())


def build_router() -> Router:
    router = Router(name="kandas residence")
    router.callback_query.register(on_residence, menu_item("residence"))
    router.callback_query.register(on_practice, KandasCb.filter(F.page == KandasPage.practice))
    router.callback_query.register(
        on_citizenship, KandasCb.filter(F.page == KandasPage.citizenship)
    )
    return router
