"""What staff do: answer and close attaché cases, list them, grant roles."""

from aiogram import Router

from handlers.filters import group_router
from handlers.staff import desk
from handlers.wiring import Wiring


def build_router(wiring: Wiring) -> Router:
    return group_router("staff", desk.build_router(wiring))
