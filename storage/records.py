"""Typed feature records: what a deadline keeps in its JSON `payload`, one model per kind.

A guide that records something the user told it (a permit, an insurance policy, a
departure date) keeps it on the deadline it asks reminders for: the deadline's date is the
record's end, and "done" / "off" / deletion act on both at once. The payload is written
from one of these models (`ReminderService.schedule`) and read back through it
(`ReminderService.record`), so a malformed row is caught where it is read, not in a screen.
Dates are stored as ISO strings. Unknown keys in old rows are ignored.

| kind | model | kept by |
| --- | --- | --- |
| registration, address_change, stay_limit | EmptyRecord | migrant guides (the date is all) |
| permit | PermitRecord | the work permit guide |
| insurance | PolicyRecord | the insurance guide |
| departure | DepartureRecord | the pre-departure checklist |
| personal | PersonalRecord | /reminders, "add my own deadline" |
| social_contract | ContractRecord | the kandas social contract guide |

Broadcasts keep two records too: the `Audience` they go to and each language's `Content`.
"""

from __future__ import annotations

from datetime import date

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class EmptyRecord(Record):
    """A deadline whose date says everything."""


class PermitRecord(Record):
    start: date
    end: date
    months: int = Field(ge=1, le=12)
    first_start: date  # the start of the first permit in a chain of renewals


class PolicyRecord(Record):
    insurer: str = Field(max_length=200)
    start: date
    end: date
    repatriation: bool
    stay_until: date | None = None  # how long the user plans to stay, if they know


class DepartureRecord(Record):
    open: int = Field(ge=0)  # checklist items still open when it was scheduled


class PersonalRecord(Record):
    title: str = Field(max_length=200)


class ContractRecord(Record):
    """A kandas family's social contract: the date written in it, the region, the family."""

    # rows written before Dec 2026 keep it as `moved_on` (it was asked as the arrival date)
    signed_on: date = Field(validation_alias=AliasChoices("signed_on", "moved_on"))
    region: str = Field(pattern=r"^[a-z_]{2,24}$")
    members: int = Field(ge=1, le=15)
    end: date


class Audience(Record):
    """Who a broadcast goes to: every filter set narrows it (None: anyone)."""

    role: str | None = None  # migrant | emigrant | kandas
    locale: str | None = None  # the language the user reads the bot in
    citizenship: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")  # country of work
    kind: str | None = None  # users with an active deadline of this kind


class Content(Record):
    """A broadcast's message in one language, as the staff member sent it."""

    kind: str = Field(pattern=r"^(text|photo|document|video)$")
    html: str = Field(default="", max_length=8000)  # text or caption, formatting kept as HTML
    file_id: str | None = Field(default=None, max_length=255)
