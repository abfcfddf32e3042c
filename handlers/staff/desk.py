"""The staff side of the attaché desk: replies, closing with a resolution, /cases, /staff.

Every action re-checks on the server that the sender may handle the case: buttons can be
forged, and roles can be revoked between a press and the next message.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_timedelta

from bot.commands import forget_staff_commands, register_staff_commands
from bot.content.countries import country_in_sentence, country_name, names
from bot.services.cases import MAX_RESOLUTION, CaseService, Entry
from bot.services.desk import Desk
from bot.services.users import Profile, UserService
from handlers.filters import not_a_command, replies
from handlers.views.callbacks import StaffAction, StaffCb
from handlers.views.desk import rating_row, refuse, staff_buttons
from handlers.views.ui import column, current_locale, show, user_id_of
from handlers.wiring import Wiring
from storage.models import Case

log = logging.getLogger("joldas.staff")
MAX_LISTED = 30


class StaffFlow(StatesGroup):
    reply = State()  # data: case
    resolution = State()  # data: case


async def case_for(
    event: Message | CallbackQuery, number: int | None, cases: CaseService, what: str
) -> Case | None:
    """The case if the sender may handle it; otherwise None, after telling them why.

    Non-staff are refused (and logged) before anything about the case is revealed."""
    user_id = user_id_of(event)
    case = await cases.get(number) if number else None
    if case is None and await cases.is_staff(user_id):
        gone = _("This case no longer exists: the user deleted their data.")
        if isinstance(event, CallbackQuery):
            await event.answer(gone, show_alert=True)
        else:
            await event.answer(gone)
        return None
    if not await cases.may_handle(user_id, case):
        await refuse(event, f"{what} on case {number}")
        return None
    return case


async def on_view(
    callback: CallbackQuery,
    callback_data: StaffCb,
    profile: Profile | None,
    cases: CaseService,
    desk: Desk,
):
    case = await case_for(callback, callback_data.case, cases, "view")
    if case is not None:
        card = await desk.card(case, desk.zone_of(profile))
        await show(callback, card, staff_buttons(case), edit=False)


async def open_case_for(
    callback: CallbackQuery, callback_data: StaffCb, cases: CaseService
) -> Case | None:
    """The case to reply to or close, if the sender may and it is still open."""
    case = await case_for(callback, callback_data.case, cases, callback_data.action.value)
    if case is not None and case.status == "closed":
        await callback.answer(
            _("Case #{number} is closed.").format(number=case.id), show_alert=True
        )
        return None
    return case


async def on_reply_button(
    callback: CallbackQuery, callback_data: StaffCb, state: FSMContext, cases: CaseService
):
    case = await open_case_for(callback, callback_data, cases)
    if case is None:
        return
    await state.set_state(StaffFlow.reply)
    await state.set_data({"case": case.id})
    await show(
        callback,
        _("✍️ Write your answer to case #{number} as plain text. /cancel to stop.").format(
            number=case.id
        ),
        edit=False,
    )


async def on_close_button(
    callback: CallbackQuery, callback_data: StaffCb, state: FSMContext, cases: CaseService
):
    case = await open_case_for(callback, callback_data, cases)
    if case is None:
        return
    await state.set_state(StaffFlow.resolution)
    await state.set_data({"case": case.id})
    await show(
        callback,
        _(
            "Write a short resolution for case #{number} (up to {limit} characters): "
            "the user will see it. /cancel to stop."
        ).format(number=case.id, limit=MAX_RESOLUTION),
        edit=False,
    )


async def on_reply_text(
    message: Message, state: FSMContext, cases: CaseService, desk: Desk, bot: Bot
):
    if message.text is None:  # the state stays: the answer is still to come
        await message.answer(_("Staff answers are plain text: please type your answer."))
        return
    number = (await state.get_data()).get("case")
    await state.clear()
    await answer_case(message, number, cases, desk, bot)


async def answer_case(
    message: Message, number: int | None, cases: CaseService, desk: Desk, bot: Bot
):
    case = await case_for(message, number, cases, "reply")
    if case is None:
        return
    if message.text is None:
        await message.answer(_("Staff answers are plain text: please type your answer."))
        return
    updated = await cases.add(case.id, Entry("staff", message.chat.id, "text", message.text))
    if updated is None:
        await message.answer(_("Case #{number} is closed.").format(number=case.id))
        return
    if await desk.to_user(bot, updated, message.text):
        await message.answer(_("✅ Sent to the user of case #{number}.").format(number=case.id))
    else:
        await message.answer(
            _(
                "⚠️ Saved in case #{number}, but Telegram did not deliver it: the user may "
                "have blocked the bot."
            ).format(number=case.id)
        )


async def on_resolution(
    message: Message, state: FSMContext, cases: CaseService, desk: Desk, bot: Bot
):
    number = (await state.get_data()).get("case")
    case = await case_for(message, number, cases, "close")
    if case is None:
        await state.clear()
        return
    if message.text is None:
        await message.answer(_("Please type the resolution as text."))
        return
    await state.clear()
    closed = await cases.close(case.id, "staff", message.text)
    if closed is None:
        await message.answer(_("Case #{number} is closed.").format(number=case.id))
        return
    await message.answer(_("✅ Case #{number} is closed.").format(number=case.id))
    await desk.notify(
        bot,
        closed.user_id,
        lambda: _(
            "✅ The attaché closed case #{number}.\nResolution: {text}\n\n"
            "How helpful was the answer?"
        ).format(number=closed.id, text=html.escape(closed.resolution or "")),
        lambda: InlineKeyboardMarkup(inline_keyboard=[rating_row(closed.id)]),
    )


async def reply_to_staff_case(message: Message, cases: CaseService) -> dict | bool:
    """A Telegram reply to a relayed message in a staff chat: an answer to that case."""
    replied = message.reply_to_message
    if replied is None:
        return False
    case = await cases.linked(message.chat.id, replied.message_id)
    if case is None or case.user_id == message.chat.id:
        return False
    return {"case_number": case.id}


async def on_staff_reply_to_case(
    message: Message, case_number: int, cases: CaseService, desk: Desk, bot: Bot
):
    await answer_case(message, case_number, cases, desk, bot)


def age(since: datetime, now: datetime) -> str:
    """How long a case has waited, as "35 min", "5 h" or "3 days" (hours up to two days)."""
    return format_timedelta(now - since, threshold=2, format="short", locale=current_locale())


async def on_cases(message: Message, cases: CaseService):
    staff_id = message.chat.id  # a private chat: the sender's
    if not await cases.is_staff(staff_id):
        await refuse(message, "/cases")
        return
    found = await cases.open_for(staff_id, MAX_LISTED)
    if not found:
        await message.answer(_("📭 No open cases in your countries."))
        return
    now = cases.clock.now()
    locale = current_locale()
    buttons = [
        (
            f"{'🆘' if case.urgent else ('⏳' if case.status == 'open' else '💬')} #{case.id} · "
            f"{country_name(case.country, locale)} · {age(case.created_at, now)}",
            StaffCb(action=StaffAction.view, case=case.id),
        )
        for case in sorted(found, key=lambda c: (not c.urgent, c.country or "", c.created_at))
    ]
    await message.answer(
        _(
            "📋 <b>Open cases</b> ({count}), urgent first, then by country and age.\n"
            "⏳ waiting for an answer · 💬 answered"
        ).format(count=len(found)),
        reply_markup=column(buttons),
    )


# --- /staff: admins grant and revoke attaché roles -------------------------------------


def staff_usage() -> str:
    return _(
        "<b>Staff roles</b>\n"
        "/staff add &lt;Telegram ID&gt; &lt;country code&gt; — make someone the attaché "
        "for a country\n"
        "/staff remove &lt;Telegram ID&gt; &lt;country code&gt; — take the role back\n"
        "Country codes are ISO, e.g. RU, KR, TR. The person must have started the bot to "
        "receive cases."
    )


async def on_staff(
    message: Message,
    command: CommandObject,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
    users: UserService,
    i18n: I18n,
):
    admin_id = message.chat.id  # a private chat: the sender's
    if not cases.is_admin(admin_id):
        await refuse(message, "/staff")
        return
    args = (command.args or "").split()
    if not args:
        roles = await cases.roles()
        locale = current_locale()
        lines = [
            f"• {role.user_id} — {country_name(role.country, locale)} ({role.country})"
            for role in roles
        ] or [_("No attachés yet: every case goes to the admins.")]
        await message.answer("\n".join([staff_usage(), "", *lines]))
        return
    if len(args) != 3 or args[0] not in ("add", "remove") or not args[1].isdigit():
        await message.answer(staff_usage())
        return
    action, staff_id, country = args[0], int(args[1]), args[2].upper()
    if country not in names("en"):
        await message.answer(
            _("I don't know the country code {code}.").format(code=html.escape(args[2]))
        )
        return
    name = country_in_sentence(country, current_locale())
    if action == "add":
        changed = await cases.grant(staff_id, country, admin_id)
        text = (
            _("✅ {id} is now the attaché for {country}.")
            if changed
            else _("{id} already serves {country}.")
        )
        if changed:
            await desk.notify(
                bot,
                staff_id,
                lambda: _(
                    "You now answer the labour attaché cases for {country} in Joldas. "
                    "/cases lists the open ones; /desk shows everything staff can do."
                ).format(country=country_in_sentence(country, current_locale())),
            )
            profile = await users.get(staff_id)
            await register_staff_commands(
                bot, i18n, staff_id, profile.locale if profile else None, cases.is_admin(staff_id)
            )
    else:
        changed = await cases.revoke(staff_id, country)
        if changed and not await cases.is_staff(staff_id):
            await forget_staff_commands(bot, staff_id)
        text = (
            _("✅ {id} no longer serves {country}.")
            if changed
            else _("{id} did not serve {country}.")
        )
    await message.answer(text.format(id=staff_id, country=name))


def build_router(wiring: Wiring) -> Router:
    router = Router(name="staff desk")
    router.callback_query.register(on_view, StaffCb.filter(F.action == StaffAction.view))
    router.callback_query.register(on_reply_button, StaffCb.filter(F.action == StaffAction.reply))
    router.callback_query.register(on_close_button, StaffCb.filter(F.action == StaffAction.close))
    router.message.register(on_cases, Command("cases"))
    router.message.register(on_staff, Command("staff"))
    router.message.register(on_staff_reply_to_case, not_a_command, replies(reply_to_staff_case))
    router.message.register(on_reply_text, StateFilter(StaffFlow.reply), not_a_command)
    router.message.register(on_resolution, StateFilter(StaffFlow.resolution), not_a_command)
    return router
