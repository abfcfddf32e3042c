"""Dated facts: each value holds for a period, with its source and the day it was checked.

Rules read a fact by name and day ("the MCI for taxes on 15 Jan 2027"), never a number of
their own. A day no period covers gets the latest earlier value, marked as not that day's,
so a screen can say which year its figure is for (facts.json seeds the registry)."""

from __future__ import annotations

import itertools
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, model_validator

from bot.content import CONTENT_DIR, load

M = TypeVar("M", bound=BaseModel)


class FactSource(BaseModel):
    title: str
    url: str | None = None


class DatedValue(BaseModel):
    value: int
    valid_from: date
    valid_until: date | None = None
    source: FactSource
    checked_on: date

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> DatedValue:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"a period from {self.valid_from} ends before it starts")
        return self

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class Seed(BaseModel):
    """A fact whose shipped value lives in a content file (its source and checked date with
    it): `path` is the dotted way to the number, `valid_from` the day it holds from."""

    file: str
    path: str
    valid_from: date
    valid_until: date | None = None


class Fact(BaseModel):
    group: str
    unit: Literal["tenge", "mci", "days", "months", "years", "percent", "count", "usd", "period"]
    year_bound: bool  # a new value is due every 1 January
    about: str
    values: list[DatedValue] = []
    seed: Seed | None = None

    @model_validator(mode="before")
    @classmethod
    def _seeded(cls, data: Any) -> Any:
        """A seeded fact takes its shipped value from its content file."""
        if isinstance(data, dict) and data.get("seed") and not data.get("values"):
            seed = Seed.model_validate(data["seed"])
            data = {**data, "values": [seeded_value(seed)]}
        return data

    @model_validator(mode="after")
    def _periods_do_not_overlap(self) -> Fact:
        if not self.values:
            raise ValueError(f"{self.about}: no value")
        ordered = sorted(self.values, key=lambda dated: dated.valid_from)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.valid_until is None or earlier.valid_until >= later.valid_from:
                raise ValueError(f"{self.about}: periods overlap at {later.valid_from}")
        self.values = ordered
        return self


@dataclass(frozen=True)
class Reading:
    """A fact's value for a day: `exact` is False when no period covers the day and the
    latest earlier value stands in (its year is `year`)."""

    value: int
    year: int
    exact: bool
    dated: DatedValue


class FactBook(BaseModel):
    facts: dict[str, Fact]

    def reading(self, name: str, day: date) -> Reading:
        values = self.facts[name].values
        for dated in values:
            if dated.covers(day):
                return Reading(dated.value, dated.valid_from.year, True, dated)
        earlier = [dated for dated in values if dated.valid_from <= day] or values[:1]
        dated = earlier[-1]
        return Reading(dated.value, dated.valid_from.year, False, dated)


def shipped_book() -> FactBook:
    """The facts as the release ships them (facts.json): the seed staff values lie over."""
    return load("facts.json", FactBook)


# The book the update being handled reads: the shipped one with staff values laid over it,
# set per update (bot/middlewares.py), so every screen of one update sees one version.
current_book: ContextVar[FactBook | None] = ContextVar("current_book", default=None)


def fact_book() -> FactBook:
    return current_book.get() or shipped_book()


def with_values(book: FactBook, name: str, valid_from: date, dated: DatedValue | None) -> FactBook:
    """`book` with the period of `name` starting on `valid_from` replaced by `dated` (added
    when there was none, dropped when `dated` is None); the periods are checked again, so
    an overlap raises ValueError."""
    fact = book.facts[name]
    values = [value for value in fact.values if value.valid_from != valid_from]
    if dated is not None:
        values.append(dated)
    changed = Fact.model_validate({**fact.model_dump(), "values": [v.model_dump() for v in values]})
    return FactBook(facts={**book.facts, name: changed})


def fact_value(name: str, day: date) -> int:
    """A fact's value on `day` (the latest earlier one when no period covers it): for rules
    whose figure changes rarely; a year-bound figure that must say its year takes `reading`."""
    return fact_book().reading(name, day).value


def mci_for_taxes(day: date) -> Reading:
    """The MCI that taxes and fines use on `day` (the work-permit tax)."""
    return fact_book().reading("mci_tax", day)


def mci_for_benefits(day: date) -> Reading:
    """The MCI that benefits and social payments use on `day` (support to kandas): their
    own value where one was set apart (from April 2022), else the one MCI of that day."""
    book = fact_book()
    own = book.reading("mci_benefit", day)
    if own.exact:
        return own
    common = book.reading("mci_tax", day)
    return common if common.exact else own


def ending_before(book: FactBook, name: str, valid_from: date) -> DatedValue | None:
    """The open-ended period a new one from `valid_from` cuts short (it then ends the day
    before), if there is one: giving a shipped rule a new value from a day ends the old."""
    for dated in book.facts[name].values:
        if dated.valid_until is None and dated.valid_from < valid_from:
            return dated.model_copy(update={"valid_until": valid_from - timedelta(days=1)})
    return None


def _at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def seeded_value(seed: Seed) -> DatedValue:
    """The shipped value of a seeded fact: the number at `path` in its file, with the
    source and checked date of the nearest part of the file that has them."""
    data = json.loads((CONTENT_DIR / seed.file).read_text(encoding="utf-8"))
    source, checked = data.get("source"), data.get("checked_on")
    part = data
    for key in seed.path.split(".")[:-1]:
        part = part[int(key)] if isinstance(part, list) else part[key]
        if isinstance(part, dict) and part.get("source"):
            source, checked = part["source"], part.get("checked_on", checked)
    title = source.get("en") if isinstance(source, dict) else source
    shipped = _at(data, seed.path)
    return DatedValue(
        value=1 if isinstance(shipped, (dict, str)) else int(shipped),  # a period: in force
        valid_from=seed.valid_from,
        valid_until=seed.valid_until,
        source=FactSource(title=str(title)),
        checked_on=date.fromisoformat(str(checked)),
    )


# The day the update being handled is about (the bot's time zone), set with the book.
current_day: ContextVar[date | None] = ContextVar("current_day", default=None)


_overlays: dict[tuple[str, date], tuple[FactBook, BaseModel, BaseModel]] = {}


def overlaid(file: str, shipped: M, day: date | None = None) -> M:
    """`shipped` (the model of a content file) with each seeded number as the facts stand
    on `day` (the update's day when not given): a value staff gave for that day wins.
    Kept per file and day while the book and the file's model stay the same."""
    day = day or current_day.get()
    if day is None:
        return shipped
    book = fact_book()
    kept = _overlays.get((file, day))
    if kept is not None and kept[0] is book and kept[1] is shipped:
        return kept[2]  # type: ignore[return-value]
    data = shipped.model_dump(mode="json")
    changed = False
    for name, fact in book.facts.items():
        if fact.seed is None or fact.seed.file != file:
            continue
        reading = book.reading(name, day)
        value: Any = reading.value
        *parents, last = fact.seed.path.split(".")
        part = _at(data, ".".join(parents)) if parents else data
        key: Any = int(last) if isinstance(part, list) else last
        if fact.unit == "period":  # the period in force on the day, or the latest before it
            start, end = reading.dated.valid_from.isoformat(), reading.dated.valid_until
            if isinstance(part[key], dict):
                value = {"since": start, "until": end.isoformat() if end else None}
            else:
                value = start
        if part[key] != value:
            part[key], changed = value, True
    result = type(shipped).model_validate(data) if changed else shipped
    if len(_overlays) > 256:
        _overlays.clear()
    _overlays[(file, day)] = (book, shipped, result)
    return result
