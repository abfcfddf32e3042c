"""Insurance for migrants and emigrants alike: what is required, what is only planned,
and the policy the user holds (tracked with a renew-by reminder)."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.content.migrants import facts
from bot.rules.insurance import coverage
from bot.rules.reminders import LADDER_DAYS
from bot.services.reminders import ReminderService
from bot.services.users import Profile
from handlers.filters import menu_item, typed_text
from handlers.views.callbacks import PolicyAction, PolicyCb
from handlers.views.dates import ask_date, text_then_date
from handlers.views.guide import day_text, source_line, today_of
from handlers.views.reminders import promise_line
from handlers.views.ui import column, current_locale, menu_button, out_of_date, show
from handlers.wiring import Wiring
from storage.records import PolicyRecord

KEY = "insurance"
MAX_INSURER = 60


class PolicyFlow(StatesGroup):
    insurer = State()
    start = State()
    end = State()
    repatriation = State()
    stay_until = State()  # in Kazakhstan (a migrant)
    stay_abroad_until = State()  # abroad (an emigrant)


def reminder_title(policy: PolicyRecord) -> str:
    return _("Your insurance policy ends: {insurer}").format(insurer=html.escape(policy.insurer))


def abroad(profile: Profile | None) -> bool:
    """An emigrant's cover is for their stay abroad, not in Kazakhstan."""
    return profile is not None and profile.role == "emigrant"


def facts_text(profile: Profile | None) -> str:
    if abroad(profile):
        return _(
            "🩺 <b>Insurance</b>\n"
            "<b>Repatriation insurance</b> is planned: compulsory cover for taking a person "
            "home, for citizens of Kazakhstan leaving for more than 90 days. <b>It is not in "
            "force yet</b>: no law, insurer or price was found up to March 2026. A travel "
            "policy with repatriation is the cover you can buy today.\n"
            "<b>Medical insurance where you work</b>: ask the employer or that country's "
            "embassy what foreign workers must have.\n\n"
            "Record your policy and I will remind you before it ends, and tell you if your "
            "stay abroad lasts longer than the cover."
        )
    return _(
        "🩺 <b>Insurance</b>\n"
        "<b>Repatriation insurance</b> is planned: compulsory cover for taking a person home, "
        "for foreigners coming for more than 90 days and for citizens of Kazakhstan leaving "
        "for the same period. <b>It is not in force yet</b>: no law, insurer or price was "
        "found up to March 2026. A travel policy with repatriation is the cover you can buy "
        "today.\n"
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
    parts = [facts_text(profile)]
    if recorded is not None:
        today = await today_of(reminders, profile)
        promise = await promise_of(reminders, profile)
        parts.append(policy_text(recorded, today, profile, promise))
    parts.append(source_line(facts().insurance))
    label = _("✏️ Change my policy") if recorded else _("📝 Record my policy")
    await show(
        callback,
        "\n\n".join(parts),
        column([(label, PolicyCb(action=PolicyAction.record)), menu_button()]),
    )


async def current_policy(
    reminders: ReminderService, profile: Profile | None
) -> PolicyRecord | None:
    if profile is None:
        return None
    return await reminders.record(profile.id, KEY, PolicyRecord)


def policy_text(
    policy: PolicyRecord, today: date, profile: Profile | None, promise: str | None = None
) -> str:
    """`promise`: what the reminders will do (said while the policy runs)."""
    start, end = policy.start, policy.end
    lines = [
        _("🩺 Your policy: <b>{insurer}</b>").format(insurer=html.escape(policy.insurer)),
        _("Valid: {start} – {end}.").format(start=day_text(start), end=day_text(end)),
        _("Covers repatriation: yes.") if policy.repatriation else _("Covers repatriation: no."),
    ]
    renew_days = facts().insurance.renew_days_before
    if end < today:
        lines.append(
            _("⚠️ This policy has ended: get a new one before you rely on it.")
            if abroad(profile)
            else _(
                "⚠️ This policy has ended. Get a new one: a foreign worker needs medical insurance."
            )
        )
        return "\n".join(lines)
    if policy.stay_until:
        stay_end = policy.stay_until
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
    lines.append(_("Renew it by {day}.").format(day=day_text(max(renew_by, today))))
    if promise:
        lines.append(promise)
    return "\n".join(lines)


def remind_days() -> tuple[int, ...]:
    """The first reminder on the renew-by day, then the usual ones before the end."""
    return (facts().insurance.renew_days_before, *LADDER_DAYS)


async def promise_of(reminders: ReminderService, profile: Profile | None) -> str | None:
    if profile is None:
        return None
    moments = await reminders.pending(profile.id, KEY)
    return promise_line(moments, await reminders.plan_of(profile.id), current_locale())


async def on_record(callback: CallbackQuery, state: FSMContext):
    await state.set_state(PolicyFlow.insurer)
    await state.set_data({})
    await ask_insurer(callback, state)


async def on_repatriation(
    callback: CallbackQuery,
    callback_data: PolicyCb,
    state: FSMContext,
    profile: Profile | None,
    **data: Any,
):
    if await state.get_state() != PolicyFlow.repatriation.state:
        await out_of_date(callback, profile)
        return
    await state.update_data(repatriation=callback_data.action is PolicyAction.repatriation_yes)
    await state.set_state(
        PolicyFlow.stay_abroad_until if abroad(profile) else PolicyFlow.stay_until
    )
    await ask_date(callback, state, profile=profile, **data)


async def ask_insurer(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(event, _("📝 Which company insures you? Write its name as on the policy."))


async def on_insurer(message: Message, state: FSMContext, **data: Any):
    await text_then_date(message, state, "insurer", MAX_INSURER, PolicyFlow.start, **data)


async def on_start(event: Message | CallbackQuery, state: FSMContext, day: date, **data: Any):
    await state.update_data(start=day.isoformat())
    await state.set_state(PolicyFlow.end)
    await ask_date(event, state, **data)


async def on_end(event: Message | CallbackQuery, state: FSMContext, day: date, **data: Any):
    await state.update_data(end=day.isoformat())
    await state.set_state(PolicyFlow.repatriation)
    await ask_repatriation(event, state)


async def ask_repatriation(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    await show(
        event,
        _("Does it cover repatriation (taking you home if you fall ill or die)?"),
        column(
            [
                (_("Yes"), PolicyCb(action=PolicyAction.repatriation_yes)),
                (_("No / I don't know"), PolicyCb(action=PolicyAction.repatriation_no)),
            ]
        ),
    )


async def on_stay_until(
    event: Message | CallbackQuery,
    state: FSMContext,
    day: date | None,
    profile: Profile,
    reminders: ReminderService,
    **extra: Any,
):
    policy = PolicyRecord.model_validate({**await state.get_data(), "stay_until": day})
    await state.clear()
    today = await today_of(reminders, profile)
    if policy.end >= today:
        await reminders.schedule(
            profile.id, KEY, policy.end, policy, dedupe_key=KEY, days_before=remind_days()
        )
    else:
        await reminders.cancel(profile.id, KEY)
    await show(
        event,
        "\n\n".join(
            [
                _("✅ Policy saved."),
                policy_text(policy, today, profile, await promise_of(reminders, profile)),
                source_line(facts().insurance),
            ]
        ),
        column(
            [
                (_("✏️ Change my policy"), PolicyCb(action=PolicyAction.record)),
                menu_button(),
            ]
        ),
    )


def build_router(wiring: Wiring) -> Router:
    router = Router(name="insurance")
    router.callback_query.register(on_insurance, menu_item(KEY))
    router.callback_query.register(on_record, PolicyCb.filter(F.action == PolicyAction.record))
    router.callback_query.register(
        on_repatriation,
        PolicyCb.filter(
            F.action.in_({PolicyAction.repatriation_yes, PolicyAction.repatriation_no})
        ),
    )
    router.message.register(on_insurer, StateFilter(PolicyFlow.insurer), typed_text)
    wiring.prompt(PolicyFlow.insurer, ask_insurer)
    wiring.date_question(
        PolicyFlow.start,
        lambda: _("From which day is the policy valid?"),
        lambda today, _data: (today - timedelta(days=2 * 365), today + timedelta(days=365)),
        on_start,
        quick=(0,),
    )
    wiring.date_question(
        PolicyFlow.end,
        lambda: _("Until which day is it valid?"),
        lambda today, data: (
            date.fromisoformat(data["start"]),
            date.fromisoformat(data["start"]) + timedelta(days=5 * 366),
        ),
        on_end,
        quick=(),
    )
    wiring.question(PolicyFlow.repatriation, ask_repatriation)
    wiring.date_question(
        PolicyFlow.stay_until,
        lambda: _("Until when do you plan to stay in Kazakhstan?"),
        lambda today, _data: (today, today + timedelta(days=5 * 366)),
        on_stay_until,
        quick=(),
        extra=lambda: _("I don't know yet"),
    )
    wiring.date_question(
        PolicyFlow.stay_abroad_until,
        lambda: _("Until when do you plan to stay abroad?"),
        lambda today, _data: (today, today + timedelta(days=5 * 366)),
        on_stay_until,
        quick=(),
        extra=lambda: _("I don't know yet"),
    )
    wiring.reminder_kind(KEY, reminder_title, guide=KEY, record=PolicyRecord)
    return router
