"""Kandas guides: the figures against their rule and source, every page in every language,
the social contract with the clock injected, the routes' questions, and screen lengths."""

from __future__ import annotations

import re
from datetime import date

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
    assert test.since == date(2026, 2, 11) and test.minutes == 130
    assert [(b.id, b.questions, b.pass_mark) for b in test.blocks] == [
        ("language", 30, 15),
        ("constitution", 40, 20),
        ("history", 30, 15),
    ]


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
    assert figures["neo_nomad"] == {"income_usd_month": 3000}
    assert figures["investor"] == {"investment_usd": 300000}
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
    entries = [data for _label, data in sent[-1].buttons]
    assert entries == [
        menu(item)
        for item in (
            "kandas_status",
            "kandas_regions",
            "kandas_contract",
            "residence",
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
    label = t(app, lang, "🗒 My practice checklist ({done} of {total})")
    assert again.buttons[0][0] == label.format(done=1, total=6)
    [*_, test] = await user.press_data(kd(KandasPage.citizenship))
    for block in residence().citizenship_test.blocks:
        line = t(app, lang, "• {block}: {questions} questions, pass mark {mark}")
        name = block.name.in_(lang)
        assert line.format(block=name, questions=block.questions, mark=block.pass_mark) in test.text
    blocks = t(app, lang, "Three blocks, {hours} h {minutes} min in all:")
    assert blocks.format(hours=2, minutes=10) in test.text


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


# --- the social contract --------------------------------------------------------------------


@pytest.mark.parametrize("lang", LOCALES)
async def test_a_contract_from_29_february_with_its_reminders_profile_and_delete(app, chat, lang):
    user, _ = await kandas(chat, lang)
    await user.press_data(menu("kandas_contract"))
    await user.send("29.02.2024")
    await user.press_data(kd(KandasPage.region, "pavlodar"))
    [*_, screen] = await user.press_data(kd(KandasPage.members, "4"))
    text = screen.text
    assert support(2026).regions["pavlodar"].name.in_(lang) in text
    from babel.dates import format_date

    assert format_date(date(2029, 2, 28), "long", locale=lang) in text
    assert f"{format_decimal(830, locale=lang)}" in text  # days from 21 Nov 2026
    mci_2024 = 3692
    relocation = 4 * 70 * mci_2024
    assert tenge(relocation, lang) in text
    low, high = relocation + 12 * 15 * mci_2024, relocation + 12 * 30 * mci_2024
    assert f"<b>{tenge(low, lang)}–{tenge(high, lang)}</b>" in text
    async with app.sessionmaker() as session:
        deadline = await session.scalar(select(Deadline).where(Deadline.user_id == 300))
        steps = list(
            await session.scalars(
                select(Reminder.due_at).where(Reminder.user_id == 300).order_by(Reminder.due_at)
            )
        )
    assert deadline is not None and deadline.due_on == date(2029, 2, 28)
    assert deadline.payload["moved_on"] == "2024-02-29" and deadline.payload["members"] == 4
    assert [step.date() for step in steps] == [
        date(2027, 2, 28),
        date(2028, 2, 29),
        date(2029, 1, 29),
        date(2029, 2, 21),
        date(2029, 2, 27),
    ]
    [*_, profile] = await user.send("/profile")
    assert format_date(date(2029, 2, 28), "long", locale=lang) in profile.text
    [*_, again] = await user.press_data(menu("kandas_contract"))
    assert again.text == text  # the record is kept
    await user.send("/delete")
    await user.press("🗑")
    async with app.sessionmaker() as session:
        assert await session.scalar(select(Deadline).where(Deadline.user_id == 300)) is None


async def test_the_contract_dialogue_answers_bad_input(app, chat):
    user, _ = await kandas(chat, "en")
    await user.press_data(menu("kandas_contract"))
    sent = await user.send("31.02.2026")
    assert "exist" in sent[0].text.lower() or "date" in sent[0].text.lower()
    sent = await user.send("01.01.2020")  # more than 5 years ago
    assert sent
    await user.send("01.06.2026")
    sent = await user.send("Pavlodar")  # typed where buttons are expected
    assert sent[0].text == "Please answer the question below, or send /cancel."
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
            assert len(sent.text) <= 1500, (data, len(sent.text))
            assert "{" not in sent.text, (data, sent.text)


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
    title = t(app, "kk", "Social contract in {region}: the end of the {years} years")
    assert title.format(region="Абай облысы", years=5) in reminder.text
