"""How the directory reads for staff: the entries they may edit with their confirmation
state, an entry being edited, a field, one number of a list, the preview, the history, and
the monthly notice of entries nobody confirmed for 180 days (`DirectoryView`)."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot import LOCALES
from bot.content.countries import country_in_sentence, country_name
from bot.content.directory import (
    GENERAL,
    HELP_LINES,
    MAX_LINES,
    MAX_PHONES,
    Contact,
    Directory,
    Gap,
    fields_of,
    spec,
)
from bot.i18n import speaking
from bot.rules.contacts import Refused
from bot.services.directory import Editor
from bot.services.facts import Overdue
from handlers.views.abroad import GENERAL as GENERAL_PAGE
from handlers.views.abroad import MESSAGE_LIMIT, rights_page_text, sos_text, visible
from handlers.views.callbacks import DirAction, DirCb
from handlers.views.contacts import help_lines_text
from handlers.views.facts import overdue_summary, overdue_text
from handlers.views.facts import title as fact_title
from handlers.views.guide import day_text, short_day
from handlers.views.moments import moment
from handlers.views.ui import LANGUAGE_NAMES, Button, current_locale, keyboard

SHOWN = 40  # characters of a value in the history
ENTRY_SHOWN = 120  # characters of a value on the entry screen
HISTORY = 8  # changes on one screen
NOTICE_LINES = 25
FACT_LINES = 4  # overdue facts named in the monthly notice (the rest counted)
GROUPS = {"m": __("🏛 Missions of Kazakhstan"), "e": __("🚨 Emergency numbers abroad")}
FIELD_LABELS = {
    "name": __("Name"),
    "address": __("Address"),
    "phones": __("Phones"),
    "email": __("E-mail"),
    "hours": __("Opening hours"),
    "emergency": __("Emergency line"),
    "map": __("Map link"),
    "lines": __("Numbers"),
}
LANGUAGE_IN = {  # "Send the address in …"
    "kk": __("in Kazakh"),
    "ru": __("in Russian"),
    "en": __("in English"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def entry_label(key: str) -> str:
    """Short, for a button or a list line: "🏛 Korea", "🚨 Korea", "☎️ Help lines…"."""
    if key == HELP_LINES:
        return _("☎️ Help lines in Kazakhstan")
    if key == f"e.{GENERAL}":
        return _("🚨 General emergency numbers")
    country = country_name(key[2:], current_locale())
    return f"🏛 {country}" if key.startswith("m.") else f"🚨 {country}"


def entry_title(key: str, values: dict[str, Any]) -> str:
    if key.startswith("m."):
        name = values.get("name") or {}
        return html.escape(str(name.get(current_locale()) or name.get("en") or key))
    if key == HELP_LINES or key == f"e.{GENERAL}":
        return entry_label(key)
    return _("🚨 Emergency numbers in {country}").format(
        country=country_in_sentence(key[2:], current_locale())
    )


def mark(contact: Contact, today: date) -> str:
    if contact.checked_on is None:
        return "⚠️"
    return "⏳" if contact.stale(today) else "✅"


def who(staff_id: int | None, viewer: int) -> str:
    if staff_id is None:
        return _("deleted staff")
    if staff_id == viewer:
        return _("you")
    return _("staff {id}").format(id=staff_id)


def status_line(contact: Contact, today: date, viewer: int) -> str:
    if contact.checked_on is None:
        return _("⚠️ Never confirmed by staff.")
    day = day_text(contact.checked_on)
    if contact.confirmed_by_staff:
        text = _("Last confirmed on {date} by {who}.").format(
            date=day, who=who(contact.confirmed_by, viewer)
        )
    else:
        text = _("Last checked on {date}, from the shipped guide's sources.").format(date=day)
    if contact.stale(today):
        return _("⏳ {status} Over 180 days ago: please check and confirm.").format(status=text)
    return f"✅ {text}"


def legend() -> str:
    return _("✅ confirmed in the last 180 days · ⏳ older · ⚠️ never confirmed")


# --- lists --------------------------------------------------------------------------------------


def home_screen(
    editor: Editor, directory: Directory, today: date
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        _(
            "🗂 <b>Directory</b>: the contacts users call from SOS, the rights pages and the "
            "help lines."
        ),
        legend(),
        "",
    ]
    rows: list[list[Button]] = []
    if editor.admin:
        for group, label in GROUPS.items():
            found = [c for k, c in directory.contacts.items() if k.startswith(f"{group}.")]
            lines.append(f"{label}: {counts(found, today)}")
            rows.append([(str(label), DirCb(action=DirAction.group, value=group))])
        lines.append(list_line(HELP_LINES, directory.contacts[HELP_LINES], today))
        rows.append([(entry_label(HELP_LINES), DirCb(action=DirAction.entry, entry=HELP_LINES))])
    else:
        mine = sorted(k for k in directory.contacts if editor.may_edit(k))
        for key in mine:
            lines.append(list_line(key, directory.contacts[key], today))
            rows.append([(entry_label(key), DirCb(action=DirAction.entry, entry=key))])
        if not mine:
            lines.append(_("Your countries have no entries in the directory yet: ask an admin."))
    rows.append([(_("📜 History of changes"), DirCb(action=DirAction.history))])
    return "\n".join(lines), keyboard(*rows)


def list_line(key: str, contact: Contact, today: date) -> str:
    when = short_day(contact.checked_on) if contact.checked_on else _("never confirmed")
    return f"{mark(contact, today)} {entry_label(key)} — {when}"


def counts(contacts: list[Contact], today: date) -> str:
    marks = [mark(c, today) for c in contacts]
    return " · ".join(f"{m} {marks.count(m)}" for m in ("✅", "⏳", "⚠️") if marks.count(m))


def group_screen(group: str, directory: Directory, today: date) -> tuple[str, InlineKeyboardMarkup]:
    keys = sorted(
        (k for k in directory.contacts if k.startswith(f"{group}.")),
        key=lambda k: (k.endswith(GENERAL), entry_label(k)),
    )
    lines = [f"<b>{GROUPS[group]}</b>", legend(), ""]
    buttons: list[Button] = []
    for key in keys:
        contact = directory.contacts[key]
        lines.append(list_line(key, contact, today))
        buttons.append(
            (f"{mark(contact, today)} {entry_label(key)}", DirCb(action=DirAction.entry, entry=key))
        )
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(_("◀️ Directory"), DirCb(action=DirAction.home))])
    return "\n".join(lines), keyboard(*rows)


# --- an entry being edited -------------------------------------------------------------------


def shown(name: str, value: Any, locale: str | None = None, limit: int = 0) -> str:
    """A field's value in one line (clipped to `limit` characters, then escaped), in the
    reader's language for texts."""
    item = spec_kind(name)
    if value in (None, "", []):
        return "—"
    if item == "text" and isinstance(value, dict):
        text = str(value.get(locale or current_locale()) or "")
    elif item == "lines" and isinstance(value, list):
        text = ", ".join(str(line.get("number") or "?") for line in value)
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text) or "—"


def spec_kind(name: str) -> str:
    for key in ("m.XX", "e.XX"):
        found = spec(key, name)
        if found is not None:
            return found.kind
    return "text"


def entry_screen(
    key: str,
    contact: Contact,
    draft: dict[str, Any],
    today: date,
    viewer: int,
    lead: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The entry being edited: its fields (✏️ drafted), the file's newer values, and the
    buttons; values are clipped shorter until the screen fits one message."""
    values = {**contact.values, **draft}
    for limit in (ENTRY_SHOWN, 60, 30, 12):
        text = "\n".join(entry_lines(key, contact, draft, values, today, viewer, limit))
        text = f"{lead}\n\n{text}" if lead else text
        if measured(text) <= MESSAGE_LIMIT:
            break
    return text, entry_markup(key, contact, draft, values)


def entry_lines(
    key: str,
    contact: Contact,
    draft: dict[str, Any],
    values: dict[str, Any],
    today: date,
    viewer: int,
    limit: int,
) -> list[str]:
    lines = [f"✏️ <b>{entry_title(key, values)}</b>", status_line(contact, today, viewer), ""]
    for item in fields_of(key):
        changed = "✏️ " if item.name in draft else ""
        if item.kind == "lines":
            for line in values.get("lines") or []:
                number = html.escape(str(line.get("number") or "?"))
                service = clipped(
                    str((line.get("service") or {}).get(current_locale()) or "…"), limit
                )
                lines.append(f"{changed}☎️ <b>{number}</b> — {service}")
        else:
            value = shown(item.name, values.get(item.name), limit=limit)
            lines.append(f"{changed}<b>{field_label(item.name)}</b>: {value}")
        if item.name in contact.file_changed:
            lines.append(
                _("📄 The shipped file now says: {value}. The staff edit still shows.").format(
                    value=shown(item.name, contact.file_changed[item.name], limit=limit)
                )
            )
    if draft:
        lines += ["", _("✏️ marks what you changed: not saved yet.")]
    lines += [
        "",
        _("Check every field, then Save: users see it at once, marked as confirmed by you today."),
    ]
    return lines


def clipped(text: str, limit: int) -> str:
    return html.escape(text if len(text) <= limit else text[: limit - 1] + "…")


def entry_markup(
    key: str, contact: Contact, draft: dict[str, Any], values: dict[str, Any]
) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = []
    for item in fields_of(key):
        changed = "✏️ " if item.name in draft else ""
        if item.kind == "lines":
            numbers = values.get("lines") or []
            for index, line in enumerate(numbers):
                service = (line.get("service") or {}).get(current_locale()) or "…"
                label = f"{line.get('number') or '?'} — {service}"
                rows.append(
                    [(label[:40], DirCb(action=DirAction.line, entry=key, value=str(index)))]
                )
            if len(numbers) < MAX_LINES:
                rows.append(
                    [(_("➕ Add a number"), DirCb(action=DirAction.line, entry=key, value="new"))]
                )
        else:
            field = DirCb(action=DirAction.field, entry=key, field=item.name)
            rows.append([(f"{changed}{field_label(item.name)}", field)])
        if item.name in contact.file_changed:
            label = _("📄 Take the file's {field}").format(field=field_label(item.name))
            rows.append([(label, DirCb(action=DirAction.file, entry=key, field=item.name))])
    rows = pair(rows)
    preview = f"{first_screen(key)}.{current_locale()}"
    rows.append([(_("👁 Preview"), DirCb(action=DirAction.preview, entry=key, value=preview))])
    rows.append([(_("✅ Save and confirm"), DirCb(action=DirAction.save, entry=key))])
    rows.append([(_("✖️ Leave without saving"), DirCb(action=DirAction.drop, entry=key))])
    return keyboard(*rows)


def pair(rows: list[list[Button]]) -> list[list[Button]]:
    """Field buttons two to a row, so the entry fits a phone's screen."""
    flat = [row[0] for row in rows]
    return [flat[i : i + 2] for i in range(0, len(flat), 2)]


def text_field_screen(key: str, name: str, value: Any) -> tuple[str, InlineKeyboardMarkup]:
    item = spec(key, name)
    lines = [f"✏️ <b>{field_label(name)}</b>", ""]
    for code in LOCALES:
        lines.append(f"{LANGUAGE_NAMES[code]}: {shown(name, value, code)}")
    lines += ["", _("Choose the language to write it in.")]
    rows: list[list[Button]] = [
        [
            (
                f"✏️ {LANGUAGE_NAMES[code]}",
                DirCb(action=DirAction.lang, entry=key, field=name, value=code),
            )
            for code in LOCALES
        ]
    ]
    if item is not None and not item.required and value is not None:
        rows.append([(_("🗑 Clear"), DirCb(action=DirAction.clear, entry=key, field=name))])
    rows.append([(_("◀️ Back"), DirCb(action=DirAction.back, entry=key))])
    return "\n".join(lines), keyboard(*rows)


def line_screen(key: str, index: int, line: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    service = line.get("service") or {}
    lines = [
        _("☎️ <b>Number {position}</b>").format(position=index + 1),
        "",
        _("Number: {number}").format(number=html.escape(str(line.get("number") or "—"))),
    ]
    for code in LOCALES:
        lines.append(f"{LANGUAGE_NAMES[code]}: {html.escape(str(service.get(code) or '—'))}")
    rows: list[list[Button]] = [
        [(_("✏️ Number"), DirCb(action=DirAction.part, entry=key, value=f"{index}.number"))],
        [
            (
                f"✏️ {LANGUAGE_NAMES[code]}",
                DirCb(action=DirAction.part, entry=key, value=f"{index}.{code}"),
            )
            for code in LOCALES
        ],
        [(_("🗑 Remove this number"), DirCb(action=DirAction.remove, entry=key, value=str(index)))],
        [(_("◀️ Back"), DirCb(action=DirAction.back, entry=key))],
    ]
    return "\n".join(lines), keyboard(*rows)


def prompt(
    key: str, ask: dict[str, Any], values: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    """What to type for the field (or the part of a number) in `ask`."""
    name = ask.get("field", "")
    code = ask.get("lang")
    rows: list[list[Button]] = []
    if name == "lines":
        part = ask.get("part")
        if part == "number":
            text = _(
                "Send the number as people dial it there: a short number (112) or a full one "
                "(with + and the country code if it is not a local number)."
            )
        else:
            text = _("Send what this number is for, {language}, up to {limit} characters.").format(
                language=LANGUAGE_IN[str(part)], limit=150
            )
    elif code in LOCALES:
        item = spec(key, name)
        text = _("Send the {field} {language}, up to {limit} characters.").format(
            field=field_label(name).lower(),
            language=LANGUAGE_IN[code],
            limit=item.limit if item else 0,
        )
        current = shown(name, values.get(name), code)
        if current != "—":
            text += "\n" + _("Now: {value}").format(value=current)
    else:
        item = spec(key, name)
        kind = item.kind if item else ""
        text = {
            "phones": _(
                "Send the phone numbers, one per line, up to {count}, with the country code: "
                "+82 2 379 9714. A number without + is read as a number in the mission's country."
            ).format(count=MAX_PHONES),
            "phone": _(
                "Send the emergency line of the consulate with the country code: +82 10 1234 5678."
            ),
            "email": _("Send the e-mail address: consul@example.kz."),
            "url": _("Send the link to the mission on a map (https://…)."),
        }.get(kind, "")
        current = shown(name, values.get(name))
        if current != "—":
            text += "\n" + _("Now: {value}").format(value=current)
            rows.append([(_("🗑 Clear"), DirCb(action=DirAction.clear, entry=key, field=name))])
    rows.append([(_("◀️ Back"), DirCb(action=DirAction.back, entry=key))])
    return text, keyboard(*rows)


def refused_text(refused: Refused, what: str = "") -> str:
    prefix = f"{html.escape(what)}: " if what else ""
    reason = {
        "phone_unreadable": _(
            "this is not a phone number. Use digits, with + and the country code."
        ),
        "phone_length": _("this number has too few or too many digits for its country."),
        "phone_invalid": _(
            "no such number exists in its country's numbering plan: check the digits and "
            "the country code."
        ),
        "email": _("this is not an e-mail address: check the name, the @ and the domain."),
        "url": _("this is not a web link. Send it as https://…"),
        "too_long": _("too long: at most {limit} characters.").format(limit=refused.detail),
        "empty": _("it is empty."),
    }[refused.reason]
    return "⚠️ " + prefix + reason


def too_many_phones() -> str:
    return _("⚠️ At most {count} phone numbers.").format(count=MAX_PHONES)


def gaps_text(found: list[Gap]) -> str:
    lines = [_("⚠️ <b>Not saved yet.</b> Still missing:")]
    for gap in found[:10]:
        missing = ", ".join(part_name(part) for part in gap.missing)
        if gap.line:
            lines.append(
                _("• number {position}: {missing}").format(position=gap.line, missing=missing)
            )
        else:
            lines.append(f"• {field_label(gap.field)}: {missing}")
    return "\n".join(lines)


def part_name(part: str) -> str:
    if part in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[part]
    return _("the number") if part == "number" else part


def too_long_text(screen: str, locale: str, length: int, limit: int) -> str:
    return _(
        "⚠️ <b>Not saved yet.</b> The {screen} in {language} would be {length} characters, "
        "over the {limit} a phone shows in one message: shorten the longest texts."
    ).format(
        screen=screen_name(screen), language=LANGUAGE_NAMES[locale], length=length, limit=limit
    )


def saved_text(key: str, changed: int, today: date) -> str:
    if changed:
        text = _(
            "✅ Saved (fields changed: {count}), confirmed by you on {date}. Users see it now."
        ).format(count=changed, date=day_text(today))
    else:
        text = _(
            "✅ Confirmed by you on {date}, nothing changed. Users see the new date now."
        ).format(date=day_text(today))
    return f"{text}\n{entry_label(key)}"


def overtaken_text(overtaken: dict[str, Any]) -> str:
    lines = [_("⚠️ <b>Not saved yet.</b> Someone else saved these fields while you were editing:")]
    for name, value in overtaken.items():
        lines.append(f"• {field_label(name)}: {shown(name, value, limit=SHOWN)}")
    lines.append(_("Save again to replace them with yours, or change them first."))
    return "\n".join(lines)


def unsaved_question(key: str, values: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    text = _("✏️ You have changes to {entry} that are not saved yet.").format(
        entry=entry_title(key, values)
    )
    return text, keyboard(
        [(_("✏️ Continue editing"), DirCb(action=DirAction.back, entry=key))],
        [(_("🗑 Discard them"), DirCb(action=DirAction.drop, entry=key))],
    )


# --- the preview ---------------------------------------------------------------------------------


def screens_of(key: str) -> tuple[str, ...]:
    """The user screens that show an entry: the rights page and SOS, or the help lines."""
    return ("help",) if key == HELP_LINES else ("rights", "sos")


def first_screen(key: str) -> str:
    return screens_of(key)[0]


def screen_name(screen: str) -> str:
    return {
        "rights": _("rights page"),
        "sos": _("SOS screen"),
        "help": _("help lines screen"),
    }[screen]


def user_screen(key: str, screen: str, directory: Directory, longest: bool = False) -> str:
    """What users see on `screen` with `directory`, in the current language; `longest`:
    SOS as it reads when nobody at the desk can be reached (its longer first line)."""
    if screen == "help":
        return help_lines_text(directory)
    code = key[2:]
    country = None if code == GENERAL else code
    if screen == "sos":
        reached = (
            _(
                "🆘 <b>Your SOS is saved</b> (case #{number}), but nobody at the desk can be "
                "reached right now. Call the numbers below."
            )
            if longest
            else _("🆘 <b>Your SOS reached the attaché desk</b> (case #{number}).")
        ).format(number="12345")
        return sos_text(reached, country, directory, delivered=not longest)
    if country is not None and f"e.{country}" in directory.contacts:
        return rights_page_text(country, directory)
    return rights_page_text(GENERAL_PAGE, directory, country)


def with_draft(directory: Directory, key: str, draft: dict[str, Any], today: date) -> Directory:
    """The directory as users will see it once the draft is saved (and confirmed today)."""
    contact = directory.contacts[key]
    saved = replace(
        contact,
        values={**contact.values, **draft},
        checked_on=today,
        confirmed_by_staff=True,
        file_changed={},
    )
    return Directory({**directory.contacts, key: saved})


def preview_screen(
    key: str, screen: str, locale: str, body: str
) -> tuple[str, InlineKeyboardMarkup]:
    header = f"👁 <i>{screen_name(screen)} · {LANGUAGE_NAMES[locale]}</i>\n\n"
    if measured(header + body) > MESSAGE_LIMIT:  # the screen alone: the buttons say which
        header = ""
    rows: list[list[Button]] = [
        [
            (
                ("• " if code == locale else "") + LANGUAGE_NAMES[code],
                DirCb(action=DirAction.preview, entry=key, value=f"{screen}.{code}"),
            )
            for code in LOCALES
        ]
    ]
    others = [s for s in screens_of(key) if s != screen]
    if others:
        rows.append(
            [
                (
                    f"👁 {screen_name(s)}",
                    DirCb(action=DirAction.preview, entry=key, value=f"{s}.{locale}"),
                )
                for s in others
            ]
        )
    rows.append([(_("✅ Save and confirm"), DirCb(action=DirAction.save, entry=key))])
    rows.append([(_("◀️ Back to editing"), DirCb(action=DirAction.back, entry=key))])
    return header + body, keyboard(*rows)


def measured(text: str) -> int:
    return len(visible(text))


# --- history ---------------------------------------------------------------------------------


def change_line(change: Any, viewer: int, zone: Any) -> str:
    when = moment(change.at, zone)
    head = f"#{change.id} · {when} · {entry_label(change.entry)}"
    by = who(change.staff_id, viewer)
    if change.action == "confirm":
        body = _("confirmed, nothing changed")
    else:
        old, new = (
            shown(change.field, change.old, limit=SHOWN),
            shown(change.field, change.new, limit=SHOWN),
        )
        body = f"{field_label(change.field)}: {old} → {new}"
        if change.action == "revert":
            body = _("reverted #{number}: {change}").format(number=change.reverts, change=body)
    return f"{head}\n{body} · {by}"


def history_screen(
    changes: list[Any],
    editor: Editor,
    zone: Any,
    *,
    more: bool = False,
    paged: bool = False,
    lead: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The changes given, newest first, as many as fit one message; `more`: older ones
    exist, `paged`: these are not the newest."""
    if not changes:
        text = _("📜 No changes to the directory yet.")
        text = f"{lead}\n\n{text}" if lead else text
        shown_changes: list[Any] = []
    else:
        shown_changes = list(changes)
        while True:
            parts = [lead] if lead else []
            parts.append(_("📜 <b>Directory: the latest changes</b>"))
            parts += [change_line(c, editor.staff_id, zone) for c in shown_changes]
            if editor.admin:
                parts.append(
                    _("An admin can revert a change: the field goes back as it was before.")
                )
            text = "\n\n".join(parts)
            if measured(text) <= MESSAGE_LIMIT or len(shown_changes) == 1:
                break
            shown_changes.pop()
            more = True
    rows: list[list[Button]] = []
    if editor.admin:
        buttons: list[Button] = [
            (_("↩️ Revert #{number}").format(number=c.id), DirCb(action=DirAction.revert, id=c.id))
            for c in shown_changes
            if c.field
        ]
        rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    paging: list[Button] = []
    if paged:
        paging.append((_("⏫ Newest"), DirCb(action=DirAction.history)))
    if more and shown_changes:
        paging.append((_("⏬ Older"), DirCb(action=DirAction.history, id=shown_changes[-1].id)))
    if paging:
        rows.append(paging)
    rows.append([(_("◀️ Directory"), DirCb(action=DirAction.home))])
    return text, keyboard(*rows)


def revert_question(change: Any, viewer: int, zone: Any) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n\n".join(
        [
            _("↩️ Revert this change? The field goes back to what it was before it."),
            change_line(change, viewer, zone),
        ]
    )
    return text, keyboard(
        [(_("↩️ Yes, revert"), DirCb(action=DirAction.revert, id=change.id, value="yes"))],
        [(_("◀️ No, back"), DirCb(action=DirAction.history))],
    )


# --- the monthly notice to admins -------------------------------------------------------------


class DirectoryView:
    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    def stale_notice(
        self, contacts: list[Contact], today: date, locale: str, overdue: list[Overdue]
    ) -> str:
        """One monthly notice: the contacts nobody confirmed, and the facts overdue."""
        with speaking(self.i18n, locale):
            lines: list[str] = []
            if contacts:
                lines += [
                    _("🗂 <b>Directory: {count} entries not confirmed for 180 days</b>").format(
                        count=len(contacts)
                    ),
                    _(
                        "Users see these contacts with their last confirmation date. Please "
                        "check each one with the mission or the service, and confirm it in "
                        "/directory."
                    ),
                    "",
                ]
            order = sorted(contacts, key=lambda c: (c.checked_on or date.min, c.key))
            for contact in order[:NOTICE_LINES]:
                when = short_day(contact.checked_on) if contact.checked_on else _("never confirmed")
                extra = " 📄" if contact.file_changed else ""
                lines.append(f"{mark(contact, today)} {entry_label(contact.key)} — {when}{extra}")
            if len(order) > NOTICE_LINES:
                lines.append(_("…and {count} more.").format(count=len(order) - NOTICE_LINES))
            if any(c.file_changed for c in contacts):
                lines += ["", _("📄 The shipped file has a newer value than a staff edit.")]
            if overdue:
                if lines:
                    lines.append("")
                lines.append(overdue_summary(overdue))
                urgent = [item for item in overdue if item.kind != "unconfirmed"]
                lines += [
                    f"• {fact_title(item.name)}: {overdue_text(item)}"
                    for item in urgent[:FACT_LINES]
                ]
                if len(urgent) > FACT_LINES:
                    more = len(urgent) - FACT_LINES
                    lines.append(_("…and {count} more.").format(count=more))
            return "\n".join(lines)
