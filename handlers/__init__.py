"""One aiogram Router per feature, built fresh for each Dispatcher."""

from aiogram import Router

from handlers import (
    attache,
    checklist,
    dates,
    errors,
    fallback,
    insurance,
    menu,
    offer,
    onboarding,
    permit,
    profile,
    registration,
    reminders,
    rights,
    staff,
    stay,
)


def get_routers() -> list[Router]:
    """Features first, the catch-all fallback last, then the error handler."""
    return [
        menu.build_router(),  # the most pressed; only commands and its own buttons
        # a reply to a case's message joins the case, whatever dialogue is open; staff first:
        # a staff reply is not a new message from a user
        staff.build_router(),
        attache.build_router(),
        onboarding.build_router(),
        profile.build_router(),
        reminders.build_router(),
        rights.build_router(),
        checklist.build_router(),
        offer.build_router(),
        registration.build_router(),
        stay.build_router(),
        permit.build_router(),
        insurance.build_router(),
        dates.build_router(),  # after every dialogue that asks for a date is imported
        fallback.build_router(),
        errors.build_router(),
    ]
