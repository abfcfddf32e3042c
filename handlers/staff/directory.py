"""/directory: staff keep the contacts users call current. Pick an entry (a mission, a
country's emergency numbers, the help lines in Kazakhstan), change fields one at a time
(each typed value checked), preview the user screens in each language, Save: the changes
and a confirmation by this staff member today, audited. `/directory history` lists the
changes; an admin can revert one.

Every step asks the server again who the sender is and whether they may edit the entry:
buttons can be forged and roles revoked mid-dialogue. A refusal is logged with their id.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import LOCALES
from bot.content.directory import (
    GENERAL,
    MAX_LINES,
    MAX_PHONES,
    SERVICE_LIMIT,
    gaps,
    seed,
    spec,
)
from bot.rules import contacts as check
from bot.rules.contacts import Refused
from bot.services.directory import DirectoryService, Editor
from bot.services.users import Profile
from handlers.filters import not_a_command
from handlers.views.abroad import MESSAGE_LIMIT
from handlers.views.callbacks import DirAction, DirCb
from handlers.views.desk import refuse
from handlers.views.directory import (
    GROUPS,
    entry_screen,
    gaps_text,
    group_screen,
    history_screen,
    home_screen,
    line_screen,
    measured,
    preview_screen,
    prompt,
    refused_text,
    revert_question,
    saved_text,
    screens_of,
    text_field_screen,
    too_long_text,
    too_many_phones,
    user_screen,
    with_draft,
)
from handlers.views.ui import column, out_of_date_text, show, user_id_of
from handlers.wiring import Wiring

Event = Message | CallbackQuery
PHONE_SEPARATORS = re.compile(r"[\n,;]+")
QUOTED = 30  # characters of a refused value quoted back


class DirectoryFlow(StatesGroup):
    editing = State()  # data: entry, draft (field -> value)
    typing = State()  # data: entry, draft, ask (field, and lang or line and part)


# --- who is asking, and where the dialogue is ------------------------------------------------


async def staff(event: Event, directory: DirectoryService, what: str) -> Editor | None:
    editor = await directory.editor(user_id_of(event))
    if editor is None:
        await refuse(event, what)
    return editor


async def allowed(event: Event, editor: Editor, key: str, what: str) -> bool:
    """The entry exists and this staff member may edit it; refused and logged otherwise."""
    if key in seed() and editor.may_edit(key):
        return True
    await refuse(event, f"{what} of directory entry {key!r}")
    return False


async def editing(callback: CallbackQuery, state: FSMContext, key: str) -> dict[str, Any] | None:
    """The dialogue's data when `key` is the entry being edited; a button of another (or of
    an ended dialogue) is out of date."""
    data = await state.get_data()
    steps = (DirectoryFlow.editing.state, DirectoryFlow.typing.state)
    if await state.get_state() in steps and data.get("entry") == key:
        return data
    await callback.answer(out_of_date_text(), show_alert=True)
    return None


def zone_of(profile: Profile | None, directory: DirectoryService) -> ZoneInfo:
    return ZoneInfo(profile.timezone) if profile else directory.timezone


def region_of(key: str) -> str:
    code = key[2:]
    return "ZZ" if code == GENERAL else code  # ZZ: only numbers typed with + are read


# --- lists ----------------------------------------------------------------------------------


async def on_directory(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    directory: DirectoryService,
    profile: Profile | None,
):
    editor = await staff(message, directory, "/directory")
    if editor is None:
        return
    args = (command.args or "").strip().lower()
    if args == "history":
        await show_history(message, editor, directory, profile)
        return
    if args:
        await message.answer(_("Usage: /directory, or /directory history."))
        return
    await state.clear()
    text, markup = home_screen(editor, await directory.current(), directory.today())
    await message.answer(text, reply_markup=markup)


async def on_home(callback: CallbackQuery, state: FSMContext, directory: DirectoryService):
    editor = await staff(callback, directory, "directory")
    if editor is None:
        return
    await state.clear()
    await show(callback, *home_screen(editor, await directory.current(), directory.today()))


async def on_group(callback: CallbackQuery, callback_data: DirCb, directory: DirectoryService):
    editor = await staff(callback, directory, "directory group")
    if editor is None:
        return
    if not editor.admin or callback_data.value not in GROUPS:
        await refuse(callback, f"directory group {callback_data.value!r}")
        return
    directory_now = await directory.current()
    await show(callback, *group_screen(callback_data.value, directory_now, directory.today()))


# --- an entry ---------------------------------------------------------------------------------


async def on_entry(
    callback: CallbackQuery,
    callback_data: DirCb,
    state: FSMContext,
    directory: DirectoryService,
    profile: Profile | None,
):
    key = callback_data.entry
    editor = await staff(callback, directory, "directory entry")
    if editor is None or not await allowed(callback, editor, key, "edit"):
        return
    await state.set_state(DirectoryFlow.editing)
    await state.set_data({"entry": key, "draft": {}})
    await show_entry(callback, key, {}, directory, profile)


async def show_entry(
    event: Event,
    key: str,
    draft: dict[str, Any],
    directory: DirectoryService,
    profile: Profile | None,
    lead: str | None = None,
) -> None:
    contact = (await directory.current()).contacts[key]
    today = directory.today(profile.timezone if profile else None)
    text, markup = entry_screen(key, contact, draft, today, user_id_of(event))
    await show(
        event, f"{lead}\n\n{text}" if lead else text, markup, edit=isinstance(event, CallbackQuery)
    )


async def step(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Checks for every button inside an entry: staff, rights, the entry being edited.
    Returns (dialogue data, the entry's values with the draft on top)."""
    key = callback_data.entry
    editor = await staff(callback, directory, f"directory {callback_data.action}")
    if editor is None or not await allowed(callback, editor, key, str(callback_data.action)):
        return None
    data = await editing(callback, state, key)
    if data is None:
        return None
    contact = (await directory.current()).contacts[key]
    return data, {**contact.values, **(data.get("draft") or {})}


async def on_back(
    callback: CallbackQuery,
    callback_data: DirCb,
    state: FSMContext,
    directory: DirectoryService,
    profile: Profile | None,
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, _values = found
    await state.set_state(DirectoryFlow.editing)
    await state.update_data(ask=None)
    await show_entry(callback, callback_data.entry, data.get("draft") or {}, directory, profile)


async def on_field(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    _data, values = found
    key, name = callback_data.entry, callback_data.field
    item = spec(key, name)
    if item is None or item.kind == "lines":
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    if item.kind == "text":
        await show(callback, *text_field_screen(key, name, values.get(name)))
        return
    await ask(callback, state, key, {"field": name}, values)


async def ask(
    event: Event, state: FSMContext, key: str, question: dict[str, Any], values: dict[str, Any]
) -> None:
    await state.set_state(DirectoryFlow.typing)
    await state.update_data(ask=question)
    await show(event, *prompt(key, question, values), edit=isinstance(event, CallbackQuery))


async def on_lang(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    _data, values = found
    key, name, code = callback_data.entry, callback_data.field, callback_data.value
    item = spec(key, name)
    if item is None or item.kind != "text" or code not in LOCALES:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    await ask(callback, state, key, {"field": name, "lang": code}, values)


def line_index(value: str, values: dict[str, Any]) -> int | None:
    lines = values.get("lines") or []
    if value.isdecimal() and int(value) < len(lines):
        return int(value)
    return None


async def on_line(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, values = found
    key = callback_data.entry
    lines = list(values.get("lines") or [])
    if spec(key, "lines") is None:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    if callback_data.value == "new":
        if len(lines) >= MAX_LINES:
            await callback.answer(
                _("At most {count} numbers.").format(count=MAX_LINES), show_alert=True
            )
            return
        lines.append({"number": "", "service": {code: "" for code in LOCALES}})
        await state.update_data(draft={**(data.get("draft") or {}), "lines": lines})
        question = {"field": "lines", "line": len(lines) - 1, "part": "number"}
        await ask(callback, state, key, question, {**values, "lines": lines})
        return
    index = line_index(callback_data.value, values)
    if index is None:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    await state.set_state(DirectoryFlow.editing)
    await show(callback, *line_screen(key, index, lines[index]))


async def on_part(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    _data, values = found
    position, _dot, part = callback_data.value.partition(".")
    index = line_index(position, values)
    if index is None or part not in ("number", *LOCALES):
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    question = {"field": "lines", "line": index, "part": part}
    await ask(callback, state, callback_data.entry, question, values)


async def on_remove(
    callback: CallbackQuery,
    callback_data: DirCb,
    state: FSMContext,
    directory: DirectoryService,
    profile: Profile | None,
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, values = found
    index = line_index(callback_data.value, values)
    if index is None:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    lines = [line for i, line in enumerate(values["lines"]) if i != index]
    draft = {**(data.get("draft") or {}), "lines": lines}
    await state.set_state(DirectoryFlow.editing)
    await state.update_data(draft=draft, ask=None)
    await show_entry(callback, callback_data.entry, draft, directory, profile)


async def on_clear(
    callback: CallbackQuery,
    callback_data: DirCb,
    state: FSMContext,
    directory: DirectoryService,
    profile: Profile | None,
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, _values = found
    item = spec(callback_data.entry, callback_data.field)
    if item is None or item.required or item.kind == "lines":
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    draft = {**(data.get("draft") or {}), item.name: [] if item.kind == "phones" else None}
    await state.set_state(DirectoryFlow.editing)
    await state.update_data(draft=draft, ask=None)
    await show_entry(callback, callback_data.entry, draft, directory, profile)


async def on_file(
    callback: CallbackQuery,
    callback_data: DirCb,
    state: FSMContext,
    directory: DirectoryService,
    profile: Profile | None,
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, _values = found
    key, name = callback_data.entry, callback_data.field
    contact = (await directory.current()).contacts[key]
    if name not in contact.file_changed:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    draft = {**(data.get("draft") or {}), name: contact.file_changed[name]}
    await state.set_state(DirectoryFlow.editing)
    await state.update_data(draft=draft, ask=None)
    await show_entry(callback, key, draft, directory, profile)


# --- preview and save -------------------------------------------------------------------------


async def on_preview(
    callback: CallbackQuery,
    callback_data: DirCb,
    state: FSMContext,
    directory: DirectoryService,
    profile: Profile | None,
    i18n: I18n,
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, _values = found
    key = callback_data.entry
    screen, _dot, locale = callback_data.value.partition(".")
    if screen not in screens_of(key) or locale not in LOCALES:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    today = directory.today(profile.timezone if profile else None)
    future = with_draft(await directory.current(), key, data.get("draft") or {}, today)
    with i18n.use_locale(locale):
        body = user_screen(key, screen, future)
    await show(callback, *preview_screen(key, screen, locale, body))


async def on_save(
    callback: CallbackQuery,
    callback_data: DirCb,
    state: FSMContext,
    directory: DirectoryService,
    profile: Profile | None,
    i18n: I18n,
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, values = found
    key = callback_data.entry
    draft = data.get("draft") or {}
    missing = gaps(key, values)
    if missing:
        await show_entry(callback, key, draft, directory, profile, lead=gaps_text(missing))
        return
    today = directory.today(profile.timezone if profile else None)
    future = with_draft(await directory.current(), key, draft, today)
    for screen in screens_of(key):
        for locale in LOCALES:
            with i18n.use_locale(locale):
                length = measured(user_screen(key, screen, future))
            if length > MESSAGE_LIMIT:
                lead = too_long_text(screen, locale, length, MESSAGE_LIMIT)
                await show_entry(callback, key, draft, directory, profile, lead=lead)
                return
    changes = await directory.save(key, draft, callback.from_user.id, today)
    await state.clear()
    changed = sum(1 for change in changes if change.action == "edit")
    await show(
        callback,
        saved_text(key, changed, today),
        column([(_("◀️ Directory"), DirCb(action=DirAction.home))]),
    )


async def on_drop(callback: CallbackQuery, state: FSMContext, directory: DirectoryService):
    editor = await staff(callback, directory, "directory")
    if editor is None:
        return
    await state.clear()
    await show(callback, *home_screen(editor, await directory.current(), directory.today()))


# --- typed values ------------------------------------------------------------------------------


def typed_value(
    key: str, question: dict[str, Any], values: dict[str, Any], text: str
) -> tuple[str, Any] | str:
    """(field, its new value) from what staff typed for `question`, or why it is refused."""
    name = question.get("field", "")
    item = spec(key, name)
    if item is None:
        return refused_text(Refused("empty"))
    if item.kind == "lines":
        index, part = question.get("line"), question.get("part")
        lines = [dict(line) for line in values.get("lines") or []]
        if not isinstance(index, int) or not 0 <= index < len(lines):
            return refused_text(Refused("empty"))
        line = lines[index]
        if part == "number":
            number = check.service_number(text, region_of(key))
            if isinstance(number, Refused):
                return refused_text(number, text[:QUOTED])
            line["number"] = number
        else:
            service = check.text(text, SERVICE_LIMIT)
            if isinstance(service, Refused):
                return refused_text(service)
            line["service"] = {**(line.get("service") or {}), str(part): service}
        lines[index] = line
        return name, lines
    if item.kind == "text":
        value = check.text(text, item.limit)
        if isinstance(value, Refused):
            return refused_text(value)
        current = values.get(name) or {code: "" for code in LOCALES}
        return name, {**current, str(question.get("lang")): value}
    if item.kind == "phones":
        typed = [part.strip() for part in PHONE_SEPARATORS.split(text) if part.strip()]
        if len(typed) > MAX_PHONES:
            return too_many_phones()
        numbers = []
        for part in typed:
            number = check.phone(part, region_of(key))
            if isinstance(number, Refused):
                return refused_text(number, part[:QUOTED])
            numbers.append(number)
        return (name, numbers) if numbers else refused_text(Refused("empty"))
    checker = {
        "phone": lambda value: check.phone(value, region_of(key)),
        "email": check.email,
        "url": check.url,
    }[item.kind]
    value = checker(text)
    if isinstance(value, Refused):
        return refused_text(value)
    return name, value


async def on_typed(
    message: Message, state: FSMContext, directory: DirectoryService, profile: Profile | None
):
    editor = await staff(message, directory, "directory value")
    if editor is None:
        return
    data = await state.get_data()
    key = str(data.get("entry") or "")
    if not await allowed(message, editor, key, "typed value"):
        await state.clear()
        return
    question = data.get("ask") or {}
    contact = (await directory.current()).contacts[key]
    draft = dict(data.get("draft") or {})
    values = {**contact.values, **draft}
    if message.text is None:
        await message.answer(_("Please send it as text."))
        await show(message, *prompt(key, question, values))
        return
    result = typed_value(key, question, values, message.text)
    if isinstance(result, str):
        await message.answer(result)
        await show(message, *prompt(key, question, values))
        return
    name, value = result
    draft[name] = value
    await state.set_state(DirectoryFlow.editing)
    await state.update_data(draft=draft, ask=None)
    values = {**contact.values, **draft}
    item = spec(key, name)
    if item is not None and item.kind == "text":
        await show(message, *text_field_screen(key, name, value))
    elif item is not None and item.kind == "lines":
        index = int(question.get("line") or 0)
        await show(message, *line_screen(key, index, values["lines"][index]))
    else:
        await show_entry(message, key, draft, directory, profile)


async def ask_editing(event: Event, state: FSMContext, directory: DirectoryService, **extra: Any):
    data = await state.get_data()
    key = str(data.get("entry") or "")
    editor = await staff(event, directory, "directory")
    if editor is None or not await allowed(event, editor, key, "edit"):
        await state.clear()
        return
    await show_entry(event, key, data.get("draft") or {}, directory, extra.get("profile"))


async def ask_typing(event: Event, state: FSMContext, directory: DirectoryService, **extra: Any):
    data = await state.get_data()
    key = str(data.get("entry") or "")
    editor = await staff(event, directory, "directory")
    if editor is None or not await allowed(event, editor, key, "edit"):
        await state.clear()
        return
    contact = (await directory.current()).contacts[key]
    values = {**contact.values, **(data.get("draft") or {})}
    await show(event, *prompt(key, data.get("ask") or {}, values), edit=False)


# --- history and revert -----------------------------------------------------------------------


async def show_history(
    event: Event, editor: Editor, directory: DirectoryService, profile: Profile | None
) -> None:
    changes = await directory.history(editor, limit=8)
    text, markup = history_screen(changes, editor, zone_of(profile, directory))
    await show(event, text, markup)


async def on_history(
    callback: CallbackQuery, state: FSMContext, directory: DirectoryService, profile: Profile | None
):
    editor = await staff(callback, directory, "directory history")
    if editor is None:
        return
    await state.clear()
    await show_history(callback, editor, directory, profile)


async def on_revert(
    callback: CallbackQuery,
    callback_data: DirCb,
    directory: DirectoryService,
    profile: Profile | None,
):
    editor = await staff(callback, directory, "directory revert")
    if editor is None:
        return
    if not editor.admin:
        await refuse(callback, f"directory revert #{callback_data.id} (not an admin)")
        return
    change = await directory.change(callback_data.id)
    if change is None or not change.field:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    zone = zone_of(profile, directory)
    if callback_data.value != "yes":
        await show(callback, *revert_question(change, editor.staff_id, zone))
        return
    undo = await directory.revert(change.id, editor.staff_id)
    if undo is None:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    await callback.answer(_("↩️ Reverted. Users see it now."))
    await show_history(callback, editor, directory, profile)


def build_router(wiring: Wiring) -> Router:
    router = Router(name="directory")
    cb = DirCb.filter
    action = F.action
    router.message.register(on_directory, Command("directory"))
    router.callback_query.register(on_home, cb(action == DirAction.home))
    router.callback_query.register(on_group, cb(action == DirAction.group))
    router.callback_query.register(on_entry, cb(action == DirAction.entry))
    router.callback_query.register(on_back, cb(action == DirAction.back))
    router.callback_query.register(on_field, cb(action == DirAction.field))
    router.callback_query.register(on_lang, cb(action == DirAction.lang))
    router.callback_query.register(on_line, cb(action == DirAction.line))
    router.callback_query.register(on_part, cb(action == DirAction.part))
    router.callback_query.register(on_remove, cb(action == DirAction.remove))
    router.callback_query.register(on_clear, cb(action == DirAction.clear))
    router.callback_query.register(on_file, cb(action == DirAction.file))
    router.callback_query.register(on_preview, cb(action == DirAction.preview))
    router.callback_query.register(on_save, cb(action == DirAction.save))
    router.callback_query.register(on_drop, cb(action == DirAction.drop))
    router.callback_query.register(on_history, cb(action == DirAction.history))
    router.callback_query.register(on_revert, cb(action == DirAction.revert))
    router.message.register(on_typed, StateFilter(DirectoryFlow.typing), not_a_command)
    wiring.prompt(DirectoryFlow.editing, ask_editing)
    wiring.prompt(DirectoryFlow.typing, ask_typing)
    return router
