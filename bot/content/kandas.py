"""Content for ethnic Kazakhs (kandas) moving to Kazakhstan, validated when first loaded.

Figures are data with their source and "checked on" date: the year's quotas and support
(`kandas/support_<year>.json`), the residence-permit scoring and the citizenship test
(`kandas/residence.json`). Texts about the world are data in kk/ru/en (`kandas/pages.json`):
kandas status, the two paths, help on arrival, other routes. A text may name a figure by
placeholder ({status_years}, {contract_years}, {relocation_mci}, {rent_min_mci},
{rent_max_mci}, {rent_months}; a route's own {figures}), filled in from the data when shown,
so a figure lives in one place.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from bot.content import CONTENT_DIR, load
from bot.content.abroad import LocalizedSource, Text
from bot.content.facts import overlaid

KANDAS_DIR = CONTENT_DIR / "kandas"
ID = r"^[a-z][a-z0-9_]{0,23}$"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class Region(BaseModel):
    name: Text
    quota: int = Field(ge=0)


class SupportFacts(LocalizedSource):
    """The year's regional quota and what settling in it brings (per family unless said)."""

    year: int
    regions: dict[str, Region]  # labour-deficit regions, largest quota first
    relocation_mci_per_member: int
    rent_mci_per_month: tuple[int, int]  # the range, per family
    rent_months: int
    employer_subsidy_mci: int
    certificate_mci: int  # the economic mobility certificate, per family (a fixed sum from 2026)
    university_quota_percent: int  # of state grant places, outside the quota (Resolution 264)
    contract_years: int
    status_years: int

    @model_validator(mode="after")
    def sane(self) -> SupportFacts:
        low, high = self.rent_mci_per_month
        if not 0 < low <= high:
            raise ValueError("rent range must be 0 < min <= max")
        return self

    @property
    def total_quota(self) -> int:
        return sum(region.quota for region in self.regions.values())


class PracticeItem(BaseModel):
    id: str = Field(pattern=ID)
    title: Text


class TestBlock(BaseModel):
    id: str = Field(pattern=ID)
    name: Text
    questions: int = Field(gt=0)
    pass_mark: int = Field(gt=0)


class TestSession(BaseModel):
    day: date
    apply_from: date  # the window for applications before it
    apply_to: date


class CitizenshipTest(LocalizedSource):
    """The National Testing Centre's test for applicants for citizenship, held in sessions."""

    sessions: list[TestSession] = Field(min_length=1)  # examples, oldest first
    fee_tenge: int  # as announced for those sessions
    minutes: int
    extra_minutes_disability: int
    blocks: list[TestBlock]
    max_points: int
    pass_points: int  # overall, besides each block's pass mark


class ResidenceFacts(LocalizedSource):
    """The 2026 residence-permit scoring pilot and the citizenship test."""

    pilot_since: date
    test_level: str
    test_minutes: int
    min_block_percent: int
    questionnaire_pass_points: int
    total_days: int
    practice: list[PracticeItem]
    citizenship_test: CitizenshipTest


class Organisation(BaseModel):
    id: str = Field(pattern=ID)
    name: Text
    what: Text  # what it does for a kandas family
    how: Text  # how to reach it


class RouteQuestion(BaseModel):
    text: Text  # a yes/no question
    needed: bool = True  # the answer the route requires


class Route(LocalizedSource):
    id: str = Field(pattern=ID)
    title: Text
    status: Literal["in_force", "planned", "unconfirmed"]
    summary: Text
    figures: dict[str, int] = Field(default_factory=dict)  # figures its texts name, {like_this}
    questions: list[RouteQuestion] = Field(min_length=1, max_length=2)
    eligible: Text
    not_eligible: Text
    apply: Text  # where to apply


class KandasPages(LocalizedSource):
    status_who: Text  # who qualifies
    status_documents: Text
    status_processing: Text  # processing time: unconfirmed
    apply_abroad: Text  # where to apply from abroad
    apply_in_kazakhstan: Text
    path_quota: Text
    path_general: Text
    arrival: list[Organisation]
    routes: list[Route]

    @field_validator("routes", "arrival")
    @classmethod
    def unique_ids(cls, value: list) -> list:
        ids = [item.id for item in value]
        if len(ids) != len(set(ids)):
            raise ValueError("ids must be unique")
        return value


@cache
def support(year: int | None = None) -> SupportFacts:
    """The figures of `year` (the latest year there is when None, or when that year has no
    file yet)."""
    years = support_years()
    chosen = year if year in years else max(years)
    file = f"kandas/support_{chosen}.json"
    day = date(year, 1, 1) if year is not None else None  # else the update's day
    return overlaid(file, load(file, SupportFacts), day)


def contract_terms(year: int) -> SupportFacts | None:
    """The figures for a social contract signed in `year`: none before the first year with
    data (those contracts' terms are only in the contract itself), else as `support`."""
    return support(year) if year >= min(support_years()) else None


@cache
def support_years() -> tuple[int, ...]:
    return tuple(sorted(int(path.stem.split("_")[1]) for path in KANDAS_DIR.glob("support_*.json")))


def residence() -> ResidenceFacts:
    return overlaid("kandas/residence.json", load("kandas/residence.json", ResidenceFacts))


def pages() -> KandasPages:
    return overlaid("kandas/pages.json", load("kandas/pages.json", KandasPages))


def route(route_id: str) -> Route | None:
    return next((r for r in pages().routes if r.id == route_id), None)


def organisation(org_id: str) -> Organisation | None:
    return next((o for o in pages().arrival if o.id == org_id), None)
