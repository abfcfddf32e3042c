"""Other ways to move to Kazakhstan: a question or two per route, then a verdict and where
to apply."""

from __future__ import annotations

import re
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.content.kandas import Route, route
from bot.rules.kandas import route_fits
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import KandasCb, KandasPage
from handlers.views.kandas import question_screen, routes_screen, verdict_screen
from handlers.views.ui import out_of_date, show
from handlers.wiring import Wiring

ANSWERS = re.compile(r"^[yn]{0,2}$")


async def on_routes(callback: CallbackQuery):
    await show(callback, *routes_screen())


class RouteFlow(StatesGroup):
    question = State()  # data: route (its id and the answers so far, "<id>.<y/n...>")


def opened(value: str) -> tuple[Route, str] | None:
    """The route and the answers a button's value names, if they make sense."""
    route_id, _sep, answers = value.partition(".")
    found = route(route_id)
    if found is None or not ANSWERS.match(answers) or len(answers) > len(found.questions):
        return None
    return found, answers


async def ask_route(event: Message | CallbackQuery, state: FSMContext, **_: Any) -> None:
    found = opened(str((await state.get_data()).get("route", "")))
    if found is not None:
        await show(event, *question_screen(*found))


async def on_route(
    callback: CallbackQuery, callback_data: KandasCb, state: FSMContext, profile: Profile | None
):
    found = opened(callback_data.value)
    if found is None:
        await out_of_date(callback, profile)
        return
    needed = [question.needed for question in found[0].questions]
    fits = route_fits(needed, [answer == "y" for answer in found[1]])
    if fits is None:  # a question is still open: a yes or no typed answers it too
        await state.set_state(RouteFlow.question)
        await state.update_data(route=callback_data.value)
        await show(callback, *question_screen(*found))
        return
    if await state.get_state() == RouteFlow.question.state:
        await state.set_state(None)
    await show(callback, *verdict_screen(found[0], fits))


def build_router(wiring: Wiring) -> Router:
    router = Router(name="kandas routes")
    router.callback_query.register(on_routes, menu_item("kandas_routes"))
    router.callback_query.register(on_route, KandasCb.filter(F.page == KandasPage.route))
    wiring.question(RouteFlow.question, ask_route)
    pressed = KandasCb(page=KandasPage.route).pack().removesuffix(":")
    wiring.screen(RouteFlow.question, keep=(pressed,))  # ends when the user goes elsewhere
    return router
