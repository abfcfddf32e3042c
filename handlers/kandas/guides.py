"""Kandas status, the two paths, where to settle and the support, help on arrival."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.content.kandas import organisation, support
from bot.rules.kandas import MAX_FAMILY, support_for
from bot.services.directory import DirectoryService
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import KandasCb, KandasPage
from handlers.views.guide import today_of
from handlers.views.kandas import (
    FAMILY_KEY,
    apply_screen,
    arrival_screen,
    family_question,
    mci_of,
    organisation_screen,
    origin_mission,
    paths_screen,
    regions_screen,
    status_screen,
    support_screen,
)
from handlers.views.ui import out_of_date, show
from handlers.wiring import Wiring


async def on_status(callback: CallbackQuery):
    await show(callback, *status_screen(support()))


async def on_apply(
    callback: CallbackQuery,
    callback_data: KandasCb,
    profile: Profile | None,
    directory: DirectoryService,
):
    if callback_data.value not in ("abroad", "home"):
        await out_of_date(callback, profile)
        return
    origin = profile.citizenship if profile and profile.role == "kandas" else None
    mission = origin_mission(origin, await directory.current())
    await show(callback, *apply_screen(callback_data.value, support(), mission))


async def on_paths(callback: CallbackQuery):
    await show(callback, *paths_screen(support()))


async def on_regions(callback: CallbackQuery, profile: Profile | None, reminders: ReminderService):
    year = (await today_of(reminders, profile)).year
    await show(callback, *regions_screen(support(year), year))


class SupportFlow(StatesGroup):
    family = State()  # the family-size question is open: a size typed answers it


async def ask_family(event: Message | CallbackQuery, state: FSMContext, **_: Any) -> None:
    await show(event, *family_question())


async def on_family(
    callback: CallbackQuery,
    callback_data: KandasCb,
    state: FSMContext,
    profile: Profile | None,
    reminders: ReminderService,
):
    """The family-size question, or (with a size) the support it brings this year; the size
    is kept for the social contract's question (handlers/kandas/contract.py)."""
    value = callback_data.value
    if not value:
        await state.set_state(SupportFlow.family)
        await ask_family(callback, state)
        return
    if not value.isdecimal() or not 1 <= int(value) <= MAX_FAMILY:
        await out_of_date(callback, profile)
        return
    if await state.get_state() == SupportFlow.family.state:
        await state.set_state(None)
    if await state.get_state() is None:  # not inside another dialogue
        await state.update_data({FAMILY_KEY: int(value)})
    year = (await today_of(reminders, profile)).year
    facts = support(year)
    supported = support_for(int(value), facts, mci_of(facts.year))
    await show(callback, *support_screen(supported, facts, year))


async def on_arrival(callback: CallbackQuery):
    await show(callback, *arrival_screen())


async def on_organisation(
    callback: CallbackQuery, callback_data: KandasCb, profile: Profile | None
):
    org = organisation(callback_data.value)
    if org is None:
        await out_of_date(callback, profile)
        return
    await show(callback, *organisation_screen(org, support()))


def build_router(wiring: Wiring) -> Router:
    router = Router(name="kandas guides")
    page = KandasCb.filter
    router.callback_query.register(on_status, menu_item("kandas_status"))
    router.callback_query.register(on_apply, page(F.page == KandasPage.apply))
    router.callback_query.register(on_paths, page(F.page == KandasPage.paths))
    router.callback_query.register(on_regions, menu_item("kandas_regions"))
    router.callback_query.register(on_family, page(F.page == KandasPage.family))
    router.callback_query.register(on_arrival, menu_item("kandas_arrival"))
    router.callback_query.register(on_organisation, page(F.page == KandasPage.org))
    wiring.question(SupportFlow.family, ask_family)
    family = KandasCb(page=KandasPage.family).pack().removesuffix(":")
    wiring.screen(SupportFlow.family, keep=(family,))  # ends when the user goes elsewhere
    return router
