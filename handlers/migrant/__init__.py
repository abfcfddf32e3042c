"""Guides for foreign citizens in Kazakhstan: registration, the stay limit, the work
permit, and the papers people ask about next (the IIN, residence permits, work through an
employer). (Insurance serves emigrants too: handlers/common/insurance.py.)"""

from aiogram import Router

from handlers.filters import group_router
from handlers.migrant import papers, permit, registration, stay
from handlers.wiring import Wiring


def build_router(wiring: Wiring) -> Router:
    return group_router(
        "migrant",
        registration.build_router(wiring),
        stay.build_router(wiring),
        permit.build_router(wiring),
        papers.build_router(),
    )
