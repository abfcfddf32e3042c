"""Staff broadcasts: /broadcast (audience → message → preview → when → confirm),
/broadcasts, and the buttons of a running broadcast (pause, resume, cancel).

Every step asks the server again who the sender is (`authority`): buttons can be forged
and roles revoked mid-dialogue. An attaché's audience never leaves their countries: a
choice outside them is refused and logged, and the service checks it once more.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import ValidationError

from bot import LOCALES
from bot.content.countries import country_name, names
from bot.rules.broadcasts import at_night, content_locale
from bot.services.broadcasts import Authority, BroadcastService
from bot.services.users import Profile
from handlers.filters import not_a_command
from handlers.views.broadcasts import (
    AUDIENCE_ROLES,
    FILTERS,
    KIND_LABELS,
    LISTED,
    MAX_CONTENT,
    audience_screen,
    choice_label,
    choices_screen,
    compose_screen,
    confirm_screen,
    content_prompt,
    day_question,
    language_question,
    link_prompt,
    list_screen,
    night_warning,
    preview_header,
    progress_screen,
    script_note,
    time_screen,
    when_screen,
)
from handlers.views.callbacks import BroadcastAction, BroadcastCb
from handlers.views.desk import refuse
from handlers.views.formatting import html_of
from handlers.views.guide import day_text
from handlers.views.moments import moment
from handlers.views.ui import current_locale, out_of_date_text, show, user_id_of
from handlers.wiring import Wiring
from storage.records import Audience, Content

log = logging.getLogger("joldas.staff")
COUNTRY = re.compile(r"^[A-Z]{2}$")
TYPED_TIME = re.compile(r"^(\d{1,2})(?:[:.\s](\d{2}))?$")
MAX_URL = 512
MAX_CAPTION = 1024  # what Telegram lets a bot put under a photo, document or video
SCHEDULE_DAYS = 90  # how far ahead a broadcast can be scheduled
Event = Message | CallbackQuery


class BroadcastFlow(StatesGroup):
    audience = State()  # data: aud
    content = State()  # waiting for the message in data["lang"]
    compose = State()  # data: contents, url
    link = State()
    when = State()
    day = State()
    time = State()  # data: day
    confirm = State()  # data: at (None: now), paid


# --- who is asking, and where the dialogue is ----------------------------------------------------


async def staff(event: Event, broadcasts: BroadcastService, what: str) -> Authority | None:
    """The sender's authority, asked again for every step; refused and logged otherwise."""
    authority = await broadcasts.authority(user_id_of(event))
    if authority is None:
        await refuse(event, what)
    return authority


async def at_step(callback: CallbackQuery, state: FSMContext, *steps: State) -> bool:
    """Whether the dialogue is at one of `steps`; a button of an ended one is out of date."""
    if await state.get_state() in {s.state for s in steps}:
        return True
    await callback.answer(out_of_date_text(), show_alert=True)
    return False


def preview_refused() -> str:
    return _(
        "⚠️ Telegram refused this message as it stands (a file it cannot send, or a link "
        "it does not accept). Please send it again, or change the link."
    )


def audience_of(data: dict[str, Any]) -> Audience:
    try:
        return Audience.model_validate(data.get("aud") or {})
    except ValidationError:
        return Audience()


def contents_of(data: dict[str, Any]) -> dict[str, Content]:
    found = {}
    for code, value in (data.get("contents") or {}).items():
        try:
            if code in LOCALES:
                found[code] = Content.model_validate(value)
        except ValidationError:
            continue
    return found


def zone_of(profile: Profile | None, broadcasts: BroadcastService) -> str:
    return profile.timezone if profile else broadcasts.users.default_timezone


# --- starting, and the audience --------------------------------------------------------------


async def on_broadcast(event: Event, state: FSMContext, broadcasts: BroadcastService):
    authority = await staff(event, broadcasts, "/broadcast")
    if authority is None:
        return
    audience = Audience() if authority.admin else Audience(role="emigrant")
    await state.set_state(BroadcastFlow.audience)
    await state.set_data({"aud": audience.model_dump(exclude_none=True)})
    await show_audience(event, authority, audience, broadcasts, edit=False)


async def show_audience(
    event: Event,
    authority: Authority,
    audience: Audience,
    broadcasts: BroadcastService,
    edit: bool = True,
) -> None:
    count = await broadcasts.count(authority, audience)
    text, markup = audience_screen(audience, count, authority.scope, authority.admin)
    await show(event, text, markup, edit=edit)


async def ask_audience(event: Event, state: FSMContext, broadcasts: BroadcastService, **_: Any):
    authority = await staff(event, broadcasts, "broadcast audience")
    if authority is not None:
        audience = audience_of(await state.get_data())
        await show_audience(event, authority, audience, broadcasts, edit=False)


async def on_back_to_audience(
    callback: CallbackQuery, state: FSMContext, broadcasts: BroadcastService
):
    authority = await staff(callback, broadcasts, "broadcast audience")
    if authority is None or not await at_step(
        callback, state, BroadcastFlow.audience, BroadcastFlow.compose, BroadcastFlow.content
    ):
        return
    await state.set_state(BroadcastFlow.audience)
    await show_audience(callback, authority, audience_of(await state.get_data()), broadcasts)


async def on_filter(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    state: FSMContext,
    broadcasts: BroadcastService,
):
    authority = await staff(callback, broadcasts, "broadcast filter")
    if authority is None or not await at_step(callback, state, BroadcastFlow.audience):
        return
    name = callback_data.value
    if name not in FILTERS or (name == "role" and not authority.admin):
        await refuse(callback, f"broadcast filter {name!r}")
        return
    audience = audience_of(await state.get_data())
    locale = current_locale()
    choices: list[tuple[str, str]]
    if name == "role":
        choices = [(role, choice_label("role", role)) for role in AUDIENCE_ROLES]
    elif name == "locale":
        choices = [(code, choice_label("locale", code)) for code in LOCALES]
    elif name == "kind":
        choices = [(kind, str(label)) for kind, label in KIND_LABELS.items()]
    else:
        column = "citizenship" if name == "citizenship" else "country_abroad"
        common = await broadcasts.common_values(authority, audience, column)
        choices = [(code, f"{country_name(code, locale)} ({n})") for code, n in common]
    text, markup = choices_screen(name, choices, getattr(audience, name))
    await show(callback, text, markup)


def valid_choice(name: str, value: str) -> bool:
    if name == "role":
        return value in AUDIENCE_ROLES
    if name == "locale":
        return value in LOCALES
    if name in ("citizenship", "country"):
        return bool(COUNTRY.match(value)) and value in names("en")
    return value in KIND_LABELS


async def on_set(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    state: FSMContext,
    broadcasts: BroadcastService,
):
    authority = await staff(callback, broadcasts, "broadcast filter")
    if authority is None or not await at_step(callback, state, BroadcastFlow.audience):
        return
    name, _sep, value = callback_data.value.partition("=")
    if name not in FILTERS or (value != "any" and not valid_choice(name, value)):
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    data = await state.get_data()
    audience = audience_of(data).model_copy(update={name: None if value == "any" else value})
    if not authority.admin and name == "role" and value == "any":
        audience = audience.model_copy(update={"role": "emigrant"})
    if not broadcasts.allows(authority, audience):
        await refuse(callback, f"broadcast audience {name}={value} outside their countries")
        return
    await state.update_data(aud=audience.model_dump(exclude_none=True))
    await show_audience(callback, authority, audience, broadcasts)


# --- the message -------------------------------------------------------------------------------


async def on_content(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    state: FSMContext,
    broadcasts: BroadcastService,
):
    """ "Next" from the audience (value ""), or the language of a message to give."""
    authority = await staff(callback, broadcasts, "broadcast content")
    steps = (BroadcastFlow.audience, BroadcastFlow.compose, BroadcastFlow.when)
    if authority is None or not await at_step(callback, state, *steps):
        return
    data = await state.get_data()
    leaving_audience = await state.get_state() == BroadcastFlow.audience.state
    if leaving_audience and not await broadcasts.count(authority, audience_of(data)):
        await callback.answer(_("Nobody matches this audience: change a filter."), show_alert=True)
        return
    code = callback_data.value
    if code in LOCALES:
        await state.set_state(BroadcastFlow.content)
        await state.update_data(lang=code)
        await show(callback, content_prompt(code))
        return
    if code:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    await show_compose(callback, state, data)


async def show_compose(event: Event, state: FSMContext, data: dict[str, Any]) -> None:
    contents = contents_of(data)
    if not contents:
        await state.set_state(BroadcastFlow.compose)
        text, markup = language_question()
        await show(event, text, markup)
        return
    await state.set_state(BroadcastFlow.compose)
    kinds = {code: content.kind for code, content in contents.items()}
    text, markup = compose_screen(kinds, data.get("url"))
    await show(event, text, markup, edit=isinstance(event, CallbackQuery))


async def ask_compose(event: Event, state: FSMContext, **_: Any):
    await show_compose(event, state, await state.get_data())


async def ask_content(event: Event, state: FSMContext, **_: Any):
    code = (await state.get_data()).get("lang")
    await show(event, content_prompt(code if code in LOCALES else "ru"), edit=False)


def content_from(message: Message) -> Content | None:
    """The staff member's message as a broadcast sends it: formatting kept as HTML."""
    if message.text is not None:
        return Content(kind="text", html=html_of(message))
    if message.photo:
        return Content(kind="photo", html=html_of(message), file_id=message.photo[-1].file_id)
    if message.document is not None:
        return Content(kind="document", html=html_of(message), file_id=message.document.file_id)
    if message.video is not None:
        return Content(kind="video", html=html_of(message), file_id=message.video.file_id)
    return None


async def on_content_message(message: Message, state: FSMContext, broadcasts: BroadcastService):
    authority = await staff(message, broadcasts, "broadcast content")
    if authority is None:
        return
    data = await state.get_data()
    code = data.get("lang")
    length = len(message.text or message.caption or "")
    try:
        content = content_from(message)
    except ValidationError:  # formatting (long links) makes it too big to keep
        await message.answer(
            _("That message is too long with its formatting and links. Please shorten it.")
        )
        return
    if code not in LOCALES:
        await show_compose(message, state, data)
        return
    if content is None:
        await message.answer(
            _("A broadcast can be text, or a photo, a document or a video with a caption.")
        )
        await message.answer(content_prompt(code))
        return
    if content.kind == "text" and length > MAX_CONTENT:
        await message.answer(
            _(
                "That is {length} characters; a broadcast can have up to {limit}, so it reads "
                "well on a phone. Please send a shorter one."
            ).format(length=length, limit=MAX_CONTENT)
        )
        return
    if content.kind != "text" and length > MAX_CAPTION:
        await message.answer(
            _(
                "That caption is {length} characters; Telegram allows up to {limit} under a "
                "photo, document or video. Please send a shorter one."
            ).format(length=length, limit=MAX_CAPTION)
        )
        return
    contents = dict(data.get("contents") or {})
    contents[code] = content.model_dump(mode="json")
    await state.update_data(contents=contents, lang=None)
    await show_compose(message, state, await state.get_data())


async def on_link(callback: CallbackQuery, state: FSMContext, broadcasts: BroadcastService):
    authority = await staff(callback, broadcasts, "broadcast link")
    if authority is None or not await at_step(callback, state, BroadcastFlow.compose):
        return
    await state.set_state(BroadcastFlow.link)
    await show(callback, link_prompt())


async def ask_link(event: Event, state: FSMContext, **_: Any):
    await show(event, link_prompt(), edit=False)


HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9-]{1,63}\.)+[a-z][a-z0-9-]{1,62}$")


def valid_url(text: str) -> str | None:
    """A web link a button can carry: http(s), a real host name, a valid port if any."""
    text = text.strip()
    if len(text) > MAX_URL or any(c.isspace() for c in text):
        return None
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018  # raises for a port out of range
    except ValueError:
        return None
    try:  # a host in any script, as Telegram checks it: its ASCII (IDNA) form
        host = (parts.hostname or "").encode("idna").decode().lower()
    except UnicodeError:
        return None
    if parts.scheme not in ("https", "http") or not HOST.match(host):
        return None
    return text


async def on_link_text(message: Message, state: FSMContext, broadcasts: BroadcastService):
    authority = await staff(message, broadcasts, "broadcast link")
    if authority is None:
        return
    url = valid_url(message.text or "")
    if url is None:
        await message.answer(
            _(
                "That is not a web link. A link looks like https://example.kz/page. "
                "Please send it again."
            )
        )
        return
    await state.update_data(url=url)
    await show_compose(message, state, await state.get_data())


async def on_unlink(callback: CallbackQuery, state: FSMContext, broadcasts: BroadcastService):
    authority = await staff(callback, broadcasts, "broadcast link")
    if authority is None or not await at_step(callback, state, BroadcastFlow.compose):
        return
    await state.update_data(url=None)
    await show_compose(callback, state, await state.get_data())


# --- preview, when, confirm ----------------------------------------------------------------------


async def on_preview(
    callback: CallbackQuery, state: FSMContext, broadcasts: BroadcastService, bot: Bot
):
    """Each language's recipients' message, exactly as they will get it, then "when"."""
    authority = await staff(callback, broadcasts, "broadcast preview")
    if authority is None or not await at_step(callback, state, BroadcastFlow.compose):
        return
    data = await state.get_data()
    contents = contents_of(data)
    if not contents:
        await callback.answer(_("Send the message first."), show_alert=True)
        return
    await callback.answer()
    chat_id = callback.from_user.id
    readers = await broadcasts.count_by_locale(authority, audience_of(data))
    for reader in LOCALES:
        count = readers.get(reader, 0)
        if not count and readers:
            continue
        given = content_locale(reader, contents)
        header = preview_header(reader, given, count)
        if reader == "kk" and count:
            header += script_note(await broadcasts.count_by_script(authority, audience_of(data)))
        await bot.send_message(chat_id, header)
        try:
            await broadcasts.send(bot, chat_id, contents[given], data.get("url"), reader)
        except TelegramBadRequest as error:  # a file or a link Telegram will not take
            log.info("broadcast preview refused: %s", error)
            await bot.send_message(chat_id, preview_refused())
            await show_compose(callback, state, data)
            return
    await state.set_state(BroadcastFlow.when)
    text, markup = when_screen()
    await bot.send_message(chat_id, text, reply_markup=markup)


async def ask_when(event: Event, _state: FSMContext | None = None, **_: Any):
    text, markup = when_screen()
    await show(event, text, markup, edit=False)


async def on_when(callback: CallbackQuery, state: FSMContext, broadcasts: BroadcastService):
    authority = await staff(callback, broadcasts, "broadcast time")
    if authority is None or not await at_step(callback, state, BroadcastFlow.confirm):
        return
    await state.set_state(BroadcastFlow.when)
    text, markup = when_screen()
    await show(callback, text, markup)


async def on_now(
    callback: CallbackQuery,
    state: FSMContext,
    broadcasts: BroadcastService,
    profile: Profile | None,
):
    authority = await staff(callback, broadcasts, "broadcast time")
    if authority is None or not await at_step(callback, state, BroadcastFlow.when):
        return
    await state.update_data(at=None)
    await show_confirm(callback, state, broadcasts, authority, profile)


async def on_later(
    callback: CallbackQuery, state: FSMContext, broadcasts: BroadcastService, **data: Any
):
    authority = await staff(callback, broadcasts, "broadcast time")
    if authority is None or not await at_step(callback, state, BroadcastFlow.when):
        return
    await state.set_state(BroadcastFlow.day)
    wiring: Wiring = data["wiring"]
    await wiring.reask(callback, state, broadcasts=broadcasts, **data)


def day_bounds(today: date, _data: dict[str, Any]) -> tuple[date, date]:
    return today, today + timedelta(days=SCHEDULE_DAYS)


async def on_day(event: Event, state: FSMContext, day: date | None, **data: Any):
    broadcasts: BroadcastService = data["broadcasts"]
    authority = await staff(event, broadcasts, "broadcast day")
    if authority is None or day is None:
        return
    await state.update_data(day=day.isoformat())
    await state.set_state(BroadcastFlow.time)
    await ask_time(event, state, **data)  # with the profile's zone and the clock


async def ask_time(event: Event, state: FSMContext, **data: Any):
    stored = (await state.get_data()).get("day")
    zone = zone_of(data.get("profile"), data["broadcasts"])
    day = day_text(date.fromisoformat(stored)) if stored else ""
    text, markup = time_screen(day, zone, data["broadcasts"].clock.now())
    await show(event, text, markup, edit=False)


def parse_time(text: str) -> time | None:
    match = TYPED_TIME.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


async def take_time(
    event: Event,
    state: FSMContext,
    chosen: time | None,
    broadcasts: BroadcastService,
    profile: Profile | None,
) -> None:
    authority = await staff(event, broadcasts, "broadcast time")
    if authority is None:
        return
    data = await state.get_data()
    if chosen is None or not data.get("day"):
        await show(event, _("Please type the time as 10:30."), edit=False)
        await ask_time(event, state, broadcasts=broadcasts, profile=profile)
        return
    zone = ZoneInfo(zone_of(profile, broadcasts))
    local = datetime.combine(date.fromisoformat(data["day"]), chosen, tzinfo=zone)
    if local <= broadcasts.clock.now() + timedelta(minutes=1):
        await show(event, _("That time has already passed. Please choose a later one."), edit=False)
        await ask_time(event, state, broadcasts=broadcasts, profile=profile)
        return
    await state.update_data(at=local.isoformat())
    await show_confirm(event, state, broadcasts, authority, profile, edit=False)


async def on_time_button(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    state: FSMContext,
    broadcasts: BroadcastService,
    profile: Profile | None,
):
    if await staff(callback, broadcasts, "broadcast time") is None:
        return  # refused and logged
    if not await at_step(callback, state, BroadcastFlow.time):
        return
    await take_time(callback, state, parse_time(callback_data.value), broadcasts, profile)


async def on_time_text(
    message: Message, state: FSMContext, broadcasts: BroadcastService, profile: Profile | None
):
    await take_time(message, state, parse_time(message.text or ""), broadcasts, profile)


def scheduled_at(data: dict[str, Any]) -> datetime | None:
    at = data.get("at")
    return datetime.fromisoformat(at) if at else None


async def show_confirm(
    event: Event,
    state: FSMContext,
    broadcasts: BroadcastService,
    authority: Authority,
    profile: Profile | None,
    edit: bool = True,
) -> None:
    await state.set_state(BroadcastFlow.confirm)
    data = await state.get_data()
    audience = audience_of(data)
    count = await broadcasts.count(authority, audience)
    paid = bool(data.get("paid"))
    at = scheduled_at(data)
    when = moment(at, zone_of(profile, broadcasts)) if at else None
    zones = await broadcasts.zones(authority, audience)
    now = broadcasts.clock.now()
    night = [(zone, local, zones[zone]) for zone, local in at_night(at or now, zones)]
    text, markup = confirm_screen(
        count,
        broadcasts.seconds_for(count, paid),
        when,
        paid,
        broadcasts.paid_allowed and authority.admin,
        night_warning(night, now),
    )
    await show(event, text, markup, edit=edit)


async def ask_confirm(event: Event, state: FSMContext, **data: Any):
    broadcasts: BroadcastService = data["broadcasts"]
    authority = await staff(event, broadcasts, "broadcast confirm")
    if authority is not None:
        await show_confirm(event, state, broadcasts, authority, data.get("profile"), edit=False)


async def on_paid(
    callback: CallbackQuery,
    state: FSMContext,
    broadcasts: BroadcastService,
    profile: Profile | None,
):
    authority = await staff(callback, broadcasts, "paid broadcast")
    if authority is None or not await at_step(callback, state, BroadcastFlow.confirm):
        return
    if not (authority.admin and broadcasts.paid_allowed):
        await refuse(callback, "paid broadcast")
        return
    await state.update_data(paid=not (await state.get_data()).get("paid"))
    await show_confirm(callback, state, broadcasts, authority, profile)


async def on_confirm(
    callback: CallbackQuery,
    state: FSMContext,
    broadcasts: BroadcastService,
    profile: Profile | None,
):
    authority = await staff(callback, broadcasts, "broadcast send")
    if authority is None or not await at_step(callback, state, BroadcastFlow.confirm):
        return
    data = await state.get_data()
    audience, contents, at = audience_of(data), contents_of(data), scheduled_at(data)
    if not contents:
        await show_compose(callback, state, data)
        return
    if not broadcasts.allows(authority, audience):
        await refuse(callback, "broadcast outside their countries")
        return
    broadcast = await broadcasts.create(
        authority, audience, contents, data.get("url"), at, bool(data.get("paid"))
    )
    await state.clear()
    if at is None:
        text = _(
            "📣 Broadcast #{id} starts within a few seconds. Its progress will appear here; "
            "/broadcasts lists it."
        ).format(id=broadcast.id)
    else:
        text = _(
            "🕒 Broadcast #{id} is scheduled for {when}. /broadcasts lists it and can cancel it."
        ).format(id=broadcast.id, when=moment(at, zone_of(profile, broadcasts)))
    await show(callback, text)


async def on_drop(callback: CallbackQuery, state: FSMContext, broadcasts: BroadcastService):
    if await staff(callback, broadcasts, "broadcast discard") is None:
        return  # refused and logged
    if not await at_step(callback, state, *BroadcastFlow.__all_states__):
        return
    await state.clear()
    await show(callback, _("The broadcast is discarded."))


# --- /broadcasts and a broadcast's buttons -------------------------------------------------------


async def on_list(event: Event, broadcasts: BroadcastService, profile: Profile | None):
    authority = await staff(event, broadcasts, "/broadcasts")
    if authority is None:
        return
    found = await broadcasts.recent(authority, LISTED)
    manageable = {b.id for b in found if broadcasts.may_manage(authority, b)}
    text, markup = list_screen(found, zone_of(profile, broadcasts), manageable)
    await show(event, text, markup, edit=False)


async def managed(
    callback: CallbackQuery, callback_data: BroadcastCb, broadcasts: BroadcastService
) -> Any:
    """The broadcast a button names, if the presser may manage it (refused and logged if not)."""
    action = callback_data.action.value
    authority = await staff(callback, broadcasts, f"broadcast {action}")
    if authority is None:
        return None
    broadcast = await broadcasts.get(callback_data.id) if callback_data.id else None
    if broadcast is None:
        await callback.answer(out_of_date_text(), show_alert=True)
        return None
    if not broadcasts.may_manage(authority, broadcast):
        await refuse(callback, f"broadcast {action} of #{broadcast.id}")
        return None
    return broadcast


def toggles() -> dict[BroadcastAction, tuple[str, str]]:
    """Pause and resume: (the refusal when it cannot, the notice when done)."""
    return {
        BroadcastAction.pause: (_("It is not sending now."), _("⏸ Paused.")),
        BroadcastAction.resume: (_("It is not paused."), _("▶️ Sending again.")),
    }


async def on_pause_or_resume(
    callback: CallbackQuery, callback_data: BroadcastCb, broadcasts: BroadcastService, bot: Bot
):
    broadcast = await managed(callback, callback_data, broadcasts)
    if broadcast is None:
        return
    pausing = callback_data.action == BroadcastAction.pause
    done = await (broadcasts.pause if pausing else broadcasts.resume)(broadcast.id)
    cannot, notice = toggles()[callback_data.action]
    if not done:
        await callback.answer(cannot, show_alert=True)
        return
    await callback.answer(notice)
    await broadcasts.edit_progress(bot, broadcast.id)


async def on_cancel_broadcast(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    broadcasts: BroadcastService,
    bot: Bot,
    profile: Profile | None,
):
    broadcast = await managed(callback, callback_data, broadcasts)
    if broadcast is None:
        return
    if not await broadcasts.cancel(broadcast.id):
        await callback.answer(_("It has already ended."), show_alert=True)
        return
    if broadcast.status == "scheduled":
        await on_list(callback, broadcasts, profile)  # the list again, without it
    else:
        await callback.answer(_("✖️ Cancelled."))
        await broadcasts.conclude(bot, broadcast.id)


async def on_show(
    callback: CallbackQuery, callback_data: BroadcastCb, broadcasts: BroadcastService, bot: Bot
):
    broadcast = await managed(callback, callback_data, broadcasts)
    if broadcast is None:
        return
    await callback.answer()
    final = broadcast.status in ("done", "cancelled")
    text, markup = progress_screen(broadcast, await broadcasts.progress(broadcast), final)
    shown = await bot.send_message(callback.from_user.id, text, reply_markup=markup)
    if not final:
        await broadcasts.remember_progress(broadcast.id, shown.chat.id, shown.message_id)


def build_router(wiring: Wiring) -> Router:
    router = Router(name="broadcasts")
    cb = BroadcastCb.filter
    action = F.action
    router.message.register(on_broadcast, Command("broadcast"))
    router.message.register(on_list, Command("broadcasts"))
    router.callback_query.register(on_broadcast, cb(action == BroadcastAction.new))
    router.callback_query.register(on_list, cb(action == BroadcastAction.list))
    router.callback_query.register(on_back_to_audience, cb(action == BroadcastAction.audience))
    router.callback_query.register(on_filter, cb(action == BroadcastAction.filter))
    router.callback_query.register(on_set, cb(action == BroadcastAction.set))
    router.callback_query.register(on_content, cb(action == BroadcastAction.content))
    router.callback_query.register(on_link, cb(action == BroadcastAction.link))
    router.callback_query.register(on_unlink, cb(action == BroadcastAction.unlink))
    router.callback_query.register(on_preview, cb(action == BroadcastAction.preview))
    router.callback_query.register(on_when, cb(action == BroadcastAction.when))
    router.callback_query.register(on_now, cb(action == BroadcastAction.now))
    router.callback_query.register(on_later, cb(action == BroadcastAction.later))
    router.callback_query.register(on_time_button, cb(action == BroadcastAction.time))
    router.callback_query.register(on_paid, cb(action == BroadcastAction.paid))
    router.callback_query.register(on_confirm, cb(action == BroadcastAction.confirm))
    router.callback_query.register(on_drop, cb(action == BroadcastAction.drop))
    router.callback_query.register(
        on_pause_or_resume, cb(action.in_({BroadcastAction.pause, BroadcastAction.resume}))
    )
    router.callback_query.register(on_cancel_broadcast, cb(action == BroadcastAction.cancel))
    router.callback_query.register(on_show, cb(action == BroadcastAction.show))
    router.message.register(on_content_message, StateFilter(BroadcastFlow.content), not_a_command)
    router.message.register(on_link_text, StateFilter(BroadcastFlow.link), not_a_command)
    router.message.register(on_time_text, StateFilter(BroadcastFlow.time), not_a_command)
    wiring.question(BroadcastFlow.audience, ask_audience)
    wiring.prompt(BroadcastFlow.content, ask_content)
    wiring.question(BroadcastFlow.compose, ask_compose)
    wiring.prompt(BroadcastFlow.link, ask_link)
    wiring.question(BroadcastFlow.when, ask_when)
    wiring.question(BroadcastFlow.time, ask_time)
    wiring.question(BroadcastFlow.confirm, ask_confirm)
    wiring.date_question(BroadcastFlow.day, day_question, day_bounds, on_day, quick=(0, 1, 7))
    return router
