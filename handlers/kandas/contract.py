"""My social contract: when the family moved, where, how many; the end of the 5 years, what
leaving now would cost, and reminders on every anniversary and before the end."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.content.kandas import support
from bot.rules.kandas import (
    MAX_FAMILY,
    contract_end,
    months_since,
    received_so_far,
    reminder_days,
    support_for,
    years_after,
)
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.filters import menu_item
from handlers.views.callbacks import KandasCb, KandasPage
from handlers.views.dates import ask_date
from handlers.views.guide import today_of
from handlers.views.kandas import (
    CONTRACT_KEY,
    contract_screen,
    contract_title,
    mci_of,
    members_question,
    moved_question,
    region_question,
)
from handlers.views.ui import out_of_date, show
from handlers.wiring import Wiring
from storage.records import ContractRecord

KEY = CONTRACT_KEY


class ContractFlow(StatesGroup):
    moved = State()
    region = State()  # data: moved
    members = State()  # data: moved, region


def reminder_title(record: ContractRecord) -> str:
    return contract_title(record.region, support(record.moved_on.year))


async def on_contract(
    callback: CallbackQuery, state: FSMContext, reminders: ReminderService, **data: Any
):
    record = await reminders.record(callback.from_user.id, KEY, ContractRecord)
    if record is None:
        await start(callback, state, reminders=reminders, **data)
        return
    await show_contract(callback, record, reminders, data.get("profile"))


async def on_change(
    callback: CallbackQuery, state: FSMContext, reminders: ReminderService, **data: Any
):
    await start(callback, state, reminders=reminders, **data)


async def start(event: CallbackQuery, state: FSMContext, **data: Any) -> None:
    await state.set_state(ContractFlow.moved)
    await state.set_data({})
    await ask_date(event, state, **data)


def moved_bounds(today: date, _data: dict[str, Any]) -> tuple[date, date]:
    """From the first day a contract could still run until today."""
    years = support(today.year).contract_years
    return years_after(today, -years), today


async def on_moved(event: Message | CallbackQuery, state: FSMContext, day: date | None, **_: Any):
    if day is None:
        return
    await state.update_data(moved=day.isoformat())
    await state.set_state(ContractFlow.region)
    await ask_region(event, state)


async def ask_region(event: Message | CallbackQuery, state: FSMContext, **_: Any):
    moved = (await state.get_data()).get("moved")
    year = date.fromisoformat(moved).year if moved else None
    await show(event, *region_question(support(year)), edit=False)


async def on_region(
    callback: CallbackQuery, callback_data: KandasCb, state: FSMContext, profile: Profile | None
):
    data = await state.get_data()
    moved = data.get("moved")
    if await state.get_state() != ContractFlow.region.state or not moved:
        await out_of_date(callback, profile)
        return
    if callback_data.value not in support(date.fromisoformat(moved).year).regions:
        await out_of_date(callback, profile)
        return
    await state.update_data(region=callback_data.value)
    await state.set_state(ContractFlow.members)
    await ask_members(callback, state)


async def ask_members(event: Message | CallbackQuery, state: FSMContext, **_: Any):
    await show(event, *members_question(), edit=False)


async def on_members(
    callback: CallbackQuery,
    callback_data: KandasCb,
    state: FSMContext,
    reminders: ReminderService,
    profile: Profile | None,
):
    data = await state.get_data()
    value = callback_data.value
    valid = value.isdecimal() and 1 <= int(value) <= MAX_FAMILY
    if await state.get_state() != ContractFlow.members.state or not valid or not data.get("region"):
        await out_of_date(callback, profile)
        return
    moved = date.fromisoformat(data["moved"])
    facts = support(moved.year)
    record = ContractRecord(
        moved_on=moved,
        region=data["region"],
        members=int(value),
        end=contract_end(moved, facts.contract_years),
    )
    await state.clear()
    user_id = callback.from_user.id
    today = await today_of(reminders, profile)
    days = reminder_days(moved, facts.contract_years, today)
    if days:
        await reminders.schedule(user_id, KEY, record.end, record, KEY, days_before=days)
    else:
        await reminders.cancel(user_id, KEY)
    await show_contract(callback, record, reminders, profile)


async def show_contract(
    event: CallbackQuery,
    record: ContractRecord,
    reminders: ReminderService,
    profile: Profile | None,
) -> None:
    facts = support(record.moved_on.year)
    today = await today_of(reminders, profile)
    supported = support_for(record.members, facts, mci_of(record.moved_on.year))
    months = min(months_since(record.moved_on, today), supported.rent_months)
    upcoming = await reminders.active_by_key(event.from_user.id, KEY)
    await show(
        event,
        *contract_screen(
            record.moved_on,
            record.region,
            record.members,
            record.end,
            today,
            received_so_far(supported, record.moved_on, today),
            months,
            supported,
            facts,
            reminders=1 if upcoming is not None else 0,
        ),
    )


def build_router(wiring: Wiring) -> Router:
    router = Router(name="kandas contract")
    router.callback_query.register(on_contract, menu_item("kandas_contract"))
    router.callback_query.register(
        on_change, KandasCb.filter((F.page == KandasPage.contract) & (F.value == "new"))
    )
    router.callback_query.register(on_region, KandasCb.filter(F.page == KandasPage.region))
    router.callback_query.register(on_members, KandasCb.filter(F.page == KandasPage.members))
    wiring.date_question(ContractFlow.moved, moved_question, moved_bounds, on_moved, quick=(0, -1))
    wiring.prompt(ContractFlow.region, ask_region)
    wiring.prompt(ContractFlow.members, ask_members)
    wiring.reminder_kind(KEY, reminder_title, guide="kandas_contract", record=ContractRecord)
    return router
