"""Foreigners' papers: the IIN, residence permits, work through an employer. Each guide is
data (bot/content/papers.json): its intro, then a section per button."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.content.papers import GUIDES, papers
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import MenuCb, PaperCb
from handlers.views.guide import today_of
from handlers.views.papers import guide_screen, section_screen
from handlers.views.ui import out_of_date, show


async def on_guide(callback: CallbackQuery, profile: Profile | None):
    guide = papers().guide(MenuCb.unpack(callback.data or "").item)
    if guide is None:  # cannot happen: the filter takes only the guides' entries
        await out_of_date(callback, profile)
        return
    await show(callback, *guide_screen(guide))


async def on_section(
    callback: CallbackQuery,
    callback_data: PaperCb,
    profile: Profile | None,
    reminders: ReminderService,
):
    data = papers()
    guide = data.guide(callback_data.guide)
    section = guide.section(callback_data.section) if guide else None
    if guide is None or section is None:  # a forged or stale press
        await out_of_date(callback, profile)
        return
    today = await today_of(reminders, profile)
    await show(callback, *section_screen(guide, section, data, today))


def build_router() -> Router:
    router = Router(name="papers")
    router.callback_query.register(on_guide, menu_item(*GUIDES))
    router.callback_query.register(on_section, PaperCb.filter())
    return router
