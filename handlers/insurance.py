"""Insurance: what is required, what is only planned, and the policy the user holds."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.content.migrants import facts
from bot.rules.insurance import coverage
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.callbacks import MenuCb
from handlers.dates import ask_date, date_question, text_then_date
from handlers.filters import menu_item, typed_text
from handlers.guide import day_text, source_line, today_of
from handlers.prompts import prompt_for
from handlers.reminders import register_kind
from handlers.ui import column, show, show_menu

KEY = "insurance"
MAX_INSURER = 60
register_kind(
    KEY,
    lambda payload: _("Your insurance policy ends: {insurer}").format(
        insurer=html.escape(payload.get("insurer", ""))
    ),
    KEY,
)


class PolicyFlow(StatesGroup):
    insurer = State()
    start = State()
    end = State()
    repatriation = State()
    stay_until = State()


class PolicyCb(CallbackData, prefix="ins"):
    action: str  # record | repatriation_yes | repatriation_no


def facts_text() -> str:
    return _(
        "🩺 <b>Insurance</b>\n"
        "<b>Repatriation insurance</b> is planned: compulsory cover for taking a person home, "
        "for foreigners coming for more than 90 days and for citizens of Kazakhstan leaving "
        "for as long. <b>It is not in force yet</b>: no law, insurer or price was found up to "
        "March 2026. A travel policy with repatriation is the cover you can buy today.\n"
        "<b>Medical insurance</b>: since 1 May 2023 a foreign worker needs it; citizens of "
        "EAEU countries attach to a clinic with it or with voluntary insurance.\n\n"
        "Record your policy and I will remind you before it ends, and tell you if your stay "
        "lasts longer than the cover."
    )


async def on_insurance(
    callback: CallbackQuery, state: FSMContext, profile: Profile | None, reminders: ReminderService
):
    await state.clear()
    recorded = await current_policy(reminders, profile)
    parts = [facts_text()]
    if recorded is not None:
        parts.append(policy_text(recorded, await today_of(reminders, profile)))
    parts.append(source_line(facts().insurance))
    label = _("✏️ Change my policy") if recorded else _("📝 Record my policy")
    await show(
        callback,
        "\n\n".join(parts),
        column([(label, PolicyCb(action="record")), (_("◀️ Menu"), MenuCb(item="menu"))]),
    )


async def current_policy(reminders: ReminderService, profile: Profile | None):
    if profile is None:
        return None
    recorded = await reminders.active_by_key(profile.id, KEY)
    return recorded.payload if recorded is not None else None


def policy_text(policy: dict[str, Any], today: date) -> str:
    start, end = date.fromisoformat(policy["start"]), date.fromisoformat(policy["end"])
    lines = [
        _("🩺 Your policy: <b>{insurer}</b>").format(insurer=html.escape(policy["insurer"])),
        _("Valid: {start} – {end}.").format(start=day_text(start), end=day_text(end)),
        _("Covers repatriation: yes.") if policy["repatriation"] else _("Covers repatriation: no."),
    ]
    renew_days = facts().insurance.renew_days_before
    if end < today:
        lines.append(
            _("⚠️ This policy has ended. Get a new one: a foreign worker needs medical insurance.")
        )
        return "\n".join(lines)
    stay_until = policy.get("stay_until")
    if stay_until:
        stay_end = date.fromisoformat(stay_until)
        result = coverage(start, end, today, stay_end, renew_days)
        if result.covered:
            lines.append(_("✅ Your stay until {day} is covered.").format(day=day_text(stay_end)))
        else:
            if result.gap_after:
                lines.append(
                    ngettext(
                        "⚠️ Your stay until {day} is not covered for {n} day after the policy ends.",
                        "⚠️ Your stay until {day} is not covered for {n} days after the policy "
                        "ends.",
                        result.gap_after,
                    ).format(day=day_text(stay_end), n=result.gap_after)
                )
            if result.gap_before:
                lines.append(
                    ngettext(
                        "⚠️ The policy starts {n} day after today: you are not covered until then.",
                        "⚠️ The policy starts {n} days after today: you are not covered until then.",
                        result.gap_before,
                    ).format(n=result.gap_before)
                )
    renew_by = end - timedelta(days=renew_days)
    lines.append(
        _("Renew it by {day}. ⏰ I will remind you before it ends (/reminders).").format(
            day=day_text(max(renew_by, today))
        )
    )
    return "\n".join(lines)


async def on_action(
    callback: CallbackQuery,
    callback_data: PolicyCb,
    state: FSMContext,
    profile: Profile | None,
    reminders: ReminderService,
    **data: Any,
):
    action = callback_data.action
    if action == "record":
        await state.set_state(PolicyFlow.insurer)
        await state.set_data({})
        await ask_insurer(callback, state)
    elif (
        action.startswith("repatriation_")
        and await state.get_state() == PolicyFlow.repatriation.state
    ):
        await state.update_data(repatriation=action == "repatriation_yes")
        await state.set_state(PolicyFlow.stay_until)
        await ask_date(callback, state, profile=profile, reminders=reminders, **data)
    else:
        await show_menu(callback, profile, _("This button is out of date."), edit=False)


@prompt_for(PolicyFlow.insurer)
async def ask_insurer(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(event, _("📝 Which company insures you? Write its name as on the policy."))


async def on_insurer(message: Message, state: FSMContext, **data: Any):
    await text_then_date(message, state, "insurer", MAX_INSURER, PolicyFlow.start, **data)


@date_question(
    PolicyFlow.start,
    lambda: _("From which day is the policy valid?"),
    lambda today, _data: (today - timedelta(days=2 * 365), today + timedelta(days=365)),
    quick=(0,),
)
async def on_start(event: Message | CallbackQuery, state: FSMContext, day: date, **data: Any):
    await state.update_data(start=day.isoformat())
    await state.set_state(PolicyFlow.end)
    await ask_date(event, state, **data)


@date_question(
    PolicyFlow.end,
    lambda: _("Until which day is it valid?"),
    lambda today, data: (
        date.fromisoformat(data["start"]),
        date.fromisoformat(data["start"]) + timedelta(days=5 * 366),
    ),
    quick=(),
)
async def on_end(event: Message | CallbackQuery, state: FSMContext, day: date, **data: Any):
    await state.update_data(end=day.isoformat())
    await state.set_state(PolicyFlow.repatriation)
    await ask_repatriation(event, state)


@prompt_for(PolicyFlow.repatriation)
async def ask_repatriation(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(
        event,
        _("Does it cover repatriation (taking you home if you fall ill or die)?"),
        column(
            [
                (_("Yes"), PolicyCb(action="repatriation_yes")),
                (_("No / I don't know"), PolicyCb(action="repatriation_no")),
            ]
        ),
    )


@date_question(
    PolicyFlow.stay_until,
    lambda: _("Until when do you plan to stay in Kazakhstan?"),
    lambda today, _data: (today, today + timedelta(days=5 * 366)),
    quick=(),
    extra=lambda: _("I don't know yet"),
)
async def on_stay_until(
    event: Message | CallbackQuery,
    state: FSMContext,
    day: date | None,
    profile: Profile,
    reminders: ReminderService,
    **extra: Any,
):
    policy = {**await state.get_data(), "stay_until": day.isoformat() if day else None}
    await state.clear()
    today = await today_of(reminders, profile)
    end = date.fromisoformat(policy["end"])
    if end >= today:
        await reminders.schedule(profile.id, KEY, end, policy, dedupe_key=KEY)
    else:
        await reminders.cancel(profile.id, KEY)
    await show(
        event,
        "\n\n".join([_("✅ Policy saved."), policy_text(policy, today)]),
        column(
            [
                (_("✏️ Change my policy"), PolicyCb(action="record")),
                (_("◀️ Menu"), MenuCb(item="menu")),
            ]
        ),
    )


def build_router() -> Router:
    router = Router(name="insurance")
    router.callback_query.register(on_insurance, menu_item(KEY))
    router.callback_query.register(on_action, PolicyCb.filter())
    router.message.register(on_insurer, StateFilter(PolicyFlow.insurer), typed_text)
    return router
