"""What staff do: the staff menu, answering and closing attaché cases, roles, broadcasts,
the questions typed questions could not answer, the directory of contacts, the facts and the
notices on guides."""

from aiogram import Router

from handlers.filters import group_router
from handlers.staff import broadcasts, desk, directory, facts, menu, notices, questions
from handlers.wiring import Wiring


def build_router(wiring: Wiring) -> Router:
    return group_router(
        "staff",
        menu.build_router(),
        desk.build_router(wiring),
        broadcasts.build_router(wiring),
        questions.build_router(),
        directory.build_router(wiring),
        facts.build_router(wiring),
        notices.build_router(wiring),
    )
