"""What every user meets: the menu, onboarding, the profile, reminders, the insurance
tracker (migrants and emigrants), the help lines in Kazakhstan (migrants and kandas), the
date questions of every guide, and the fallback and error handler that close the chain."""

from aiogram import Router

from handlers.common import (
    ask,
    dates,
    errors,
    fallback,
    helplines,
    insurance,
    menu,
    onboarding,
    profile,
    reminders,
    typed,
)
from handlers.filters import group_router
from handlers.wiring import Wiring


def build_menu_router() -> Router:
    """/menu, /help, /cancel and the menu's own buttons: the most pressed, checked first."""
    return group_router("menu", menu.build_router())


def build_router(wiring: Wiring) -> Router:
    """Onboarding, profile, reminders, insurance, help lines and the date router. Build it after the
    other groups:
    its date router answers the date questions they registered."""
    return group_router(
        "common",
        onboarding.build_router(wiring),
        profile.build_router(wiring),
        reminders.build_router(wiring),
        insurance.build_router(wiring),
        helplines.build_router(),
        dates.build_router(wiring),
    )


def build_typed_router(wiring: Wiring) -> Router:
    """Typed answers to the questions every group registered: build it after them all."""
    return group_router("typed", typed.build_router(wiring))


def build_last_routers() -> list[Router]:
    """Text no dialogue waits for is a question; anything else no group took gets a short
    answer and the menu; then the error handler."""
    return [ask.build_router(), fallback.build_router(), errors.build_router()]
