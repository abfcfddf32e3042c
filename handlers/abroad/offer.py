"""Is this job offer safe? A short guided check over a fixed question list, ending with a
risk verdict, its reasons and how to verify the agency (on the verdict when it fits one
message, otherwise one press away)."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.content.abroad import offer_check
from bot.rules.offer import assess
from handlers.filters import menu_item
from handlers.views.abroad import abroad_source_line, fits
from handlers.views.callbacks import MenuCb, OfferCb
from handlers.views.ui import Button, column, current_locale, menu_button, out_of_date, show
from handlers.wiring import Wiring

RISK_ICONS = {"high": "🔴", "medium": "🟡", "low": "🟢"}
AGENCY = "agency_check"  # the menu entry of "how to check the agency", under a long verdict


class OfferFlow(StatesGroup):
    answering = State()  # data: step (question index), answers {question id: answer id}


async def on_offer_check(callback: CallbackQuery, state: FSMContext):
    await state.set_state(OfferFlow.answering)
    await state.set_data({"step": 0, "answers": {}})
    intro = _(
        "🔍 <b>Is this job offer safe?</b>\n"
        "{count} short questions about the offer. Answer with the buttons: I will tell you "
        "the risk and why."
    ).format(count=len(offer_check().questions))
    await show(callback, intro, edit=True)
    await ask_question(callback, state)


async def ask_question(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    questions = offer_check().questions
    step = min((await state.get_data()).get("step", 0), len(questions) - 1)
    question = questions[step]
    locale = current_locale()
    buttons = [(a.label.in_(locale), OfferCb(step=step, answer=a.id)) for a in question.answers]
    text = _("Question {n} of {total}").format(n=step + 1, total=len(questions))
    await show(
        event,
        f"{text}\n\n<b>{question.text.in_(locale)}</b>",
        column([*buttons, menu_button()]),
        edit=False,
    )


async def on_answer(callback: CallbackQuery, callback_data: OfferCb, state: FSMContext):
    data = await state.get_data()
    questions = offer_check().questions
    step = callback_data.step
    if await state.get_state() != OfferFlow.answering.state or data.get("step") != step:
        await out_of_date(callback, menu=False)
        return
    question = questions[step]
    if callback_data.answer not in {a.id for a in question.answers}:
        await out_of_date(callback, menu=False)
        return
    answers = {**data.get("answers", {}), question.id: callback_data.answer}
    if step + 1 < len(questions):
        await state.set_data({"step": step + 1, "answers": answers})
        await callback.answer()
        await ask_question(callback, state)
        return
    await state.clear()
    await show(callback, *verdict_screen(answers), edit=False)


def verdict_screen(answers: dict[str, str]) -> tuple[str, InlineKeyboardMarkup]:
    """The risk, why, and what to do; then how to check the agency and the source, or, when
    that would make the message too long (a high risk with many reasons), a button to them."""
    check = offer_check()
    locale = current_locale()
    result = assess(check, answers)
    verdict = check.verdicts[result.risk]
    parts = [f"{RISK_ICONS[result.risk]} <b>{verdict.title.in_(locale)}</b>"]
    if result.reasons:
        reasons = "\n".join(f"• {a.reason.in_(locale)}" for a in result.reasons if a.reason)
        parts.append(_("<b>Why:</b>\n{reasons}").format(reasons=reasons))
    parts.append(verdict.advice.in_(locale))
    whole = "\n\n".join([*parts, agency_text()])
    if fits(whole):
        return whole, verdict_markup(agency=False)
    return "\n\n".join(parts), verdict_markup(agency=True)


def agency_text() -> str:
    """How to check an agency before paying anything, and where that comes from."""
    check = offer_check()
    steps = _("<b>How to check the agency:</b>\n{steps}").format(
        steps=check.verify_agency.in_(current_locale())
    )
    return f"{steps}\n\n{abroad_source_line(check)}"


def verdict_markup(*, agency: bool = False) -> InlineKeyboardMarkup:
    buttons: list[Button] = []
    if agency:
        buttons.append((_("🔎 How to check the agency"), MenuCb(item=AGENCY)))
    buttons += [
        (_("🔁 Check another offer"), MenuCb(item="offer_check")),
        (_("✉️ Ask the labour attaché"), MenuCb(item="attache")),
        menu_button(),
    ]
    return column(buttons)


async def on_agency(callback: CallbackQuery):
    """Under the verdict, which stays on the screen above."""
    await show(callback, agency_text(), verdict_markup(), edit=False)


def build_router(wiring: Wiring) -> Router:
    router = Router(name="offer")
    router.callback_query.register(on_offer_check, menu_item("offer_check"))
    router.callback_query.register(on_answer, OfferCb.filter())
    router.callback_query.register(on_agency, menu_item(AGENCY))
    wiring.question(OfferFlow.answering, ask_question)
    return router
