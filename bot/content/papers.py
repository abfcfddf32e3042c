"""Foreigners' papers beyond registration, as data in kk/ru/en (`papers.json`): the IIN,
residence permits, work through an employer. A guide is a short intro and sections behind
buttons; each section names its own sources, what they leave open, and (when its figures are
one year's) that year. A rule's number lives in the guide's `figures` (seeded into the
registry of facts, so staff keep it current) or is a registry fact another guide shares
(the residence pilot's); a text names it by {placeholder}."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, Field, model_validator

from bot import LOCALES
from bot.content import Sourced, load
from bot.content.abroad import Text
from bot.content.facts import fact_book, fact_value, overlaid, shipped_book

FILE = "papers.json"
ID = r"^[a-z][a-z_]{1,23}$"
PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
FACT_PREFIX = "paper_"  # a figure's name in the registry of facts
DATA_YEAR = "data_year"  # the placeholder for the year one-year figures are for
GUIDES = ("iin", "residence_permits", "employer_work")  # the menu entries, in menu order


class PaperSource(BaseModel):
    title: str
    url: str | None = None
    published: date | None = None  # None: the page shows no date


class PaperSection(BaseModel):
    id: str = Field(pattern=ID)
    label: Text
    text: Text
    unconfirmed: Text | None = None
    sources: list[PaperSource] = Field(min_length=1)
    year_bound: bool = False  # its figures are one year's: the screen says which year
    questions: dict[str, list[str]] = {}  # paraphrases by language, for typed questions

    def placeholders(self) -> set[str]:
        texts = [text for text in (self.label, self.text, self.unconfirmed) if text is not None]
        return {
            name
            for text in texts
            for locale in LOCALES
            for name in PLACEHOLDER.findall(text.in_(locale))
        }


class PaperGuide(BaseModel):
    id: str = Field(pattern=ID)
    intro: Text
    figures: dict[str, int] = {}
    sections: list[PaperSection] = Field(min_length=1)

    @model_validator(mode="after")
    def _placeholders_known(self) -> PaperGuide:
        known = shipped_book().facts
        for section in self.sections:
            for name in section.placeholders():
                if name not in self.figures and name not in known and name != DATA_YEAR:
                    raise ValueError(f"{self.id}.{section.id}: unknown figure {{{name}}}")
        return self

    def values(self, day: date) -> dict[str, int]:
        """Every figure its texts name: its own (seeded into the registry, overlaid for the
        day already), the registry's facts it names directly (the residence pilot's), and
        {data_year}, the year its one-year figures are for."""
        named = {name for section in self.sections for name in section.placeholders()}
        named -= {*self.figures, DATA_YEAR}
        shared = {name: fact_value(name, day) for name in named}
        return {**self.figures, **shared, DATA_YEAR: self.data_year(day)[0]}

    def data_year(self, day: date) -> tuple[int, bool]:
        """The year the guide's one-year figures (its year-bound facts) are for on `day`, and
        whether that is the day's own year (False: the latest earlier year stands in)."""
        book = fact_book()
        readings = [
            book.reading(FACT_PREFIX + name, day)
            for name in self.figures
            if FACT_PREFIX + name in book.facts and book.facts[FACT_PREFIX + name].year_bound
        ]
        if not readings:
            return day.year, True
        year = min(reading.year for reading in readings)
        return year, all(reading.exact for reading in readings)

    def section(self, section_id: str) -> PaperSection | None:
        return next((s for s in self.sections if s.id == section_id), None)


class Papers(Sourced):
    source: Text  # type: ignore[assignment]
    guides: list[PaperGuide]

    def source_in(self, locale: str) -> str:
        return self.source.in_(locale)

    @model_validator(mode="after")
    def _every_guide(self) -> Papers:
        if tuple(guide.id for guide in self.guides) != GUIDES:
            raise ValueError(f"papers.json must hold the guides {GUIDES}, in that order")
        return self

    def guide(self, guide_id: str) -> PaperGuide | None:
        return next((g for g in self.guides if g.id == guide_id), None)


def papers() -> Papers:
    """The guides with each seeded figure as the facts stand on the update's day."""
    return overlaid(FILE, load(FILE, Papers))


def filled_text(text: str, figures: dict[str, int], number: Callable[[int], str] = str) -> str:
    """A text with its {placeholders} replaced by the guide's figures, as `number` writes them."""

    def figure(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(figures[name]) if name == DATA_YEAR else number(figures[name])

    return PLACEHOLDER.sub(figure, text)
