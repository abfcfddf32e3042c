"""The dated facts: a value per period with its source, read by name and day."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from bot.content.facts import FactBook, fact_book, mci_for_benefits, mci_for_taxes
from bot.rules.workdays import add_working_days, calendar, unsettled_years


def test_every_fact_has_a_source_and_a_checked_date():
    for name, fact in fact_book().facts.items():
        assert fact.values, name
        for dated in fact.values:
            assert dated.source.title and dated.checked_on <= date(2026, 12, 31), name


@pytest.mark.parametrize(
    ("day", "taxes", "benefits"),
    [
        (date(2021, 6, 1), 2917, 2917),
        (date(2022, 3, 31), 3063, 3063),
        # from 1 Apr 2022 benefits and social payments used 3,180; taxes and fines kept 3,063
        (date(2022, 4, 1), 3063, 3180),
        (date(2022, 12, 31), 3063, 3180),
        (date(2025, 1, 1), 3932, 3932),
        (date(2026, 12, 31), 4325, 4325),
    ],
)
def test_the_mci_by_purpose_and_day(day, taxes, benefits):
    assert (mci_for_taxes(day).value, mci_for_benefits(day).value) == (taxes, benefits)
    assert mci_for_taxes(day).exact and mci_for_taxes(day).year == day.year


def test_a_year_without_its_value_gets_the_last_one_marked_inexact():
    reading = mci_for_taxes(date(2027, 1, 1))
    assert (reading.value, reading.year, reading.exact) == (4325, 2026, False)


def test_overlapping_periods_are_refused():
    value = {"source": {"title": "t"}, "checked_on": "2026-12-06"}
    with pytest.raises(ValidationError, match="overlap"):
        FactBook.model_validate(
            {
                "facts": {
                    "mci_tax": {
                        "group": "mci",
                        "unit": "tenge",
                        "year_bound": True,
                        "about": "MCI",
                        "values": [
                            {"value": 1, "valid_from": "2026-01-01", **value},
                            {"value": 2, "valid_from": "2027-01-01", **value},
                        ],
                    }
                }
            }
        )


@pytest.mark.parametrize(
    ("start", "count", "due"),
    [
        # Nauryz 2026: 21–23 Mar, with 21–22 on the weekend, so 24 and 25 Mar are days off
        (date(2026, 3, 19), 3, date(2026, 3, 27)),
        # 30 August is no longer a holiday: 31 Aug 2026 is a working day
        (date(2026, 8, 28), 1, date(2026, 8, 31)),
        # from 2027 Constitution Day is 15 March
        (date(2027, 3, 12), 1, date(2027, 3, 16)),
        # New Year 2027: 2 Jan is a Saturday, so Monday 4 Jan is a day off
        (date(2026, 12, 31), 1, date(2027, 1, 5)),
    ],
)
def test_working_days_follow_the_calendar_of_each_year(start, count, due):
    assert add_working_days(start, count) == due


def test_a_year_without_published_transfers_is_unsettled():
    assert unsettled_years(date(2026, 3, 1), date(2026, 3, 10)) == []
    assert unsettled_years(date(2026, 12, 28), date(2027, 1, 5)) == [2027]
    assert calendar().years[2027].transfers_published is False
    assert date(2027, 3, 15) in calendar().years[2027].holidays
    assert date(2026, 8, 30) not in calendar().years[2026].holidays


def test_every_fact_name_fits_its_button_and_column():
    from handlers.views.callbacks import FactAction, FactCb

    for name in fact_book().facts:
        packed = FactCb(action=FactAction.revert, fact=name, id=2**31 - 1, value="yes").pack()
        assert len(packed.encode()) <= 64 and len(name) <= 32, name
