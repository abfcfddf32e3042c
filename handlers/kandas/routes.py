"""Other ways to move to Kazakhstan: a question or two per route, then a verdict and where
to apply."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.content.kandas import route
from bot.rules.kandas import route_fits
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import KandasCb, KandasPage
from handlers.views.kandas import question_screen, routes_screen, verdict_screen
from handlers.views.ui import out_of_date, show

ANSWERS = re.compile(r"^[yn]{0,2}$")


async def on_routes(callback: CallbackQuery):
    await show(callback, *routes_screen())


async def on_route(callback: CallbackQuery, callback_data: KandasCb, profile: Profile | None):
    route_id, _sep, answers = callback_data.value.partition(".")
    found = route(route_id)
    if found is None or not ANSWERS.match(answers) or len(answers) > len(found.questions):
        await out_of_date(callback, profile)
        return
    needed = [question.needed for question in found.questions]
    fits = route_fits(needed, [answer == "y" for answer in answers])
    if fits is None:  # a question is still open
        await show(callback, *question_screen(found, answers))
    else:
        await show(callback, *verdict_screen(found, fits))


def build_router() -> Router:
    router = Router(name="kandas routes")
    router.callback_query.register(on_routes, menu_item("kandas_routes"))
    router.callback_query.register(on_route, KandasCb.filter(F.page == KandasPage.route))
    return router
