"""Help for citizens of Kazakhstan working abroad: rights by country, the pre-departure
checklist, the job-offer check, and the user's side of the attaché desk (SOS, cases)."""

from aiogram import Router

from handlers.abroad import attache, checklist, offer, rights
from handlers.filters import group_router
from handlers.wiring import Wiring


def build_router(wiring: Wiring) -> Router:
    return group_router(
        "abroad",
        attache.build_router(wiring),
        rights.build_router(wiring),
        checklist.build_router(wiring),
        offer.build_router(wiring),
    )
