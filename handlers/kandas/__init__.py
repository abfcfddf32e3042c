"""Guides for ethnic Kazakhs (kandas) moving to Kazakhstan. None is built yet: their menu
entries answer "coming soon" from the fallback."""

from aiogram import Router

from handlers.filters import group_router
from handlers.wiring import Wiring


def build_router(wiring: Wiring) -> Router:
    return group_router("kandas")
