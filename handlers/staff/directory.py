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
    Contact,
    Directory,
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
    HISTORY,
    entry_screen,
    gaps_text,
    group_screen,
    history_screen,
    home_screen,
    line_screen,
    measured,
    overtaken_text,
    preview_screen,
    prompt,
    refused_text,
    revert_question,
    saved_text,
    screens_of,
    text_field_screen,
    too_long_text,
    too_many_phones,
    unsaved_question,
    user_screen,
    with_draft,
)
from handlers.views.ui import column, out_of_date_text, show, user_id_of
from handlers.wiring import Wiring

Event = Message | CallbackQuery
PHONE_SEPARATORS = re.compile(r"[\n,;]+")
QUOTED = 30  # characters of a refused value quoted back


class DirectoryFlow(StatesGroup):
    editing = State()  # data: entry, draft (field -> value), base (field -> value when drafted)
    typing = State()  # data: entry, draft, base, ask (field, and lang or line and part)


STEPS = (DirectoryFlow.editing.state, DirectoryFlow.typing.state)


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
    if await state.get_state() in STEPS and data.get("entry") == key:
        return data
    await callback.answer(out_of_date_text(), show_alert=True)
    return None


async def unsaved(state: FSMContext, editor: Editor) -> str | None:
    """The entry with changes not saved yet, if any (and still the editor's to edit)."""
    data = await state.get_data()
    key = str(data.get("entry") or "")
    if await state.get_state() in STEPS and data.get("draft") and editor.may_edit(key):
        return key if key in seed() else None
    return None


def drafting(data: dict[str, Any], contact: Contact, name: str, value: Any) -> dict[str, Any]:
    """The dialogue data with `value` drafted for field `name`, remembering what the field
    held when first drafted: a save sees whether someone else changed it meanwhile."""
    base = dict(data.get("base") or {})
    base.setdefault(name, contact.values.get(name))
    return {"draft": {**(data.get("draft") or {}), name: value}, "base": base, "ask": None}


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
    await show_home(message, state, editor, directory)


async def show_home(
    event: Event, state: FSMContext, editor: Editor, directory: DirectoryService
) -> None:
    """The entries the editor may edit; first, changes not saved yet, if any."""
    now = await directory.current()
    key = await unsaved(state, editor)
    if key is not None:
        draft = (await state.get_data()).get("draft") or {}
        await show(event, *unsaved_question(key, {**now.contacts[key].values, **draft}))
        return
    await state.clear()
    await show(event, *home_screen(editor, now, directory.today()))


async def on_home(callback: CallbackQuery, state: FSMContext, directory: DirectoryService):
    editor = await staff(callback, directory, "directory")
    if editor is not None:
        await show_home(callback, state, editor, directory)


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
):
    key = callback_data.entry
    editor = await staff(callback, directory, "directory entry")
    if editor is None or not await allowed(callback, editor, key, "edit"):
        return
    data = await state.get_data()
    if await state.get_state() in STEPS and data.get("entry") == key:  # still editing it
        await state.set_state(DirectoryFlow.editing)
        await show_entry(callback, key, data.get("draft") or {}, directory)
        return
    other = await unsaved(state, editor)
    if other is not None:
        now = await directory.current()
        values = {**now.contacts[other].values, **(data.get("draft") or {})}
        await show(callback, *unsaved_question(other, values))
        return
    await state.set_state(DirectoryFlow.editing)
    await state.set_data({"entry": key, "draft": {}, "base": {}})
    await show_entry(callback, key, {}, directory)


async def show_entry(
    event: Event,
    key: str,
    draft: dict[str, Any],
    directory: DirectoryService,
    lead: str | None = None,
) -> None:
    contact = (await directory.current()).contacts[key]
    text, markup = entry_screen(key, contact, draft, directory.today(), user_id_of(event), lead)
    await show(event, text, markup, edit=isinstance(event, CallbackQuery))


async def step(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
) -> tuple[dict[str, Any], Contact, dict[str, Any]] | None:
    """Checks for every button inside an entry: staff, rights, the entry being edited.
    Returns (dialogue data, the entry as users see it, its values with the draft on top)."""
    key = callback_data.entry
    editor = await staff(callback, directory, f"directory {callback_data.action}")
    if editor is None or not await allowed(callback, editor, key, str(callback_data.action)):
        return None
    data = await editing(callback, state, key)
    if data is None:
        return None
    contact = (await directory.current()).contacts[key]
    return data, contact, {**contact.values, **(data.get("draft") or {})}


async def on_back(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, _contact, _values = found
    await state.set_state(DirectoryFlow.editing)
    await state.update_data(ask=None)
    await show_entry(callback, callback_data.entry, data.get("draft") or {}, directory)


async def on_field(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    _data, _contact, values = found
    key, name = callback_data.entry, callback_data.field
    item = spec(key, name)
    if item is None or item.kind == "lines":
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    if item.kind == "text":
        await state.set_state(DirectoryFlow.editing)
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
    _data, _contact, values = found
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
    data, contact, values = found
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
        await state.update_data(**drafting(data, contact, "lines", lines))
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
    _data, _contact, values = found
    position, _dot, part = callback_data.value.partition(".")
    index = line_index(position, values)
    if index is None or part not in ("number", *LOCALES):
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    question = {"field": "lines", "line": index, "part": part}
    await ask(callback, state, callback_data.entry, question, values)


async def redraft(
    callback: CallbackQuery,
    state: FSMContext,
    directory: DirectoryService,
    data: dict[str, Any],
    contact: Contact,
    name: str,
    value: Any,
) -> None:
    """Draft `value` for field `name`, and show the entry again."""
    update = drafting(data, contact, name, value)
    await state.set_state(DirectoryFlow.editing)
    await state.update_data(**update)
    await show_entry(callback, contact.key, update["draft"], directory)


async def on_remove(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, contact, values = found
    index = line_index(callback_data.value, values)
    if index is None:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    lines = [line for i, line in enumerate(values["lines"]) if i != index]
    await redraft(callback, state, directory, data, contact, "lines", lines)


async def on_clear(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, contact, _values = found
    item = spec(callback_data.entry, callback_data.field)
    if item is None or item.required or item.kind == "lines":
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    empty: list[str] | None = [] if item.kind == "phones" else None
    await redraft(callback, state, directory, data, contact, item.name, empty)


async def on_file(
    callback: CallbackQuery, callback_data: DirCb, state: FSMContext, directory: DirectoryService
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, contact, _values = found
    name = callback_data.field
    if name not in contact.file_changed:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    await redraft(callback, state, directory, data, contact, name, contact.file_changed[name])


# --- preview and save -------------------------------------------------------------------------


def not_ready(key: str, values: dict[str, Any], future: Directory, i18n: I18n) -> str | None:
    """Why the draft can be neither previewed nor saved, if so: what is still missing, or a
    user screen that would not fit one message (SOS measured with its longer first line,
    for when the desk cannot be reached)."""
    missing = gaps(key, values)
    if missing:
        return gaps_text(missing)
    for screen in screens_of(key):
        for locale in LOCALES:
            with i18n.use_locale(locale):
                length = measured(user_screen(key, screen, future, longest=True))
            if length > MESSAGE_LIMIT:  # said in the staff member's language
                return too_long_text(screen, locale, length, MESSAGE_LIMIT)
    return None


async def on_preview(
    callback: CallbackQuery,
    callback_data: DirCb,
    state: FSMContext,
    directory: DirectoryService,
    i18n: I18n,
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, _contact, values = found
    key = callback_data.entry
    screen, _dot, locale = callback_data.value.partition(".")
    if screen not in screens_of(key) or locale not in LOCALES:
        await callback.answer(out_of_date_text(), show_alert=True)
        return
    draft = data.get("draft") or {}
    future = with_draft(await directory.current(), key, draft, directory.today())
    reason = not_ready(key, values, future, i18n)
    if reason is not None:
        await show_entry(callback, key, draft, directory, lead=reason)
        return
    with i18n.use_locale(locale):
        body = user_screen(key, screen, future)
    await show(callback, *preview_screen(key, screen, locale, body))


async def on_save(
    callback: CallbackQuery,
    callback_data: DirCb,
    state: FSMContext,
    directory: DirectoryService,
    i18n: I18n,
):
    found = await step(callback, callback_data, state, directory)
    if found is None:
        return
    data, _contact, values = found
    key = callback_data.entry
    draft = data.get("draft") or {}
    today = directory.today()
    reason = not_ready(key, values, with_draft(await directory.current(), key, draft, today), i18n)
    if reason is not None:
        await show_entry(callback, key, draft, directory, lead=reason)
        return
    saved = await directory.save(key, draft, data.get("base") or {}, callback.from_user.id, today)
    if saved.overtaken:  # a second Save replaces what the other saved
        base = {**(data.get("base") or {}), **saved.overtaken}
        await state.update_data(base=base)
        await show_entry(callback, key, draft, directory, lead=overtaken_text(saved.overtaken))
        return
    await state.clear()
    changed = sum(1 for change in saved.changes if change.action == "edit")
    await show(
        callback,
        saved_text(key, changed, today),
        column([(_("◀️ Directory"), DirCb(action=DirAction.home))]),
    )


async def on_drop(callback: CallbackQuery, state: FSMContext, directory: DirectoryService):
    """Leave the entry; what was not saved goes."""
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


async def on_typed(message: Message, state: FSMContext, directory: DirectoryService):
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
    values = {**contact.values, **(data.get("draft") or {})}
    if spec(key, str(question.get("field") or "")) is None:  # no question open: the entry
        await state.set_state(DirectoryFlow.editing)
        await show_entry(message, key, data.get("draft") or {}, directory)
        return
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
    update = drafting(data, contact, name, value)
    await state.set_state(DirectoryFlow.editing)
    await state.update_data(**update)
    item = spec(key, name)
    if item is not None and item.kind == "text":
        await show(message, *text_field_screen(key, name, value))
    elif item is not None and item.kind == "lines":
        index = int(question.get("line") or 0)
        await show(message, *line_screen(key, index, value[index]))
    else:
        await show_entry(message, key, update["draft"], directory)


async def ask_editing(event: Event, state: FSMContext, directory: DirectoryService, **extra: Any):
    data = await state.get_data()
    key = str(data.get("entry") or "")
    editor = await staff(event, directory, "directory")
    if editor is None or not await allowed(event, editor, key, "edit"):
        await state.clear()
        return
    await show_entry(event, key, data.get("draft") or {}, directory)


async def ask_typing(event: Event, state: FSMContext, directory: DirectoryService, **extra: Any):
    data = await state.get_data()
    key = str(data.get("entry") or "")
    editor = await staff(event, directory, "directory")
    if editor is None or not await allowed(event, editor, key, "edit"):
        await state.clear()
        return
    contact = (await directory.current()).contacts[key]
    values = {**contact.values, **(data.get("draft") or {})}
    question = data.get("ask") or {}
    if spec(key, str(question.get("field") or "")) is None:
        await state.set_state(DirectoryFlow.editing)
        await show_entry(event, key, data.get("draft") or {}, directory)
        return
    await show(event, *prompt(key, question, values), edit=False)


# --- history and revert -----------------------------------------------------------------------


async def show_history(
    event: Event,
    editor: Editor,
    directory: DirectoryService,
    profile: Profile | None,
    before: int = 0,
    lead: str | None = None,
) -> None:
    """The changes the editor may see, newest first (older than `before`); a dialogue
    under way is kept."""
    changes = await directory.history(editor, limit=HISTORY + 1, before=before)
    more = len(changes) > HISTORY
    text, markup = history_screen(
        changes[:HISTORY],
        editor,
        zone_of(profile, directory),
        more=more,
        paged=bool(before),
        lead=lead,
    )
    await show(event, text, markup)


async def on_history(
    callback: CallbackQuery,
    callback_data: DirCb,
    directory: DirectoryService,
    profile: Profile | None,
):
    editor = await staff(callback, directory, "directory history")
    if editor is not None:
        await show_history(callback, editor, directory, profile, before=callback_data.id)


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
    lead = _("↩️ Reverted #{number}. Users see it now.").format(number=change.id)
    await show_history(callback, editor, directory, profile, lead=lead)


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
    wiring.question(DirectoryFlow.editing, ask_editing)
    wiring.prompt(DirectoryFlow.typing, ask_typing)
    return router
