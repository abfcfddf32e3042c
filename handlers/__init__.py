"""The handlers, grouped by audience, and the one place they are put together.

    handlers/common   menu, onboarding, profile, reminders, dates, fallback, errors
    handlers/migrant  registration, stay, permit, insurance
    handlers/abroad   rights, checklist, offer check, the user's side of the attaché desk
    handlers/staff    the staff menu, the staff side of the desk, broadcasts, the directory
    handlers/kandas   status and paths, regions and support, social contract, residence, routes
    handlers/views    shared screens, keyboards and every CallbackData
    handlers/wiring.py  prompts, questions, date questions and reminder kinds, registered in
                        build_router
    handlers/filters.py coroutine filters and the groups' derived root filters

Handler modules import views, filters and wiring, never each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Router
from aiogram.utils.i18n import I18n

from handlers import abroad, common, kandas, migrant, staff
from handlers.abroad.attache import CaseFlow
from handlers.staff.broadcasts import BroadcastFlow
from handlers.staff.desk import StaffFlow
from handlers.staff.directory import DirectoryFlow
from handlers.staff.facts import FactsFlow
from handlers.staff.menu import DeskEntry
from handlers.staff.notices import NoticeFlow
from handlers.views.answers import AnswerBook
from handlers.views.broadcasts import BroadcastView
from handlers.views.desk import DeskView
from handlers.views.directory import DirectoryView
from handlers.views.notices import GuideNotices
from handlers.views.reminders import ReminderView
from handlers.wiring import ScreenEnd, Wiring


@dataclass
class Handlers:
    """The routers in order, what they registered, and the views services render with."""

    routers: list[Router]
    wiring: Wiring
    reminder_view: ReminderView
    desk_view: DeskView
    broadcast_view: BroadcastView
    directory_view: DirectoryView
    answers: AnswerBook  # the knowledge base as typed questions find it
    guide_notices: GuideNotices  # the dispatcher's middleware that pins notices to guides
    # dialogue steps whose typed text is the writer's own words: kept in the script typed
    verbatim: frozenset[str] = frozenset()


def build_handlers(i18n: I18n, year: int) -> Handlers:
    """Fresh routers for one Dispatcher, in the order updates try them; `year` is the one
    whose figures typed questions are answered with (the clock's year at start)."""
    wiring = Wiring()
    staff_group = staff.build_router(wiring)
    abroad_group = abroad.build_router(wiring)
    migrant_group = migrant.build_router(wiring)
    kandas_group = kandas.build_router(wiring)
    common_group = common.build_router(wiring)  # it answers every date question
    typed_group = common.build_typed_router(wiring)  # last built: typed answers to questions
    routers = [
        common.build_menu_router(),  # the most pressed: commands and the menu's own buttons
        typed_group,  # a typed answer that names a button presses it, whoever asked
        staff_group,  # before any dialogue: a reply to a relayed message answers its case
        abroad_group,  # before any dialogue: a reply to a case's message joins the case
        common_group,
        migrant_group,
        kandas_group,
        *common.build_last_routers(),
    ]
    first = routers[0]  # every update passes it: a screen ends when the user goes elsewhere
    first.callback_query.outer_middleware(ScreenEnd(wiring))
    first.message.outer_middleware(ScreenEnd(wiring))
    desk_entry = DeskEntry()  # a staff member's main menu has the desk
    first.callback_query.outer_middleware(desk_entry)
    first.message.outer_middleware(desk_entry)
    return Handlers(
        routers,
        wiring,
        ReminderView(i18n, wiring),
        DeskView(i18n),
        BroadcastView(i18n),
        DirectoryView(i18n),
        AnswerBook(i18n, year),
        GuideNotices(),
        frozenset(
            name
            for flow in (CaseFlow, StaffFlow, BroadcastFlow, NoticeFlow, FactsFlow, DirectoryFlow)
            for name in flow.__all_states_names__
        ),
    )
