"""The directory users call from: each mission of Kazakhstan abroad, each country's
emergency numbers, and the help lines for people in Kazakhstan.

The shipped files are the seed (abroad/consulates.json, the emergency numbers of
abroad/countries/*.json and abroad/general.json, helplines.json). Staff edit fields in the
bot; the database keeps each edited field with the file value it was made over, and
`merge` lays the edits on the seed: an edit wins over the file, and a file that changed
since an edit is reported to staff (`Contact.file_changed`), never applied silently.

Entry keys are short, as buttons carry them: "m.KR" the mission in Korea, "e.KR" Korea's
emergency numbers ("e.XX" the general ones), "h.KZ" the help lines in Kazakhstan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, model_validator

from bot.content import load
from bot.content.abroad import (
    EmergencyNumber,
    LocalizedSource,
    Text,
    consulates,
    country_codes,
    country_page,
    general_guide,
)

KEY = re.compile(r"^(m\.[A-Z]{2}|e\.[A-Z]{2}|h\.KZ)$")
GENERAL = "XX"  # the general guide's emergency numbers
HELP_LINES = "h.KZ"
STALE_DAYS = 180  # an entry not confirmed for this long is flagged to admins
MAX_LINES = 8  # numbers in one list
MAX_PHONES = 3  # phones of one mission

Kind = Literal["text", "phones", "phone", "email", "url", "lines"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    required: bool = False
    limit: int = 0  # characters of a text


MISSION_FIELDS = (
    FieldSpec("name", "text", required=True, limit=150),
    FieldSpec("address", "text", limit=200),
    FieldSpec("phones", "phones"),
    FieldSpec("email", "email"),
    FieldSpec("hours", "text", limit=150),
    FieldSpec("emergency", "phone"),
    FieldSpec("map", "url"),
)
LINES_FIELDS = (FieldSpec("lines", "lines", required=True),)
SERVICE_LIMIT = 150  # characters of one number's service text


class HelpLines(LocalizedSource):
    """Numbers for people in Kazakhstan (helplines.json)."""

    lines: list[EmergencyNumber]
    contact_centre: str  # the line every "call …" names: the eGov contact centre

    @model_validator(mode="after")
    def _contact_centre_is_a_line(self) -> HelpLines:
        if self.contact_centre not in {line.number for line in self.lines}:
            raise ValueError("the contact centre must be one of the help lines")
        return self


def help_lines() -> HelpLines:
    return load("helplines.json", HelpLines)


def fields_of(key: str) -> tuple[FieldSpec, ...]:
    return MISSION_FIELDS if key.startswith("m.") else LINES_FIELDS


def spec(key: str, name: str) -> FieldSpec | None:
    return next((f for f in fields_of(key) if f.name == name), None)


def country_of(key: str) -> str:
    """The country an entry is about: an attaché may edit their countries' entries."""
    return key[2:]


@dataclass(frozen=True)
class SeedEntry:
    values: dict[str, Any]  # field -> JSON value
    checked_on: date | None  # when the file's sources were checked; None: a sample


@cache
def seed() -> dict[str, SeedEntry]:
    """Every entry as the shipped files have it, by key."""
    entries: dict[str, SeedEntry] = {}
    for code, mission in consulates().missions.items():
        values = mission.model_dump(mode="json", exclude={"confirmed_on"})
        entries[f"m.{code}"] = SeedEntry(values, mission.confirmed_on)
    for code in country_codes():
        page = country_page(code)
        if page is not None:
            entries[f"e.{code}"] = SeedEntry(
                {"lines": _lines_json(page.emergency)}, date.fromisoformat(page.checked_on)
            )
    guide = general_guide()
    entries[f"e.{GENERAL}"] = SeedEntry(
        {"lines": _lines_json(guide.emergency)}, date.fromisoformat(guide.checked_on)
    )
    lines = help_lines()
    entries[HELP_LINES] = SeedEntry(
        {"lines": _lines_json(lines.lines)}, date.fromisoformat(lines.checked_on)
    )
    return entries


def _lines_json(numbers: list[EmergencyNumber]) -> list[dict[str, Any]]:
    return [number.model_dump(mode="json") for number in numbers]


# --- what the database holds, and the merge ---------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """A field as staff last saved it, and the file value it was saved over."""

    value: Any
    over: Any


@dataclass(frozen=True)
class Confirmation:
    on: date
    by: int | None  # None: the staff member has since deleted their data


@dataclass(frozen=True)
class Contact:
    """One entry as users see it now."""

    key: str
    values: dict[str, Any]
    checked_on: date | None  # by staff if `confirmed_by_staff`, else the file's sources
    confirmed_by_staff: bool = False
    confirmed_by: int | None = None
    file_changed: dict[str, Any] = field(default_factory=dict)  # field -> newer file value

    def stale(self, today: date) -> bool:
        return self.checked_on is None or (today - self.checked_on).days >= STALE_DAYS


def merge(
    seeds: dict[str, SeedEntry],
    edits: dict[str, dict[str, Edit]],
    confirmations: dict[str, Confirmation],
) -> dict[str, Contact]:
    """The seed with staff edits on top (pure). An edit of a field the file no longer has
    is dropped; one whose file value changed since stays, and the change is reported."""
    contacts: dict[str, Contact] = {}
    for key, entry in seeds.items():
        values = dict(entry.values)
        changed: dict[str, Any] = {}
        for name, edit in edits.get(key, {}).items():
            if name not in values:
                continue
            if entry.values[name] != edit.over and entry.values[name] != edit.value:
                changed[name] = entry.values[name]
            values[name] = edit.value
        confirmed = confirmations.get(key)
        if confirmed and entry.checked_on and entry.checked_on > confirmed.on:
            confirmed = None  # a release checked it since: its date is the newer word
        contacts[key] = Contact(
            key,
            values,
            confirmed.on if confirmed else entry.checked_on,
            confirmed_by_staff=confirmed is not None,
            confirmed_by=confirmed.by if confirmed else None,
            file_changed=changed,
        )
    return contacts


# --- typed views of an entry's values -----------------------------------------------------------


class MissionContacts(BaseModel):
    name: Text
    address: Text | None = None
    phones: list[str] = []
    email: str | None = None
    hours: Text | None = None
    emergency: str | None = None
    map: str | None = None


LINES = TypeAdapter(list[EmergencyNumber])


@dataclass(frozen=True)
class Directory:
    """A snapshot of every entry, read by the user screens (SOS, rights, help lines)."""

    contacts: dict[str, Contact]

    def mission(self, code: str | None) -> tuple[MissionContacts, Contact] | None:
        contact = self.contacts.get(f"m.{code}")
        if contact is None:
            return None
        return MissionContacts.model_validate(contact.values), contact

    def numbers(self, key: str) -> tuple[list[EmergencyNumber], Contact]:
        contact = self.contacts[key]
        return LINES.validate_python(contact.values["lines"]), contact

    def emergency(self, code: str | None) -> tuple[list[EmergencyNumber], Contact, bool]:
        """A country's emergency numbers, or the general ones (False) when it has none."""
        key = f"e.{code}"
        if code and key in self.contacts:
            return (*self.numbers(key), True)
        return (*self.numbers(f"e.{GENERAL}"), False)


def shipped() -> Directory:
    """The directory as the shipped files alone have it, without staff edits."""
    return Directory(merge(seed(), {}, {}))


# --- what a draft still lacks -------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """Why an entry cannot be saved yet: `field` is "lines" for a number (`line` from 1)."""

    field: str
    missing: tuple[str, ...]  # languages of a text, or "number" / "service" of a line
    line: int = 0


LANGUAGES = ("kk", "ru", "en")


def _missing_languages(text: Any) -> tuple[str, ...]:
    if not isinstance(text, dict):
        return LANGUAGES
    return tuple(code for code in LANGUAGES if not str(text.get(code) or "").strip())


def gaps(key: str, values: dict[str, Any]) -> list[Gap]:
    """What must be filled before `values` can be saved as entry `key` (pure): a required
    field left empty, a text without one of its languages, a number without its service."""
    found: list[Gap] = []
    for item in fields_of(key):
        value = values.get(item.name)
        if item.kind == "text":
            if value is None:
                if item.required:
                    found.append(Gap(item.name, LANGUAGES))
                continue
            missing = _missing_languages(value)
            if missing:
                found.append(Gap(item.name, missing))
        elif item.kind == "lines":
            if not value and item.required:
                found.append(Gap(item.name, ("number",)))
            for index, line in enumerate(value or [], start=1):
                missing = () if str(line.get("number") or "").strip() else ("number",)
                missing += _missing_languages(line.get("service"))
                if missing:
                    found.append(Gap(item.name, missing, index))
    return found
