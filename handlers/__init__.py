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
from handlers.desk import CaseCb, StaffCb
from handlers.filters import callbacks_for, messages_for


def abroad_router() -> Router:
    """Emigrant help and the attaché desk, behind one cheap root filter per event type."""
    group = Router(name="abroad")
    group.callback_query.filter(
        callbacks_for(
            StaffCb,
            CaseCb,
            attache.TopicCb,
            rights.RightsCb,
            checklist.ChecklistCb,
            offer.OfferCb,
            menu=("sos", "attache", "rights", "checklist", "offer_check"),
        )
    )
    group.message.filter(
        messages_for(
            attache.CaseFlow,
            staff.StaffFlow,
            commands=("cases", "staff", "mycases"),
            replies=True,
        )
    )
    group.include_routers(
        staff.build_router(),  # first: a staff reply is not a new message from a user
        attache.build_router(),
        rights.build_router(),
        checklist.build_router(),
        offer.build_router(),
    )
    return group


def get_routers() -> list[Router]:
    """Features first, the catch-all fallback last, then the error handler."""
    return [
        menu.build_router(),  # the most pressed; only commands and its own buttons
        abroad_router(),  # before the dialogues: a reply to a case's message joins the case
        onboarding.build_router(),
        profile.build_router(),
        reminders.build_router(),
        registration.build_router(),
        stay.build_router(),
        permit.build_router(),
        insurance.build_router(),
        dates.build_router(),  # after every dialogue that asks for a date is imported
        fallback.build_router(),
        errors.build_router(),
    ]
