"""Content for citizens of Kazakhstan working abroad, validated when first loaded.

Texts about the world (rights, checklist items, offer-check questions, consulates) are data
in kk/ru/en beside their source, so staff extend them without touching code:
`abroad/countries/<CODE>.json` adds a country page.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Literal

from pydantic import BaseModel, field_validator, model_validator

from bot import LOCALES
from bot.content import CONTENT_DIR, Sourced, load

ABROAD_DIR = CONTENT_DIR / "abroad"
KAZAKH_LETTERS = re.compile("[әғқңөұүһі]", re.IGNORECASE)


class Text(BaseModel):
    """One text in every language of the bot."""

    kk: str
    ru: str
    en: str

    @model_validator(mode="after")
    def complete(self) -> Text:
        for locale in LOCALES:
            if not getattr(self, locale).strip():
                raise ValueError(f"empty {locale} text")
        return self

    def in_(self, locale: str) -> str:
        return getattr(self, locale, None) or self.en


class LocalizedSource(Sourced):
    source: Text  # type: ignore[assignment]

    def source_in(self, locale: str) -> str:
        return self.source.in_(locale)


class EmergencyNumber(BaseModel):
    number: str
    service: Text


SECTIONS = ("legal_work", "permit", "employer", "unpaid_wages", "passport_taken")


class Sections(BaseModel):
    legal_work: Text  # the legal ways to work there
    permit: Text  # the permit or visa
    employer: Text  # what the employer must give: contract, wages, hours, rest, insurance
    unpaid_wages: Text  # what to do when wages are not paid
    passport_taken: Text  # what to do when the passport is taken


class Agreement(BaseModel):
    status: Literal["in_force", "memorandum", "none", "unconfirmed"]
    text: Text


class CountryPage(LocalizedSource):
    country: str  # ISO 3166 alpha-2
    agreement: Agreement
    emergency: list[EmergencyNumber]
    sections: Sections
    notes: Text | None = None  # what is new or special there

    @field_validator("emergency")
    @classmethod
    def some_numbers(cls, value: list[EmergencyNumber]) -> list[EmergencyNumber]:
        if not value:
            raise ValueError("a country page needs its emergency numbers")
        return value


class GeneralGuide(LocalizedSource):
    """For a country without a page of its own."""

    emergency: list[EmergencyNumber]
    sections: Sections


class Mission(BaseModel):
    """An Embassy or Consulate of Kazakhstan as shipped: the seed of its directory entry,
    which staff edit and confirm in the bot (bot/content/directory.py)."""

    name: Text
    address: Text | None = None
    phones: list[str] = []  # international format
    email: str | None = None
    hours: Text | None = None
    emergency: str | None = None  # the consular line for emergencies
    map: str | None = None  # a link to the mission on a map
    confirmed_on: date | None = None  # None: a sample, its contacts not yet confirmed


class Consulates(LocalizedSource):
    missions: dict[str, Mission]  # by the host country's code
    directory: Text  # where to find every mission's current contacts


class ChecklistItem(BaseModel):
    id: str
    title: Text
    hint: Text


class Checklist(LocalizedSource):
    items: list[ChecklistItem]
    remind_days_before: list[int]


class OfferAnswer(BaseModel):
    id: str
    label: Text
    points: int  # 0 = no concern
    red_flag: bool = False  # alone enough for a high-risk verdict
    reason: Text | None = None  # shown in the verdict when points > 0


class OfferQuestion(BaseModel):
    id: str
    text: Text
    answers: list[OfferAnswer]


class Verdict(BaseModel):
    title: Text
    advice: Text


class OfferCheck(LocalizedSource):
    questions: list[OfferQuestion]
    high_from: int  # points from which the risk is high
    medium_from: int
    verdicts: dict[Literal["high", "medium", "low"], Verdict]
    verify_agency: Text  # how to check an agency before paying anything


@cache
def country_page(code: str) -> CountryPage | None:
    path = ABROAD_DIR / "countries" / f"{code.upper()}.json"
    if not re.fullmatch("[A-Z]{2}", code.upper()) or not path.exists():
        return None
    return CountryPage.model_validate_json(path.read_text(encoding="utf-8"))


@cache
def country_codes() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (ABROAD_DIR / "countries").glob("*.json")))


def general_guide() -> GeneralGuide:
    return load("abroad/general.json", GeneralGuide)


def consulates() -> Consulates:
    return load("abroad/consulates.json", Consulates)


def checklist() -> Checklist:
    return load("abroad/checklist.json", Checklist)


def offer_check() -> OfferCheck:
    return load("abroad/offer_check.json", OfferCheck)
