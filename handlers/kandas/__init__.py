"""Guides for ethnic Kazakhs (kandas) moving to Kazakhstan: status and the two paths, where
to settle and the support, the social contract, the residence permit and citizenship test,
help on arrival, other routes."""

from aiogram import Router

from handlers.filters import group_router
from handlers.kandas import contract, guides, residence, routes
from handlers.wiring import Wiring


def build_router(wiring: Wiring) -> Router:
    return group_router(
        "kandas",
        guides.build_router(wiring),
        contract.build_router(wiring),
        residence.build_router(),
        routes.build_router(wiring),
    )
