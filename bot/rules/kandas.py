"""Kandas rules: the support a family gets in the regional quota, and the social contract's
dates. Pure functions over the year's figures (bot/content/kandas.py)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from bot.content.kandas import SupportFacts

FINAL_DAYS = (30, 7, 1)  # reminders before the contract ends
MAX_FAMILY = 15  # members one family can say it has (a bound for forged input)


@dataclass(frozen=True)
class Support:
    """What settling in the quota brings a family, in tenge at the year's MCI."""

    members: int
    mci: int
    relocation: int  # once, for the whole family
    rent_per_month: tuple[int, int]  # the range, per family
    rent_total: tuple[int, int]  # over rent_months
    rent_months: int
    employer: int  # to an employer who hires a kandas
    certificate_mci: int
    certificate: int  # in tenge at the year's MCI
    university_quota_percent: int


def support_for(members: int, facts: SupportFacts, mci: int) -> Support:
    if not 1 <= members <= MAX_FAMILY:
        raise ValueError(f"a family of {members}")
    low, high = (mci * share for share in facts.rent_mci_per_month)
    return Support(
        members=members,
        mci=mci,
        relocation=members * facts.relocation_mci_per_member * mci,
        rent_per_month=(low, high),
        rent_total=(low * facts.rent_months, high * facts.rent_months),
        rent_months=facts.rent_months,
        employer=facts.employer_subsidy_mci * mci,
        certificate_mci=facts.certificate_mci,
        certificate=facts.certificate_mci * mci,
        university_quota_percent=facts.university_quota_percent,
    )


def years_after(day: date, years: int) -> date:
    """The same day `years` later; a 29 February becomes the 28th in a common year (a term
    in years ends on the corresponding day, else on the last day of that month)."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


def contract_end(signed_on: date, years: int) -> date:
    """The end of a term of `years` counted from the date written in the contract (what the
    contract itself says prevails)."""
    return years_after(signed_on, years)


def anniversaries(signed_on: date, years: int) -> list[date]:
    """The contract's yearly anniversaries before its end."""
    return [years_after(signed_on, n) for n in range(1, years)]


def reminder_days(signed_on: date, years: int, today: date) -> tuple[int, ...]:
    """Days before the end for each reminder still ahead: every anniversary, then 30, 7
    and 1 days before the end."""
    end = contract_end(signed_on, years)
    steps = [(end - day).days for day in anniversaries(signed_on, years) if day > today]
    steps += [days for days in FINAL_DAYS if end.toordinal() - days > today.toordinal()]
    return tuple(sorted(set(steps), reverse=True))


def months_since(start: date, today: date) -> int:
    """Whole months from `start` to `today` (0 before the first month is over)."""
    months = (today.year - start.year) * 12 + today.month - start.month
    if today.day < start.day and today.day < calendar.monthrange(today.year, today.month)[1]:
        months -= 1
    return max(months, 0)


def received_so_far(support: Support, start: date, today: date) -> tuple[int, int]:
    """What the family would have received by `today` in the usual case: the relocation
    subsidy, and rent for the months passed since `start` (at most rent_months): a range."""
    months = min(months_since(start, today), support.rent_months)
    low, high = support.rent_per_month
    return support.relocation + low * months, support.relocation + high * months


def route_fits(needed: list[bool], answers: list[bool]) -> bool | None:
    """Whether a route may fit: False at the first answer it does not take, True once every
    question has the answer it needs, None while questions are open."""
    for need, answer in zip(needed, answers, strict=False):
        if need != answer:
            return False
    return True if len(answers) >= len(needed) else None
