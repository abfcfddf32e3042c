"""Writing to the labour attaché, SOS, and /mycases: the user's side of the desk."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _

from bot.content.countries import country_in_sentence
from bot.scripting import as_shown
from bot.services.cases import CaseService, Entry
from bot.services.desk import Desk
from bot.services.directory import DirectoryService
from bot.services.users import Profile
from handlers.filters import menu_item, not_a_command, replies
from handlers.views.abroad import sos_text
from handlers.views.callbacks import (
    AskAction,
    AskCb,
    CaseAction,
    CaseCb,
    MenuCb,
    ProfileAction,
    ProfileCb,
    TopicCb,
)
from handlers.views.contacts import consulate_block
from handlers.views.desk import (
    TOPICS,
    history,
    rating_row,
    status_label,
    topic_label,
    user_case_buttons,
)
from handlers.views.ui import (
    Button,
    column,
    current_locale,
    keyboard,
    menu_button,
    out_of_date,
    show,
    show_menu,
    user_id_of,
)
from handlers.wiring import Wiring
from storage.models import Case

log = logging.getLogger("joldas.attache")


class CaseFlow(StatesGroup):
    screen = State()  # the attaché screen is open: what the user types starts a case
    topic = State()  # data: draft (a message kept until the topic is chosen)
    first = State()  # the message that opens the case
    writing = State()  # further messages go into data["case"]


def entry_of(message: Message) -> tuple[Entry, tuple[float, float] | None] | None:
    """What of the message can be relayed (None: a sticker, a video note...)."""
    author = message.chat.id  # a private chat: the sender's
    if message.text is not None:
        return Entry("user", author, "text", message.text), None
    if message.photo:
        return Entry("user", author, "photo", message.caption, message.photo[-1].file_id), None
    if message.document:
        return Entry("user", author, "document", message.caption, message.document.file_id), None
    if message.voice:
        return Entry("user", author, "voice", message.caption, message.voice.file_id), None
    if message.location:
        point = (message.location.latitude, message.location.longitude)
        return Entry("user", author, "location"), point  # passed on, never stored
    return None


async def relayable(message: Message) -> tuple[Entry, tuple[float, float] | None] | None:
    """The message as a case entry, or None after telling the user what can be sent."""
    relayed = entry_of(message)
    if relayed is None:
        await message.answer(
            _("I can pass on text, photos, documents, voice messages and locations.")
        )
    return relayed


def country_line(profile: Profile | None) -> str:
    code = profile.country_abroad if profile else None
    if code:
        return _("Your messages go to the labour attaché for {country}.").format(
            country=country_in_sentence(code, current_locale())
        )
    return _(
        "I don't know your country of work, so your messages go to the desk's coordinators. "
        "Set the country to reach its attaché."
    )


async def on_attache(callback: CallbackQuery, state: FSMContext, profile: Profile | None):
    await state.clear()
    await state.set_state(CaseFlow.screen)
    await show_screen(callback, profile)


async def ask_screen(event: Message | CallbackQuery, profile: Profile | None = None, **_: Any):
    await show_screen(event, profile, edit=False)


async def show_screen(
    event: Message | CallbackQuery, profile: Profile | None, edit: bool = True
) -> None:
    text = "\n\n".join(
        [
            _("✉️ <b>Labour attaché</b>"),
            country_line(profile),
            _(
                "Staff see your language and country and what you write here. They do not "
                "see your phone number or username. Answers come here, with the case number."
            ),
            _("You can also just write your message here."),
        ]
    )
    buttons = [
        (_("✍️ New message"), CaseCb(action=CaseAction.new, case=0)),
        (_("📂 My cases"), CaseCb(action=CaseAction.list, case=0)),
        (_("✈️ Change country of work"), ProfileCb(action=ProfileAction.abroad)),
        menu_button(),
    ]
    await show(event, text, column(buttons), edit=edit)


MAX_DRAFTS = 10  # messages kept on the attaché screen until the topic is chosen
DRAFT_KINDS = ("text", "photo", "document", "voice")


def draft_of(entry: Entry) -> dict[str, Any]:
    return {"kind": entry.kind, "text": entry.text, "file_id": entry.file_id}


def drafted(user_id: int, drafts: Any) -> list[Entry]:
    """The kept messages as case entries (anything malformed left out)."""
    if not isinstance(drafts, list):
        return []
    return [
        Entry("user", user_id, draft["kind"], draft.get("text"), draft.get("file_id"))
        for draft in drafts
        if isinstance(draft, dict) and draft.get("kind") in DRAFT_KINDS
    ]


async def on_draft(message: Message, state: FSMContext):
    """Text (or a photo, a document...) typed on the attaché screen: kept, and the topic is
    asked; the case opens with it as soon as the topic is chosen."""
    relayed = await relayable(message)
    if relayed is None:
        return
    entry, point = relayed
    if point is not None:  # a location is passed on, never kept: it goes once a case is open
        await message.answer(_("Choose the topic first, then send the location again."))
        await state.set_state(CaseFlow.topic)
        await ask_topic(message, state)
        return
    await keep_and_ask_topic(message, state, entry)


async def keep_and_ask_topic(event: Message | CallbackQuery, state: FSMContext, entry: Entry):
    """Keep the message (with any kept before it) and ask the topic."""
    drafts = (await state.get_data()).get("drafts")
    kept = drafts if isinstance(drafts, list) else []
    await state.set_state(CaseFlow.topic)
    await state.set_data({"drafts": [*kept, draft_of(entry)][-MAX_DRAFTS:]})
    await show(event, *topic_question(kept=True), edit=False)


async def on_ask_attache(callback: CallbackQuery, state: FSMContext):
    """ "Write to the labour attaché" under a typed question's answer: the question goes with it."""
    asked = (await state.get_data()).get("asked")
    if not isinstance(asked, str) or not asked.strip():
        await on_new_case(callback, state)
        return
    await keep_and_ask_topic(callback, state, Entry("user", callback.from_user.id, "text", asked))


def topic_question(kept: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    topics = [(str(label), TopicCb(topic=key)) for key, label in TOPICS.items() if key != "sos"]
    text = (
        _("✉️ I kept your message. What is it about? It goes to the attaché once you choose.")
        if kept
        else _("What is it about?")
    )
    return text, column([*topics, menu_button()])


async def ask_topic(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    kept = bool((await state.get_data()).get("drafts"))
    await show(event, *topic_question(kept))


async def on_topic(
    callback: CallbackQuery,
    callback_data: TopicCb,
    state: FSMContext,
    profile: Profile | None,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
    directory: DirectoryService,
):
    if await state.get_state() != CaseFlow.topic.state or callback_data.topic not in TOPICS:
        await out_of_date(callback, menu=False)
        return
    entries = drafted(callback.from_user.id, (await state.get_data()).get("drafts"))
    if entries:
        first, *more = entries
        await open_case(
            callback, state, profile, cases, desk, bot, directory, callback_data.topic, first
        )
        number = (await state.get_data()).get("case")
        for entry in more:  # the rest go into the same case, in order
            if isinstance(number, int) and (case := await cases.add(number, entry)):
                await desk.to_staff(bot, case, entry)
        return
    await state.set_state(CaseFlow.first)
    await state.update_data(topic=callback_data.topic)
    await ask_first(callback, state)


async def ask_first(event: Message | CallbackQuery, state: FSMContext, **extra: Any) -> None:
    topic = (await state.get_data()).get("topic", "other")
    await show(
        event,
        _(
            "{topic}\nWrite your message for the attaché: what happened, where, since when. "
            "You can also send a photo or a document. /cancel to stop."
        ).format(topic=topic_label(topic)),
    )


async def ask_more(
    event: Message | CallbackQuery,
    state: FSMContext,
    profile: Profile | None = None,
    **extra: Any,
) -> None:
    number = (await state.get_data()).get("case")
    if not isinstance(number, int):  # the dialogue lost its case: nothing to write to
        await state.clear()
        await show_menu(event, profile, _("This case is no longer open."))
        return
    await show(
        event,
        _("✍️ Write to case #{number}: text, a photo or a document.").format(number=number),
        writing_markup(number),
    )


def writing_markup(number: int, urgent: bool = False) -> InlineKeyboardMarkup:
    buttons = [
        (_("✅ Close the case"), CaseCb(action=CaseAction.close, case=number)),
        (_("⏸ Stop writing"), CaseCb(action=CaseAction.stop, case=number)),
    ]
    if urgent:
        location = CaseCb(action=CaseAction.location, case=number)
        buttons.insert(0, (_("📍 Share a location"), location))
    return column(buttons)


async def on_first_message(
    message: Message,
    state: FSMContext,
    profile: Profile | None,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
    directory: DirectoryService,
):
    relayed = await relayable(message)
    if relayed is None:
        return
    entry, point = relayed
    topic = (await state.get_data()).get("topic", "other")
    await open_case(message, state, profile, cases, desk, bot, directory, topic, entry, point)


async def open_case(
    event: Message | CallbackQuery,
    state: FSMContext,
    profile: Profile | None,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
    directory: DirectoryService,
    topic: str,
    entry: Entry,
    point: tuple[float, float] | None = None,
) -> None:
    """A new case with its first message, to the staff of the user's country of work."""
    country = profile.country_abroad if profile else None
    case = await cases.open(user_id_of(event), country, topic, current_locale(), entry)
    await state.set_state(CaseFlow.writing)
    await state.set_data({"case": case.id})
    delivered = await desk.to_staff(bot, case, entry, location=point)
    lead = _("📨 Case #{number} is open.").format(number=case.id)
    await confirm(event, case, delivered, lead, directory)


async def confirm(
    event: Message | CallbackQuery,
    case: Case,
    delivered: int,
    lead: str,
    directory: DirectoryService,
) -> None:
    if delivered:
        text = _(
            "{lead} The attaché has your message and will answer here, with the case number. "
            "Anything you send now goes into the same case."
        ).format(lead=lead)
    else:
        text = "\n\n".join(
            [
                _(
                    "{lead} I saved your message, but nobody at the desk can be reached right "
                    "now: staff will see it in their list of open cases. If it is urgent, "
                    "contact the consulate."
                ).format(lead=lead),
                consulate_block(case.country, await directory.current()),
            ]
        )
    await show(event, text, writing_markup(case.id, case.urgent), edit=False)


async def on_case_message(
    message: Message,
    state: FSMContext,
    profile: Profile | None,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
    directory: DirectoryService,
):
    if message.text in (_("❌ Not now"), as_shown(_("❌ Not now"))):
        await message.answer(_("OK, no location."), reply_markup=ReplyKeyboardRemove())
        return
    number = (await state.get_data()).get("case")
    await add_to_case(message, number, cases, desk, bot, state, directory)


async def add_to_case(
    message: Message,
    number: int | None,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
    state: FSMContext,
    directory: DirectoryService,
) -> None:
    relayed = await relayable(message)
    if relayed is None:
        return
    entry, point = relayed
    case = await cases.get(number) if number else None
    if case is None or case.user_id != message.chat.id:
        await state.clear()
        await show_menu(message, None, _("This case is no longer open."))
        return
    case = await cases.add(case.id, entry)
    if case is None:
        await state.clear()
        await message.answer(
            _("Case #{number} is closed. Open a new one from the attaché menu.").format(
                number=number
            ),
            reply_markup=column([(_("✉️ Labour attaché"), MenuCb(item="attache"))]),
        )
        return
    delivered = await desk.to_staff(bot, case, entry, location=point)
    if point is not None:
        await message.answer(
            _("📍 Location passed to the attaché (case #{number}). I do not store it.").format(
                number=case.id
            ),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    if delivered:
        await message.answer(
            _("✉️ Passed to the attaché · case #{number}.").format(number=case.id),
            reply_markup=writing_markup(case.id, case.urgent),
        )
    else:
        lead = _("💾 Case #{number}:").format(number=case.id)
        await confirm(message, case, 0, lead, directory)


async def reply_to_own_case(message: Message, cases: CaseService) -> dict[str, Any] | bool:
    """A reply to one of the bot's messages about the user's own case."""
    replied = message.reply_to_message
    if replied is None:
        return False
    case = await cases.linked(message.chat.id, replied.message_id)
    if case is None or case.user_id != message.chat.id:
        return False
    return {"case_number": case.id}


async def on_reply_to_case(
    message: Message,
    case_number: int,
    state: FSMContext,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
    directory: DirectoryService,
):
    await add_to_case(message, case_number, cases, desk, bot, state, directory)


# --- SOS --------------------------------------------------------------------------------


def sos_again() -> str:
    return _("🆘 The user pressed SOS again.")


async def on_sos(
    callback: CallbackQuery,
    state: FSMContext,
    profile: Profile | None,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
    directory: DirectoryService,
):
    await callback.answer()
    country = profile.country_abroad if profile else None
    case, new = await cases.sos(callback.from_user.id, country, current_locale())
    delivered = await desk.to_staff(
        bot,
        case,
        None,
        lead=(lambda: _("🆘 The user pressed SOS.")) if new else sos_again,
    )
    await state.set_state(CaseFlow.writing)
    await state.set_data({"case": case.id})
    reached = (
        _("🆘 <b>Your SOS reached the attaché desk</b> (case #{number}).")
        if delivered
        else _(
            "🆘 <b>Your SOS is saved</b> (case #{number}), but nobody at the desk can be "
            "reached right now. Call the numbers below."
        )
    ).format(number=case.id)
    text = sos_text(reached, country, await directory.current(), bool(delivered))
    markup = column(
        [
            (_("📍 Share a location"), CaseCb(action=CaseAction.location, case=case.id)),
            (_("✅ I am safe now: close"), CaseCb(action=CaseAction.close, case=case.id)),
            menu_button(),
        ]
    )
    await bot.send_message(callback.from_user.id, text, reply_markup=markup)


def location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("📍 Send my location"), request_location=True)],
            [KeyboardButton(text=_("❌ Not now"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


# --- the user's cases -------------------------------------------------------------------


async def on_my_cases(event: Message | CallbackQuery, cases: CaseService):
    mine = await cases.of_user(user_id_of(event))
    if not mine:
        await show(
            event,
            _("📂 You have no cases yet. Write to the labour attaché from the menu."),
            column(
                [
                    (_("✉️ Labour attaché"), MenuCb(item="attache")),
                    menu_button(),
                ]
            ),
        )
        return
    buttons: list[Button] = [
        (
            f"{'🆘' if case.urgent else '📨'} #{case.id} · {topic_label(case.topic)} · "
            f"{status_label(case)}",
            CaseCb(action=CaseAction.open, case=case.id),
        )
        for case in mine
    ]
    buttons.append(menu_button())
    await show(event, _("📂 <b>Your cases</b>, open ones first:"), column(buttons))


async def on_new_case(callback: CallbackQuery, state: FSMContext):
    await state.set_state(CaseFlow.topic)
    await state.set_data({})
    await ask_topic(callback, state)


async def on_list(callback: CallbackQuery, cases: CaseService):
    await on_my_cases(callback, cases)


async def own_case(
    callback: CallbackQuery, callback_data: CaseCb, cases: CaseService, profile: Profile | None
) -> Case | None:
    """The pressed case if it is the user's; otherwise None, after the menu."""
    case = await cases.get(callback_data.case)
    if case is None or case.user_id != callback.from_user.id:
        await out_of_date(callback, profile)
        return None
    return case


async def on_open(
    callback: CallbackQuery,
    callback_data: CaseCb,
    profile: Profile | None,
    cases: CaseService,
    desk: Desk,
):
    case = await own_case(callback, callback_data, cases, profile)
    if case is not None:
        await show_case(callback, case, desk, profile)


async def on_write(
    callback: CallbackQuery,
    callback_data: CaseCb,
    state: FSMContext,
    profile: Profile | None,
    cases: CaseService,
):
    case = await own_case(callback, callback_data, cases, profile)
    if case is None:
        return
    if case.status == "closed":
        await callback.answer(_("This case is closed."), show_alert=True)
        return
    await state.set_state(CaseFlow.writing)
    await state.set_data({"case": case.id})
    await ask_more(callback, state)


async def on_stop(
    callback: CallbackQuery,
    callback_data: CaseCb,
    state: FSMContext,
    profile: Profile | None,
    cases: CaseService,
):
    case = await own_case(callback, callback_data, cases, profile)
    if case is None:
        return
    await state.clear()
    await show_menu(
        callback,
        profile,
        _("Case #{number} stays open; answers will still come here.").format(number=case.id),
    )


async def on_location(
    callback: CallbackQuery,
    callback_data: CaseCb,
    state: FSMContext,
    profile: Profile | None,
    cases: CaseService,
    bot: Bot,
):
    case = await own_case(callback, callback_data, cases, profile)
    if case is None:
        return
    await callback.answer()
    await state.set_state(CaseFlow.writing)
    await state.set_data({"case": case.id})
    await bot.send_message(
        callback.from_user.id,
        _(
            "Tap “📍 Send my location” below, or send any place with 📎 → Location. "
            "Only the attaché sees it; I do not store it."
        ),
        reply_markup=location_keyboard(),
    )


async def on_close(
    callback: CallbackQuery,
    callback_data: CaseCb,
    state: FSMContext,
    profile: Profile | None,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
):
    case = await own_case(callback, callback_data, cases, profile)
    if case is not None:
        await close_by_user(callback, case, state, cases, desk, bot)


async def on_rate(
    callback: CallbackQuery,
    callback_data: CaseCb,
    profile: Profile | None,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
):
    case = await own_case(callback, callback_data, cases, profile)
    if case is None:
        return
    rated = await cases.rate(callback.from_user.id, case.id, callback_data.stars)
    if rated is None:
        await out_of_date(callback, menu=False)
        return
    await show(callback, _("Thank you! Your rating helps the desk."), column([menu_button()]))
    for staff_id in await cases.recipients(rated):
        await desk.notify(
            bot,
            staff_id,
            lambda: _("⭐ The user rated case #{number}: {stars}").format(
                number=rated.id, stars="★" * (rated.rating or 0)
            ),
        )


async def close_by_user(
    callback: CallbackQuery,
    case: Case,
    state: FSMContext,
    cases: CaseService,
    desk: Desk,
    bot: Bot,
) -> None:
    closed = await cases.close(case.id, "user")
    if (await state.get_data()).get("case") == case.id:
        await state.clear()
    if closed is None:
        await callback.answer(_("This case is already closed."))
        return
    await show(
        callback,
        _("✅ Case #{number} is closed. How helpful was the attaché?").format(number=case.id),
        InlineKeyboardMarkup(
            inline_keyboard=[
                rating_row(case.id),
                *column([menu_button()]).inline_keyboard,
            ]
        ),
    )
    for staff_id in await cases.recipients(closed):
        await desk.notify(
            bot,
            staff_id,
            lambda: _("✅ The user closed case #{number}.").format(number=closed.id),
        )


async def show_case(
    callback: CallbackQuery, case: Case, desk: Desk, profile: Profile | None
) -> None:
    zone = desk.zone_of(profile)
    messages = await desk.cases.messages(case.id)
    lines = [
        _("{icon} <b>Case #{number}</b> · {topic}").format(
            icon="🆘" if case.urgent else "📨", number=case.id, topic=topic_label(case.topic)
        ),
        _("Status: {status}").format(status=status_label(case)),
        "",
        history(messages, zone),
    ]
    rows: list[list[InlineKeyboardButton]] = []
    if case.status != "closed":
        rows = user_case_buttons(case).inline_keyboard
    elif case.rating is None:
        rows = [rating_row(case.id)]
    back = keyboard([(_("📂 My cases"), CaseCb(action=CaseAction.list, case=0))], [menu_button()])
    await show(
        callback,
        "\n".join(lines),
        InlineKeyboardMarkup(inline_keyboard=[*rows, *back.inline_keyboard]),
    )


def build_router(wiring: Wiring) -> Router:
    router = Router(name="attache")
    router.callback_query.register(on_sos, menu_item("sos"))
    router.callback_query.register(on_attache, menu_item("attache"))
    router.callback_query.register(on_topic, TopicCb.filter())
    for action, handler in (
        (CaseAction.new, on_new_case),
        (CaseAction.list, on_list),
        (CaseAction.open, on_open),
        (CaseAction.write, on_write),
        (CaseAction.stop, on_stop),
        (CaseAction.location, on_location),
        (CaseAction.close, on_close),
        (CaseAction.rate, on_rate),
    ):
        router.callback_query.register(handler, CaseCb.filter(F.action == action))
    router.message.register(on_my_cases, Command("mycases"))
    router.message.register(on_reply_to_case, not_a_command, replies(reply_to_own_case))
    router.callback_query.register(on_ask_attache, AskCb.filter(F.action == AskAction.attache))
    router.message.register(on_draft, StateFilter(CaseFlow.screen, CaseFlow.topic), not_a_command)
    router.message.register(on_first_message, StateFilter(CaseFlow.first), not_a_command)
    router.message.register(on_case_message, StateFilter(CaseFlow.writing), not_a_command)
    wiring.prompt(CaseFlow.screen, ask_screen)
    wiring.screen(CaseFlow.screen, keep=(TopicCb.__prefix__, AskCb.__prefix__))
    wiring.question(CaseFlow.topic, ask_topic)
    wiring.prompt(CaseFlow.first, ask_first)
    wiring.prompt(CaseFlow.writing, ask_more)
    return router
