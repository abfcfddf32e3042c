"""Foreigners' papers beyond registration, as data in kk/ru/en (`papers.json`): the IIN,
residence permits, work through an employer. A guide is a short intro and sections behind
buttons; each section names its own sources, what they leave open, and (when its figures are
one year's) that year. A rule's number lives in the guide's `figures` (seeded into the
registry of facts, so staff keep it current) and a text names it by {placeholder}."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, Field, model_validator

from bot.content import Sourced, load
from bot.content.abroad import Text
from bot.content.facts import overlaid

FILE = "papers.json"
ID = r"^[a-z][a-z_]{1,23}$"
PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
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
    year: int | None = None  # the year its figures are for, when they are one year's
    questions: dict[str, list[str]] = {}  # paraphrases by language, for typed questions


class PaperGuide(BaseModel):
    id: str = Field(pattern=ID)
    intro: Text
    figures: dict[str, int] = {}
    sections: list[PaperSection] = Field(min_length=1)

    @model_validator(mode="after")
    def _placeholders_known(self) -> PaperGuide:
        for section in self.sections:
            for text in (section.text, section.unconfirmed, section.label):
                if text is None:
                    continue
                for locale in ("kk", "ru", "en"):
                    for name in PLACEHOLDER.findall(getattr(text, locale)):
                        if name not in self.figures:
                            raise ValueError(f"{self.id}.{section.id}: unknown figure {{{name}}}")
        return self

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
    return PLACEHOLDER.sub(lambda match: number(figures[match.group(1)]), text)
