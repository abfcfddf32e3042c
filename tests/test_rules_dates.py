"""Dates as people type them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rules.dates import DateInputError, DateProblem, parse_date

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21.11.2026", date(2026, 11, 21)),
        ("21/11/2026", date(2026, 11, 21)),
        ("2026-11-21", date(2026, 11, 21)),
        ("21.11.26", date(2026, 11, 21)),
        ("1.2.2027", date(2027, 2, 1)),
        (" 29.02.2028 ", date(2028, 2, 29)),
        ("21-11-2026", date(2026, 11, 21)),
        ("today", TODAY),
        ("Сегодня", TODAY),
        ("бүгін", TODAY),
        ("tomorrow", TODAY + timedelta(days=1)),
        ("завтра", TODAY + timedelta(days=1)),
        ("ертең", TODAY + timedelta(days=1)),
    ],
)
def test_accepted_forms(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("31.02.2026", DateProblem.IMPOSSIBLE),
        ("29.02.2027", DateProblem.IMPOSSIBLE),
        ("00.10.2026", DateProblem.IMPOSSIBLE),
        ("21.13.2026", DateProblem.IMPOSSIBLE),
        ("next friday", DateProblem.UNREADABLE),
        ("21112026", DateProblem.UNREADABLE),
        ("<b>21.11.2026</b>", DateProblem.UNREADABLE),
        ("", DateProblem.UNREADABLE),
        ("🗓", DateProblem.UNREADABLE),
    ],
)
def test_rejected_forms_say_why(text, problem):
    with pytest.raises(DateInputError) as error:
        parse_date(text, TODAY)
    assert error.value.problem is problem


def test_bounds():
    with pytest.raises(DateInputError) as error:
        parse_date("20.11.2026", TODAY, earliest=TODAY)
    assert error.value.problem is DateProblem.TOO_EARLY
    with pytest.raises(DateInputError) as error:
        parse_date("01.01.2040", TODAY, latest=date(2031, 1, 1))
    assert error.value.problem is DateProblem.TOO_LATE


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_every_date_written_in_each_form_reads_back(day):
    for text in (
        day.strftime("%d.%m.%Y"),
        day.strftime("%d/%m/%Y"),
        day.isoformat(),
        day.strftime("%d.%m.%y"),
    ):
        assert parse_date(text, TODAY) == day


@given(st.text(max_size=40))
def test_any_text_either_parses_or_says_why(text):
    try:
        parse_date(text, TODAY)
    except DateInputError as error:
        assert isinstance(error.problem, DateProblem)
