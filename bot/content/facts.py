"""Dated facts: each value holds for a period, with its source and the day it was checked.

Rules read a fact by name and day ("the MCI for taxes on 15 Jan 2027"), never a number of
their own. A day no period covers gets the latest earlier value, marked as not that day's,
so a screen can say which year its figure is for (facts.json seeds the registry)."""

from __future__ import annotations

import itertools
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, model_validator

from bot.content import load


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


class Fact(BaseModel):
    group: str
    unit: Literal["tenge", "mci", "days", "percent", "count"]
    year_bound: bool  # a new value is due every 1 January
    about: str
    values: list[DatedValue]

    @model_validator(mode="after")
    def _periods_do_not_overlap(self) -> Fact:
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
