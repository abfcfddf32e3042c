"""My social contract: the date written in it, where, how many; the end of the term counted
from that date (the contract's own dates prevail), what leaving now would cost, and reminders
on every anniversary and before the end. A contract signed before the first year with data
gets no terms at all: they are the ones written in it."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.content.kandas import contract_terms, support
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
    BACK,
    CONTRACT_KEY,
    FAMILY_KEY,
    OTHER_REGION,
    contract_screen,
    contract_title,
    mci_of,
    members_question,
    older_contract_screen,
    region_question,
    signed_question,
)
from handlers.views.ui import out_of_date, show, user_id_of
from handlers.wiring import Wiring
from storage.records import ContractRecord

KEY = CONTRACT_KEY


class ContractFlow(StatesGroup):
    signed = State("moved")  # named as when it asked for the arrival date: open dialogues go on
    region = State()  # data: signed (and family, the size given to the support calculator)
    members = State()  # data: signed, region, family


def signed_of(data: dict[str, Any]) -> date | None:
    """The contract's date from the dialogue's data (`moved` in dialogues opened before)."""
    value = data.get("signed") or data.get("moved")
    return date.fromisoformat(value) if value else None


def reminder_title(record: ContractRecord) -> str:
    return contract_title(record.region)


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
    family = (await state.get_data()).get(FAMILY_KEY)  # given to the support calculator
    await state.set_state(ContractFlow.signed)
    await state.set_data({FAMILY_KEY: family} if family else {})
    await ask_date(event, state, **data)


def signed_bounds(today: date, _data: dict[str, Any]) -> tuple[date, date]:
    """From the first day a contract could still run until today."""
    years = support(today.year).contract_years
    return years_after(today, -years), today


async def on_signed(
    event: Message | CallbackQuery,
    state: FSMContext,
    day: date | None,
    reminders: ReminderService,
    **_: Any,
):
    if day is None:
        return
    if contract_terms(day.year) is None:  # no sourced terms for that year: none are given
        await state.clear()
        await reminders.cancel(user_id_of(event), KEY)  # a record kept before no longer holds
        await show(event, *older_contract_screen(day), edit=False)
        return
    await state.update_data(signed=day.isoformat())
    await state.set_state(ContractFlow.region)
    await ask_region(event, state)


async def ask_region(event: Message | CallbackQuery, state: FSMContext, **_: Any):
    signed = signed_of(await state.get_data())
    year = signed.year if signed else None
    await show(event, *region_question(support(year), year or support().year), edit=False)


async def on_region(
    callback: CallbackQuery,
    callback_data: KandasCb,
    state: FSMContext,
    profile: Profile | None,
    **data: Any,
):
    signed = signed_of(await state.get_data())
    value = callback_data.value
    if await state.get_state() != ContractFlow.region.state or signed is None:
        await out_of_date(callback, profile)
        return
    if value == BACK:
        await state.set_state(ContractFlow.signed)
        await ask_date(callback, state, profile=profile, **data)
        return
    if value != OTHER_REGION and value not in support(signed.year).regions:
        await out_of_date(callback, profile)
        return
    await state.update_data(region=value)
    await state.set_state(ContractFlow.members)
    await ask_members(callback, state)


async def ask_members(event: Message | CallbackQuery, state: FSMContext, **_: Any):
    before = (await state.get_data()).get(FAMILY_KEY)
    await show(event, *members_question(before if isinstance(before, int) else None), edit=False)


async def on_members(
    callback: CallbackQuery,
    callback_data: KandasCb,
    state: FSMContext,
    reminders: ReminderService,
    profile: Profile | None,
):
    data = await state.get_data()
    value = callback_data.value
    if value == BACK and await state.get_state() == ContractFlow.members.state:
        await state.set_state(ContractFlow.region)
        await ask_region(callback, state)
        return
    valid = value.isdecimal() and 1 <= int(value) <= MAX_FAMILY
    signed = signed_of(data)
    if (
        await state.get_state() != ContractFlow.members.state
        or not valid
        or not data.get("region")
        or signed is None
    ):
        await out_of_date(callback, profile)
        return
    facts = support(signed.year)
    record = ContractRecord(
        signed_on=signed,
        region=data["region"],
        members=int(value),
        end=contract_end(signed, facts.contract_years),
    )
    await state.clear()
    user_id = callback.from_user.id
    today = await today_of(reminders, profile)
    days = reminder_days(signed, facts.contract_years, today)
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
    facts = contract_terms(record.signed_on.year)
    if facts is None:  # kept before the date was asked this way
        await show(event, *older_contract_screen(record.signed_on))
        return
    today = await today_of(reminders, profile)
    supported = support_for(record.members, facts, mci_of(record.signed_on))
    months = min(months_since(record.signed_on, today), supported.rent_months)
    upcoming = await reminders.active_by_key(event.from_user.id, KEY)
    await show(
        event,
        *contract_screen(
            record.signed_on,
            record.region,
            record.members,
            record.end,
            today,
            received_so_far(supported, record.signed_on, today),
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
    wiring.date_question(
        ContractFlow.signed, signed_question, signed_bounds, on_signed, quick=(0, -1)
    )
    wiring.question(ContractFlow.region, ask_region)
    wiring.question(ContractFlow.members, ask_members)
    wiring.reminder_kind(KEY, reminder_title, guide="kandas_contract", record=ContractRecord)
    return router
