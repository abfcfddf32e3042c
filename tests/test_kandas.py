"""Kandas guides: the figures against their rule and source, every page in every language,
the social contract with the clock injected (its date is the one written in the contract; a
contract from before 2026 gets no 2026 terms), the routes' questions, and screen lengths."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from babel.numbers import format_decimal
from sqlalchemy import select

from bot.content.kandas import pages, residence, support
from bot.rules.kandas import (
    anniversaries,
    contract_end,
    months_since,
    received_so_far,
    reminder_days,
    route_fits,
    support_for,
    years_after,
)
from handlers.views.callbacks import KandasCb, KandasPage, MenuCb
from handlers.views.kandas import mci_of
from storage.models import Deadline, Reminder
from tests.conftest import translated
from tests.test_screens import visible

LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
LOCALES = ("kk", "ru", "en")
MCI_2026 = 4325  # republican budget law for 2026 (bot/content/migrants.json)


def tenge(amount: int, lang: str) -> str:
    return f"{format_decimal(amount, locale=lang)} ₸"


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


def head(app, lang: str, msgid: str) -> str:
    return t(app, lang, msgid).split("{")[0]


def kd(page: KandasPage, value: str = "") -> str:
    return KandasCb(page=page, value=value).pack()


def menu(item: str) -> str:
    return MenuCb(item=item).pack()


async def kandas(chat, lang: str, user_id: int = 300, origin: str | None = "UZ"):
    user = chat(user_id=user_id, lang=lang)
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    sent = await user.press("🏡")
    if origin is None:
        return user, sent
    sent = await user.press_data(f"ctry:origin:{origin}")
    return user, sent


# --- the figures, against the rule and its source -------------------------------------------


def test_the_2026_figures_are_those_of_the_statement_and_the_quota_order():
    facts = support(2026)
    quotas = {code: region.quota for code, region in facts.regions.items()}
    assert quotas == {
        "pavlodar": 977,
        "akmola": 285,
        "abai": 264,
        "east_kazakhstan": 200,
        "north_kazakhstan": 200,
        "kostanay": 200,
        "atyrau": 125,
        "west_kazakhstan": 30,
    }
    assert facts.total_quota == 2281
    assert facts.relocation_mci_per_member == 70 and facts.rent_mci_per_month == (15, 30)
    assert (facts.rent_months, facts.employer_subsidy_mci) == (12, 400)
    assert facts.certificate_mci == 1625  # a fixed sum from 2026, no longer half the cost
    assert "Ministry of Labour" in facts.source_in("en")
    assert (facts.university_quota_percent, facts.contract_years, facts.status_years) == (4, 5, 1)
    assert "12 Dec 2025" in facts.source_in("en") and "8 Jan 2026" in facts.source_in("en")
    for lang in LOCALES:  # the 4% of grant places, outside the quota (facts review row 14)
        assert "264" in facts.source_in(lang)
    assert mci_of(2026) == MCI_2026


@pytest.mark.parametrize(("members", "relocation"), [(1, 302_750), (4, 1_211_000), (7, 2_119_250)])
def test_support_for_a_family_at_the_2026_mci(members, relocation):
    facts = support(2026)
    found = support_for(members, facts, MCI_2026)
    assert found.relocation == relocation == members * 70 * MCI_2026
    assert found.rent_per_month == (64_875, 129_750)  # 15 and 30 MCI, per family
    assert found.rent_total == (778_500, 1_557_000)  # for 12 months
    assert found.employer == 1_730_000
    assert found.certificate == 7_028_125 == 1625 * MCI_2026  # per family, not per member
    with pytest.raises(ValueError):
        support_for(0, facts, MCI_2026)


def test_the_residence_scoring_and_the_citizenship_test_figures():
    facts = residence()
    assert facts.pilot_since == date(2026, 2, 13)
    assert (facts.test_level, facts.test_minutes, facts.min_block_percent) == ("A1", 70, 30)
    assert (facts.questionnaire_pass_points, facts.total_days) == (400, 29)
    test = facts.citizenship_test
    assert test.minutes == 130 and test.extra_minutes_disability == 30
    assert [(b.id, b.questions, b.pass_mark) for b in test.blocks] == [
        ("language", 30, 15),
        ("constitution", 40, 20),
        ("history", 30, 15),
    ]
    # sessions, not a start date (facts review row 10): the National Testing Centre's
    # announcements of 27 Aug 2025 and 12 Jan 2026
    assert [(s.day, s.apply_from, s.apply_to) for s in test.sessions] == [
        (date(2025, 9, 11), date(2025, 9, 2), date(2025, 9, 10)),
        (date(2026, 2, 11), date(2026, 2, 3), date(2026, 2, 10)),
    ]
    assert (test.fee_tenge, test.pass_points, test.max_points) == (14_693, 50, 100)
    assert "National Testing Centre" in test.source_in("en") and test.checked_on


def test_contract_dates_keep_the_day_and_a_29_february_becomes_the_28th():
    assert contract_end(date(2026, 3, 15), 5) == date(2031, 3, 15)
    assert contract_end(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert years_after(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert anniversaries(date(2024, 2, 29), 5) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    end = date(2029, 2, 28)
    days = reminder_days(date(2024, 2, 29), 5, today=date(2026, 11, 21))
    assert [end.toordinal() - d for d in days] == [
        date(2027, 2, 28).toordinal(),
        date(2028, 2, 29).toordinal(),
        date(2029, 1, 29).toordinal(),
        date(2029, 2, 21).toordinal(),
        date(2029, 2, 27).toordinal(),
    ]
    assert reminder_days(date(2021, 1, 1), 5, today=date(2026, 11, 21)) == ()


def test_months_received_and_what_leaving_would_cost():
    assert months_since(date(2026, 1, 15), date(2026, 2, 14)) == 0
    assert months_since(date(2026, 1, 15), date(2026, 2, 15)) == 1
    assert months_since(date(2026, 1, 31), date(2026, 2, 28)) == 1  # the month's last day
    found = support_for(4, support(2026), MCI_2026)
    assert received_so_far(found, date(2026, 5, 21), date(2026, 11, 21)) == (
        1_211_000 + 6 * 64_875,
        1_211_000 + 6 * 129_750,
    )
    assert received_so_far(found, date(2024, 5, 1), date(2026, 11, 21)) == (
        1_211_000 + 778_500,
        1_211_000 + 1_557_000,
    )  # rent is paid 12 months at most


def test_a_route_fits_when_every_answer_is_the_one_it_needs():
    assert route_fits([True, True], []) is None
    assert route_fits([True, True], [True]) is None
    assert route_fits([True, True], [True, True]) is True
    assert route_fits([True, True], [False]) is False
    assert route_fits([True, False], [True, False]) is True


def test_the_pages_data_has_every_route_and_organisation_the_issue_names():
    data = pages()
    assert {r.id for r in data.routes} == {
        "neo_nomad",
        "investor",
        "valued_skills",
        "science_teaching",
        "kazakh_card",
        "refugees",
        "mobility_certificate",
    }
    statuses = {r.id: r.status for r in data.routes}
    assert statuses["kazakh_card"] == "in_force"  # the «Ata Zholy» card, issued since July 2023
    card = next(r for r in data.routes if r.id == "kazakh_card")
    assert "July 2023" in card.summary.en and "V2300032983" in card.source_in("en")
    assert "Nowhere yet" not in card.apply.en and "planned" not in card.summary.en
    assert statuses["valued_skills"] == statuses["science_teaching"] == "unconfirmed"
    figures = {r.id: r.figures for r in data.routes}
    assert figures["neo_nomad"] == {"income_usd_month": 3000, "income_months": 6}
    assert figures["investor"] == {"investment_usd": 300000, "aifc_usd": 60000}
    certificate = figures["mobility_certificate"]  # the 2026 sum at the 2026 MCI
    assert (
        certificate
        == {"cap_mci": 1625, "cap_tenge": 1625 * MCI_2026}
        == {
            "cap_mci": 1625,
            "cap_tenge": 7_028_125,
        }
    )
    assert len(data.arrival) >= 4
    kazakh = re.compile("[әғқңөұүһі]", re.IGNORECASE)
    for route in data.routes:
        for text in (route.title, route.summary, route.eligible, route.not_eligible, route.apply):
            assert kazakh.search(text.kk), text.kk


# --- onboarding and the menu ----------------------------------------------------------------


@pytest.mark.parametrize("lang", LOCALES)
async def test_a_kandas_is_asked_where_they_come_from_and_gets_their_guides(app, chat, lang):
    user, sent = await kandas(chat, lang, origin=None)
    question = t(
        app,
        lang,
        "Which country are you coming from? It tells me which embassy or consulate is "
        "nearest and what your path to Kazakhstan looks like.",
    )
    assert sent[-1].text == question
    codes = [data for _label, data in sent[-1].buttons]
    assert codes[:4] == ["ctry:origin:UZ", "ctry:origin:CN", "ctry:origin:MN", "ctry:origin:RU"]
    sent = await user.press_data("ctry:origin:CN")
    assert (await app.users.get(300)).citizenship == "CN"
    # China: which script Kazakh is read in (tests/test_kazakh_scripts.py), then the menu
    assert sent[-1].buttons[0][1] == "script:arab"
    sent = await user.press_data("script:cyrl" if lang == "kk" else "script:keep")
    entries = [data for _label, data in sent[-1].buttons]
    assert entries == [
        menu(item)
        for item in (
            "kandas_status",
            "kandas_regions",
            "kandas_contract",
            "residence",
            "residence_permits",
            "iin",
            "kandas_arrival",
            "kandas_routes",
            "helplines",
            "reminders",
            "profile",
            "help",
        )
    ]


# --- every page, in every language ----------------------------------------------------------


@pytest.mark.parametrize("lang", LOCALES)
async def test_status_apply_and_the_two_paths(app, chat, lang):
    user, _ = await kandas(chat, lang)
    [*_, screen] = await user.press_data(menu("kandas_status"))
    text = screen.text
    assert text.startswith(t(app, lang, "🪪 <b>Kandas status</b>"))
    assert pages().status_documents.in_(lang).split("{")[0][:40] in text
    pilot = {"kk": "2026 жылғы 13 ақпан", "ru": "13 февраля 2026", "en": "13 February 2026"}
    assert "A1" in text and pilot[lang] in text  # the status goes through the test (row 7)
    [*_, abroad] = await user.press_data(kd(KandasPage.apply, "abroad"))
    assert "migration.enbek.kz" in abroad.text
    [*_, home] = await user.press_data(kd(KandasPage.apply, "home"))
    assert "egov.kz" in home.text
    [*_, paths] = await user.press_data(kd(KandasPage.paths))
    assert t(app, lang, "<b>1. In the regional quota</b>") in paths.text
    assert t(app, lang, "<b>2. Permanent residence on general grounds</b>") in paths.text
    assert "5" in paths.text  # the contract's years, from the data


@pytest.mark.parametrize("lang", LOCALES)
async def test_the_regions_and_the_support_for_families_of_1_4_and_7(app, chat, lang):
    user, _ = await kandas(chat, lang)
    [*_, regions] = await user.press_data(menu("kandas_regions"))
    for region in support(2026).regions.values():
        assert f"{region.name.in_(lang)} — {format_decimal(region.quota, locale=lang)}" in (
            regions.text
        )
    assert format_decimal(2281, locale=lang) in regions.text
    for members, relocation in ((1, 302_750), (4, 1_211_000), (7, 2_119_250)):
        [*_, screen] = await user.press_data(kd(KandasPage.family, str(members)))
        text = screen.text
        assert f"<b>{tenge(relocation, lang)}</b>" in text
        assert f"<b>{tenge(778_500, lang)}–{tenge(1_557_000, lang)}</b>" in text
        assert tenge(64_875, lang) in text and tenge(129_750, lang) in text
        assert tenge(7_028_125, lang) in text and tenge(1_730_000, lang) in text
        assert format_decimal(1625, locale=lang) in text  # the certificate's MCI
        assert tenge(4_200_000, lang) not in text  # the old cap: half the cost, up to ~4.2 M
        assert f"{tenge(relocation + 778_500, lang)}–{tenge(relocation + 1_557_000, lang)}" in text
        assert "4%" in text and "50%" not in text


@pytest.mark.parametrize("lang", LOCALES)
async def test_residence_steps_practice_checklist_and_citizenship_test(app, chat, lang):
    user, _ = await kandas(chat, lang)
    [*_, screen] = await user.press_data(menu("residence"))
    for figure in ("A1", "70", "30%", format_decimal(400, locale=lang), "29"):
        assert figure in screen.text
    await user.press_data(kd(KandasPage.practice))
    [*_, ticked] = await user.press_data(kd(KandasPage.practice, "listening"))
    assert ticked.buttons[0][0].startswith("✅")
    assert await app.dispatcher["checklists"].done(300) == {"rp_listening"}
    [*_, again] = await user.press_data(menu("residence"))
    label = t(app, lang, "🗒 My test preparation checklist ({done} of {total})")
    assert again.buttons[0][0] == label.format(done=1, total=6)
    [*_, test] = await user.press_data(kd(KandasPage.citizenship))
    for block in residence().citizenship_test.blocks:
        line = t(app, lang, "• {block}: {questions} questions, pass mark {mark}")
        name = block.name.in_(lang)
        assert line.format(block=name, questions=block.questions, mark=block.pass_mark) in test.text
    blocks = t(
        app,
        lang,
        "Three blocks, {hours} h {minutes} min in all ({extra} min more for people with "
        "disabilities):",
    )
    assert blocks.format(hours=2, minutes=10, extra=30) in test.text


@pytest.mark.parametrize("lang", LOCALES)
async def test_the_citizenship_test_is_held_in_sessions_with_its_fee_and_pass_mark(app, chat, lang):
    """Facts review row 10: sessions from time to time, applications on testcenter.kz or
    UTO in the window before each, the fee with the sessions it was announced for, the
    overall pass mark, the extra time, the National Testing Centre as the source."""
    from babel.dates import format_date

    user, _ = await kandas(chat, lang)
    [*_, screen] = await user.press_data(kd(KandasPage.citizenship))
    text = screen.text
    for day in (date(2025, 9, 11), date(2026, 2, 11), date(2026, 2, 3), date(2026, 2, 10)):
        assert format_date(day, "long", locale=lang) in text
    assert "app.testcenter.kz" in text and "UTO" in text
    assert tenge(14_693, lang) in text
    fee = t(app, lang, "Fee: {fee}, as announced for these sessions; check it when you apply.")
    assert fee.format(fee=tenge(14_693, lang)) in text
    overall = t(app, lang, "Overall pass mark: {mark} of {total} points.")
    assert overall.format(mark=50, total=100) in text
    assert residence().citizenship_test.source_in(lang) in text
    since = {"kk": "басталған күні", "ru": "(с ", "en": "(since"}
    assert since[lang] not in text  # not a test that began on 11 Feb 2026
    assert len(text) <= 1500


async def test_kazakh_says_shekti_ball_and_the_citizenship_test_is_no_calque(app, chat):
    """Language review items 12 and 13: «шекті балл» for the pass mark everywhere, and
    «Азаматтық алуға арналған тест», not «Азаматтыққа тест»."""
    user, _ = await kandas(chat, "kk")
    [*_, steps] = await user.press_data(menu("residence"))
    [*_, test] = await user.press_data(kd(KandasPage.citizenship))
    [*_, checklist] = await user.press_data(kd(KandasPage.practice))
    for shown in (steps.text, test.text):
        assert "шекті балл" in shown and "өту шегі" not in shown and "өту балы" not in shown
    labels = " ".join(label for label, _data in steps.buttons + checklist.buttons)
    assert "Азаматтық алуға арналған тест" in labels and "Азаматтыққа тест" not in labels
    assert "Азаматтық алуға арналған тест" in test.text
    assert "Азаматтыққа тест" not in test.text and "азаматтыққа тестілеу" not in test.text
    [*_, answer] = await user.send("азаматтыққа тест қандай")
    assert "Азаматтық алуға арналған тест" in answer.text and "өту балы" not in answer.text


async def test_the_english_checklist_says_what_to_do(app, chat):
    """Language review item 19: a test preparation checklist, its items as actions."""
    user, _ = await kandas(chat, "en")
    [*_, screen] = await user.press_data(kd(KandasPage.practice))
    assert screen.text.startswith("🗒 <b>My test preparation checklist</b>")
    items = [label[2:] for label, _data in screen.buttons[:6]]
    assert "Gather documents for the online questionnaire" in items
    assert "Prepare for the interview: why Kazakhstan, work, family" in items
    assert not any(item.endswith(("ready", "prepared")) for item in items)


@pytest.mark.parametrize("lang", LOCALES)
async def test_help_on_arrival(app, chat, lang):
    user, _ = await kandas(chat, lang)
    [*_, screen] = await user.press_data(menu("kandas_arrival"))
    assert len(screen.buttons) == len(pages().arrival) + 1
    for org in pages().arrival:
        [*_, shown] = await user.press_data(kd(KandasPage.org, org.id))
        assert org.name.in_(lang) in shown.text


@pytest.mark.parametrize("lang", LOCALES)
async def test_each_route_asks_and_answers_both_ways(app, chat, lang):
    user, _ = await kandas(chat, lang)
    await user.press_data(menu("kandas_routes"))
    for route in pages().routes:
        [*_, first] = await user.press_data(kd(KandasPage.route, route.id))
        assert route.title.in_(lang) in first.text
        if route.status == "planned":
            assert t(app, lang, "🕓 Planned: not available yet.") in first.text
        fitting = "".join("y" if q.needed else "n" for q in route.questions)
        [*_, yes] = await user.press_data(kd(KandasPage.route, f"{route.id}.{fitting}"))
        assert "✅" in yes.text
        assert t(app, lang, "<b>Where to apply</b>") in yes.text
        wrong = "n" if route.questions[0].needed else "y"
        [*_, no] = await user.press_data(kd(KandasPage.route, f"{route.id}.{wrong}"))
        assert "➖" in no.text
    neo = next(r for r in pages().routes if r.id == "neo_nomad")
    [*_, shown] = await user.press_data(kd(KandasPage.route, "neo_nomad"))
    assert format_decimal(3000, locale=lang) in shown.text or neo.summary.in_(lang) == ""


@pytest.mark.parametrize("lang", LOCALES)
async def test_neo_nomad_asks_for_six_months_of_income_and_gives_its_term(app, chat, lang):
    """Facts review row 13: over 3,000 USD in each of the last 6 months; B12-1 for 1 year,
    renewable; no local work; the Concept and egov.kz / Fragomen as sources."""
    user, _ = await kandas(chat, lang)
    neo = next(r for r in pages().routes if r.id == "neo_nomad")
    [*_, first] = await user.press_data(kd(KandasPage.route, "neo_nomad"))
    assert "B12-1" in first.text and format_decimal(3000, locale=lang) in first.text
    unconfirmed_term = {"kk": "визаның мерзімі", "ru": "срок действия визы", "en": "how long"}
    assert unconfirmed_term[lang] not in first.text
    [*_, second] = await user.press_data(kd(KandasPage.route, "neo_nomad.y"))
    each = {
        "kk": "Соңғы 6 айдың әрқайсысында",
        "ru": "в каждый из последних 6 месяцев",
        "en": "in each of the last 6 months",
    }
    assert each[lang] in second.text
    [*_, verdict] = await user.press_data(kd(KandasPage.route, "neo_nomad.yy"))
    for part in ("initiative 8", "egov.kz", "Fragomen", "23 Jan 2025"):
        assert part in neo.source_in("en")
    assert "Fragomen" in verdict.text and "8" in neo.source_in(lang)
    assert "1 year and can be renewed" in neo.summary.en and "employers in Kazakhstan" in (
        neo.summary.en
    )


@pytest.mark.parametrize("lang", LOCALES)
async def test_the_investor_route_names_a6_and_the_aifc_programme(app, chat, lang):
    """Facts review row 12: A6 (over 300,000 USD in charter capital or listed securities, a
    10-year visa with a residence permit) and the AIFC programme from 60,000 USD."""
    user, _ = await kandas(chat, lang)
    [*_, first] = await user.press_data(kd(KandasPage.route, "investor"))
    text = first.text
    assert "A6" in text and "10" in text and "itrp.aifc.kz" in text
    assert format_decimal(300_000, locale=lang) in text
    assert format_decimal(60_000, locale=lang) in text
    [*_, no] = await user.press_data(kd(KandasPage.route, "investor.n"))
    assert format_decimal(60_000, locale=lang) in no.text  # not "needs more than 300,000"
    [*_, yes] = await user.press_data(kd(KandasPage.route, "investor.y"))
    assert "itrp.aifc.kz" in yes.text and "A6" in yes.text
    route = next(r for r in pages().routes if r.id == "investor")
    assert "itrp.aifc.kz" in route.source_in(lang) and "A6" in route.source_in(lang)
    assert "charter capital or in listed securities" in route.summary.en


@pytest.mark.parametrize("lang", LOCALES)
async def test_the_grant_places_are_listed_outside_the_quota_support(app, chat, lang):
    """Facts review row 14: 4% of state grant places for ethnic Kazakhs without Kazakh
    citizenship (Resolution No. 264), after the quota support, not in it."""
    user, _ = await kandas(chat, lang)
    [*_, screen] = await user.press_data(kd(KandasPage.family, "4"))
    text = screen.text
    grants = t(
        app,
        lang,
        "🎓 Outside the quota: {percent}% of state-funded (grant) university places are "
        "reserved for ethnic Kazakhs without Kazakh citizenship (Government Resolution No. 264).",
    ).format(percent=4)
    assert grants in text
    contract_line = head(
        app,
        lang,
        "⚠️ In return you sign a {years}-year social contract: a family that leaves the "
        "region earlier repays all the support it received.",
    )
    assert text.index(contract_line) < text.index(grants)
    old = {"kk": "квота қандастарға", "ru": "мест в вузах выделяется кандасам", "en": "kept for"}
    assert old[lang] not in text
    if lang == "en":
        assert "2026 figures, with the MCI at" in text and "not counting the certificate" in text


def test_english_texts_use_english_quotes_and_resolution_961_is_dated_in_every_language():
    """Language review: no «guillemets» in en data texts; the Concept's date in kk/ru too."""
    import json

    from bot.content import CONTENT_DIR

    def english(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "en" and isinstance(value, str):
                    yield value
                else:
                    yield from english(value)
        elif isinstance(node, list):
            for value in node:
                yield from english(value)

    files = ["kandas/pages.json", "kandas/support_2026.json", "kandas/residence.json"]
    for name in files:
        for text in english(json.loads((CONTENT_DIR / name).read_text())):
            assert "«" not in text and "»" not in text, (name, text)
    answers = json.loads((CONTENT_DIR / "answers.json").read_text())
    assert "«" not in answers["source"]["en"]
    for entry in answers["entries"]:
        if entry["id"].startswith("kandas") or entry["id"] in ("residence", "citizenship_test"):
            assert "«" not in entry["answer"]["en"], entry["id"]
    dated = {
        "kk": "2022 жылғы 30 қарашадағы № 961",
        "ru": "№ 961 от 30.11.2022",
        "en": "961 of 30 Nov 2022",
    }
    for lang, text in dated.items():
        assert text in pages().source_in(lang)


@pytest.mark.parametrize(
    ("lang", "question", "wanted"),
    [
        ("ru", "виза для востребованных специалистов", "востребованных специалистов"),
        ("kk", "мамандарға арналған виза", "Сұранысқа ие мамандарға"),
        ("ru", "продление статуса кандаса", "с возможностью продления"),
        ("kk", "Моңғолиядан қандас болу", "Шетелде болсаңыз, өтінішті migration.enbek.kz"),
    ],
)
async def test_typed_kandas_answers_read_as_the_language_review_asks(
    app, chat, lang, question, wanted
):
    user, _ = await kandas(chat, lang)
    [*_, answer] = await user.send(question)
    assert wanted in answer.text


@pytest.mark.parametrize("lang", LOCALES)
async def test_the_quota_path_pays_rent_for_12_months(app, chat, lang):
    user, _ = await kandas(chat, lang)
    [*_, paths] = await user.press_data(kd(KandasPage.paths))
    rent = {"kk": "12 ай бойы", "ru": "в течение 12 мес.", "en": "for 12 months"}
    assert rent[lang] in paths.text


# --- the social contract --------------------------------------------------------------------


PREVAIL = (
    "⚠️ The dates in your contract prevail: check the end date in your contract before you "
    "leave the region."
)


def long(day: date, lang: str) -> str:
    from babel.dates import format_date

    return format_date(day, "long", locale=lang)


async def contract(user, signed: str, region: str = "pavlodar", members: str = "4"):
    await user.press_data(menu("kandas_contract"))
    await user.send(signed)
    await user.press_data(kd(KandasPage.region, region))
    [*_, screen] = await user.press_data(kd(KandasPage.members, members))
    return screen


@pytest.mark.parametrize("lang", LOCALES)
async def test_a_contract_counts_from_the_date_written_in_it(app, chat, lang):
    """Facts review row 3: the date asked is the one in the contract, not the arrival; the
    end is counted from it, and the contract's own dates are said to prevail."""
    user, _ = await kandas(chat, lang)
    [*_, question] = await user.press_data(menu("kandas_contract"))
    asked = t(
        app,
        lang,
        "🤝 <b>Social contract</b>\nWhat date was your social contract signed on? Take it "
        "from the contract itself.",
    )
    assert question.text.startswith(asked)
    arrive = {"kk": "көшіп келді", "ru": "приехала", "en": "arrive"}
    assert arrive[lang] not in question.text
    await user.send("15.03.2026")
    await user.press_data(kd(KandasPage.region, "pavlodar"))
    [*_, screen] = await user.press_data(kd(KandasPage.members, "4"))
    text = screen.text
    assert support(2026).regions["pavlodar"].name.in_(lang) in text
    signed = t(app, lang, "Signed on {day}; {region}; family of {members}.")
    region = support(2026).regions["pavlodar"].name.in_(lang)
    assert signed.format(day=long(date(2026, 3, 15), lang), region=region, members=4) in text
    left = (date(2031, 3, 15) - date(2026, 11, 21)).days
    assert f"<b>{long(date(2031, 3, 15), lang)}</b>" in text
    assert format_decimal(left, locale=lang) in text
    assert t(app, lang, PREVAIL) in text
    relocation = 4 * 70 * MCI_2026
    assert tenge(relocation, lang) in text
    low, high = relocation + 8 * 15 * MCI_2026, relocation + 8 * 30 * MCI_2026  # 8 months
    assert f"<b>{tenge(low, lang)}–{tenge(high, lang)}</b>" in text
    async with app.sessionmaker() as session:
        deadline = await session.scalar(select(Deadline).where(Deadline.user_id == 300))
        steps = list(
            await session.scalars(
                select(Reminder.due_at).where(Reminder.user_id == 300).order_by(Reminder.due_at)
            )
        )
    assert deadline is not None and deadline.due_on == date(2031, 3, 15)
    assert deadline.payload["signed_on"] == "2026-03-15" and deadline.payload["members"] == 4
    assert [step.date() for step in steps] == [
        date(2027, 3, 15),
        date(2028, 3, 15),
        date(2029, 3, 15),
        date(2030, 3, 15),
        date(2031, 2, 13),
        date(2031, 3, 8),
        date(2031, 3, 14),
    ]
    [*_, profile] = await user.send("/profile")
    assert long(date(2031, 3, 15), lang) in profile.text
    line = t(
        app,
        lang,
        "Social contract signed on {day} ({region}): the {years}-year term ends on {end}; the "
        "dates in the contract prevail.",
    )
    assert (
        line.format(
            day=long(date(2026, 3, 15), lang),
            region=region,
            years=5,
            end=long(date(2031, 3, 15), lang),
        )
        in profile.text
    )
    [*_, again] = await user.press_data(menu("kandas_contract"))
    assert again.text == text  # the record is kept
    await user.send("/delete")
    await user.press("🗑")
    async with app.sessionmaker() as session:
        assert await session.scalar(select(Deadline).where(Deadline.user_id == 300)) is None


@pytest.mark.parametrize("lang", LOCALES)
async def test_a_contract_signed_in_2024_gets_no_2026_terms(app, chat, lang):
    """Facts review row 9: for a contract of 2024 the terms are the ones written in it; no
    2026 regions, amounts or repay-all, and no reminders counted on a term we do not know."""
    user, _ = await kandas(chat, lang)
    await user.press_data(menu("kandas_contract"))
    [*_, screen] = await user.send("29.02.2024")
    text = screen.text
    assert text.startswith(t(app, lang, "🤝 <b>Your social contract</b>"))
    assert t(app, lang, "Signed on {day}.").format(day=long(date(2024, 2, 29), lang)) in text
    terms = t(
        app,
        lang,
        "The terms of a contract signed in {year} are the ones written in it: I have no "
        "sourced data on that year's contracts (the regions, the term, what is repaid on "
        "leaving early). My figures are for contracts signed from {first} on.",
    )
    assert terms.format(year=2024, first=2026) in text
    assert t(app, lang, PREVAIL) in text
    for region in support(2026).regions.values():  # no 2026 region list, as text or button
        assert region.name.in_(lang) not in text
        assert all(region.name.in_(lang) != label for label, _data in screen.buttons)
    repay = t(
        app,
        lang,
        "If the family left the region now, it would have to repay <b>all</b> the support it "
        "received. In the usual case, by the rules of {year} and the MCI of the year the "
        "contract was signed ({mci}), that is about:",
    )
    assert repay.split("<b>")[0] not in text
    assert "₸" not in text and "2029" not in text  # no amounts, no end date of our own
    assert len(text) <= 1500
    async with app.sessionmaker() as session:
        assert await session.scalar(select(Deadline).where(Deadline.user_id == 300)) is None
    assert await user.send("Pavlodar")  # the dialogue is over: nothing waits for a region


@pytest.mark.parametrize("lang", LOCALES)
async def test_an_ended_term_is_never_said_to_free_the_family(app, chat, clock, lang):
    from datetime import UTC, datetime

    user, _ = await kandas(chat, lang)
    await contract(user, "15.03.2026")
    clock.set(datetime(2031, 3, 20, 6, 0, tzinfo=UTC))
    [*_, screen] = await user.press_data(menu("kandas_contract"))
    text = screen.text
    ended = t(app, lang, "Counted from that date, the {years}-year term ended on <b>{day}</b>.")
    assert ended.format(years=5, day=long(date(2031, 3, 15), lang)) in text
    assert t(app, lang, PREVAIL) in text
    free = {"kk": "міндеттемейді", "ru": "не обязывает", "en": "no longer ties"}
    assert free[lang] not in text


def forget(app) -> None:
    """Rows changed behind the services' back: the guides read them again."""
    if app.users.caches is not None:
        app.users.caches.forget(300)


async def test_a_contract_kept_under_its_old_name_is_still_read(app, chat):
    """Rows written before Dec 2026 keep the date as `moved_on`: they still show, and one
    from before 2026 gets no 2026 terms."""
    user, _ = await kandas(chat, "en")
    text = (await contract(user, "15.03.2026")).text
    async with app.sessionmaker() as session:
        deadline = await session.scalar(select(Deadline).where(Deadline.user_id == 300))
        assert deadline is not None
        payload = dict(deadline.payload)
        payload["moved_on"] = payload.pop("signed_on")
        deadline.payload = payload
        await session.commit()
    forget(app)
    [*_, again] = await user.press_data(menu("kandas_contract"))
    assert again.text == text
    async with app.sessionmaker() as session:
        deadline = await session.scalar(select(Deadline).where(Deadline.user_id == 300))
        assert deadline is not None
        deadline.payload = {**payload, "moved_on": "2024-02-29", "end": "2029-02-28"}
        await session.commit()
    forget(app)
    [*_, older] = await user.press_data(menu("kandas_contract"))
    assert "signed in 2024 are the ones written in it" in older.text and "₸" not in older.text
    [*_, profile] = await user.send("/profile")
    assert "its terms are the ones written in it" in profile.text


async def test_the_contract_dialogue_answers_bad_input(app, chat):
    user, _ = await kandas(chat, "en")
    await user.press_data(menu("kandas_contract"))
    sent = await user.send("31.02.2026")
    assert "exist" in sent[0].text.lower() or "date" in sent[0].text.lower()
    sent = await user.send("01.01.2020")  # more than 5 years ago
    assert sent
    await user.send("01.06.2026")
    sent = await user.send("Mars")  # names no region
    assert sent[0].text.startswith("“Mars” is not one of the answers here")
    assert sent[1].text.startswith("Which region did you settle in?")
    sent = await user.press_data(kd(KandasPage.region, "mars"))
    assert "out of date" in sent[-1].text
    await user.press_data(kd(KandasPage.region, "akmola"))
    sent = await user.press_data(kd(KandasPage.members, "99"))
    assert "out of date" in sent[-1].text


# --- forged buttons and screen lengths -------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "kd:family:0",
        "kd:family:999",
        "kd:family:abc",
        "kd:route:nothing",
        "kd:route:neo_nomad.yyy",
        "kd:route:neo_nomad.x",
        "kd:org:nothing",
        "kd:apply:moon",
        "kd:practice:nothing",
        "kd:members:4",  # outside the dialogue
        "kd:nothing:1",
    ],
)
async def test_forged_kandas_buttons_get_the_menu(app, chat, data):
    user, _ = await kandas(chat, "en")
    sent = await user.press_data(data)
    assert any("out of date" in s.text for s in sent), [s.text for s in sent]


@pytest.mark.parametrize("lang", LOCALES)
async def test_no_kandas_screen_is_longer_than_1500_characters(app, chat, lang):
    user, _ = await kandas(chat, lang)
    presses = [menu(item) for item in ("kandas_status", "kandas_regions", "residence")]
    presses += [menu("kandas_arrival"), menu("kandas_routes")]
    presses += [kd(KandasPage.apply, "abroad"), kd(KandasPage.apply, "home")]
    presses += [kd(KandasPage.paths), kd(KandasPage.family), kd(KandasPage.family, "10")]
    presses += [kd(KandasPage.practice), kd(KandasPage.citizenship)]
    presses += [kd(KandasPage.org, org.id) for org in pages().arrival]
    for route in pages().routes:
        presses.append(kd(KandasPage.route, route.id))
        presses.append(kd(KandasPage.route, f"{route.id}.{'y' * len(route.questions)}"))
        presses.append(kd(KandasPage.route, f"{route.id}.n"))
    for data in presses:
        for sent in await user.press_data(data):
            assert len(visible(sent.text)) <= 1500, (data, len(visible(sent.text)))
            assert "{" not in sent.text, (data, sent.text)
    screens = [await contract(user, "15.03.2026", "east_kazakhstan", "15")]
    await user.press_data(menu("kandas_contract"))
    await user.press_data(kd(KandasPage.contract, "new"))
    screens += await user.send("01.12.2021")  # the oldest a contract can be: no 2026 terms
    for sent in screens:
        assert len(visible(sent.text)) <= 1500 and "{" not in sent.text, sent.text


async def test_the_contracts_anniversary_reminder_arrives_in_the_users_language(
    app, bot, chat, clock
):
    from datetime import UTC, datetime

    user, _ = await kandas(chat, "kk")
    await user.press_data(menu("kandas_contract"))
    await user.send("15.03.2026")
    await user.press_data(kd(KandasPage.region, "abai"))
    await user.press_data(kd(KandasPage.members, "2"))
    clock.set(datetime(2027, 3, 15, 5, 0, tzinfo=UTC))  # the first anniversary, 10:00 Almaty
    before = len(bot.session.requests)
    report = await app.reminders.tick(bot)
    assert report.sent == 1
    [reminder] = bot.session.requests[before:]
    title = t(app, "kk", "Social contract in {region}: the end of its term (check the date in it)")
    assert title.format(region="Абай облысы") in reminder.text


@pytest.mark.parametrize("lang", LOCALES)
async def test_in_2027_the_quota_screens_say_their_figures_are_for_2026(app, chat, clock, lang):
    """A year without quota data: the regions and the support are the 2026 figures, and
    the screens say the 2027 ones are missing (facts review, item 2)."""
    clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))
    user, _ = await kandas(chat, lang)
    note = translated(
        app,
        lang,
        "<i>The {year} quota and support are not in my data yet: these are the {data_year} "
        "figures. Check on egov.kz.</i>",
    ).format(year=2027, data_year=2026)
    for data in (menu("kandas_regions"), kd(KandasPage.family, "5")):
        [*_, screen] = await user.press_data(data)
        assert note in screen.text, data
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    [*_, screen] = await user.press_data(menu("kandas_regions"))
    assert note not in screen.text
