"""Facts for migrants in Kazakhstan, validated when first loaded (see migrants.json)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from bot.content import Sourced, load
from bot.content.facts import overlaid

Category = Literal["eaeu", "long_visa_free", "visa_free_30", "unknown"]


class CategoryFacts(Sourced):
    countries: list[str]
    per_entry_days: int | None
    permit: Literal["not_needed", "eligible", "not_eligible"]


class StayFacts(Sourced):
    window_days: int
    max_days: int
    general_per_entry_days: int


class OverstayFacts(BaseModel):
    warning_up_to_days: int
    fine_mci: int
    fine_up_to_days: int
    entry_ban_years: int


class RegistrationFacts(Sourced):
    self_registration_from: date
    self_registration_calendar_days: int
    # countries with visa-free stays of up to 90 days (order No. 923): the rule's scope
    self_registration_categories: list[str]
    host_notice_working_days: int
    exempt_first_days: dict[str, int]
    address_change_working_days: int
    host_fine_mci: dict[str, int]
    overstay: OverstayFacts


class Period(BaseModel):
    since: date
    until: date


class PermitFacts(Sourced):
    tax_mci_per_month: int
    min_months: int
    max_months: int
    online_pilot: Period  # applications online only, with paper still accepted at a CSC
    work_without_permit_fine_mci: int  # or expulsion (Code of Administrative Offences)


class InsuranceFacts(Sourced):
    medical_required_from: date
    renew_days_before: int


class MigrantFacts(Sourced):
    categories: dict[str, CategoryFacts]
    stay: StayFacts
    registration: RegistrationFacts
    permit: PermitFacts
    insurance: InsuranceFacts


def facts() -> MigrantFacts:
    """The rules as the facts stand on the update's day (staff values laid over the file)."""
    return overlaid("migrants.json", load("migrants.json", MigrantFacts))


def category_of(citizenship: str | None) -> Category:
    """Which stay and work rules apply; "unknown" when our data does not say."""
    for name, category in facts().categories.items():
        if citizenship in category.countries:
            return name  # type: ignore[return-value]
    return "unknown"


def per_entry_days(category: Category) -> int | None:
    known = facts().categories.get(category)
    return known.per_entry_days if known else facts().stay.general_per_entry_days
