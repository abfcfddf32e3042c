"""The papers guides (the IIN, residence permits, work through an employer): every section
opens from the menu in kk, ru and en, fits a phone, names its sources and what they leave
open, says which year one year's figures are for, takes a staff-kept figure at once, and is
found by typed questions; forged buttons are answered."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from babel.numbers import format_decimal

from bot.content.facts import shipped_book
from bot.content.papers import GUIDES, PLACEHOLDER, papers
from handlers.views.callbacks import FactAction, FactCb, MenuCb, PaperCb
from tests.conftest import translated
from tests.test_ask import person
from tests.test_screens import visible

LOCALES = ("kk", "ru", "en")
LIMIT = 1500


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


def pcb(guide: str, section: str = "") -> str:
    return PaperCb(guide=guide, section=section).pack()


def menu(item: str) -> str:
    return MenuCb(item=item).pack()


def test_every_figure_a_text_names_is_a_registry_fact():
    """Staff keep the guides' numbers in /facts: each figure is seeded from papers.json."""
    seeded = {
        fact.seed.path
        for fact in shipped_book().facts.values()
        if fact.seed is not None and fact.seed.file == "papers.json"
    }
    for index, guide in enumerate(papers().guides):
        for name in guide.figures:
            assert f"guides.{index}.figures.{name}" in seeded, f"{guide.id}.{name} not in facts"


@pytest.mark.parametrize("lang", LOCALES)
async def test_every_section_opens_fits_a_phone_and_names_its_sources(app, chat, lang):
    user = await person(chat, lang, user_id=700, role="migrant")
    [*_, main] = await user.send("/menu")
    labels = [label for label, _data in main.buttons]
    for guide in GUIDES:
        assert (
            t(
                app,
                lang,
                {
                    "iin": "🆔 IIN",
                    "residence_permits": "🪪 Residence permits",
                    "employer_work": "🏢 Work through an employer",
                }[guide],
            )
            in labels
        )
    for guide in papers().guides:
        [*_, intro] = await user.press_data(menu(guide.id))
        assert guide.intro.in_(lang) in intro.text
        assert [data for _label, data in intro.buttons][: len(guide.sections)] == [
            pcb(guide.id, section.id) for section in guide.sections
        ]
        for section in guide.sections:
            [*_, screen] = await user.press_data(pcb(guide.id, section.id))
            shown = visible(screen.text)
            assert len(shown) <= LIMIT, (guide.id, section.id, lang, len(shown))
            assert not PLACEHOLDER.search(shown), (guide.id, section.id)
            assert section.label.in_(lang) in shown
            for source in section.sources:
                assert source.title in shown
                if source.url:
                    assert f'href="{html.escape(source.url, quote=True)}"' in screen.text
            if section.unconfirmed is not None:
                opening = section.unconfirmed.in_(lang).split("{")[0][:40]
                assert f"⚠️ {opening}" in shown
            for name, value in guide.figures.items():
                if "{" + name + "}" in section.text.in_(lang):
                    assert format_decimal(value, locale=lang) in shown
            assert screen.buttons[0][1] == menu(guide.id)  # back to the guide


@pytest.mark.parametrize("lang", LOCALES)
async def test_one_years_figures_say_their_year_and_later_that_the_new_ones_are_missing(
    app, chat, clock, lang
):
    """The 2026 quota: "for 2026" in 2026; in 2027, still the 2026 figures, saying the 2027
    ones are not in the data yet."""
    guide = papers().guide("employer_work")
    assert guide is not None
    section = guide.section("quota")
    assert section is not None and section.year_bound
    user = await person(chat, lang, user_id=701, role="migrant")
    [*_, screen] = await user.press_data(pcb(guide.id, section.id))
    assert t(app, lang, "📅 These figures are for {year}.").format(year=2026) in screen.text
    assert format_decimal(5893, locale=lang) in screen.text  # category 3, order of 12 Dec 2025
    assert "2026" in visible(screen.text).split("\n")[2]  # the heading names the year
    clock.set(datetime(2027, 2, 1, 6, 0, tzinfo=UTC))
    [*_, later] = await user.press_data(pcb(guide.id, section.id))
    note = t(
        app, lang, "📅 These figures are for {year}: the {this_year} ones are not in my data yet."
    )
    assert note.format(year=2026, this_year=2027) in later.text
    assert format_decimal(5893, locale=lang) in later.text


@pytest.mark.parametrize("data", ["pp:iin:nope", "pp:nope:what", "pp:" + "x" * 40 + ":what"])
async def test_forged_and_stale_buttons_are_answered_once_with_the_menu(app, chat, data):
    user = await person(chat, "en", user_id=702, role="migrant")
    sent = await user.press_data(data)
    assert len([s for s in sent if s.name == "answerCallbackQuery"]) == 1
    assert any("This button is out of date" in s.text for s in sent)


async def test_a_kandas_finds_the_iin_and_the_residence_permits_from_their_guides(app, chat):
    user = await person(chat, "en", user_id=703, role="kandas")
    [*_, main] = await user.send("/menu")
    assert menu("iin") in [data for _label, data in main.buttons]
    [*_, residence] = await user.press_data(menu("residence"))
    assert menu("residence_permits") in [data for _label, data in residence.buttons]
    [*_, test] = await user.press_data("kd:citizenship:")
    assert pcb("residence_permits", "citizenship") in [data for _l, data in test.buttons]
    [*_, routes] = await user.press_data(pcb("residence_permits", "citizenship"))
    assert "out of date" not in routes.text


async def test_a_figure_staff_change_in_facts_shows_on_the_guide_at_once(app, chat):
    """The 15 days an employer waits after posting the vacancy: staff give a new value from
    a day; the guide says it from that day."""
    guide = papers().guide("employer_work")
    assert guide is not None and guide.figures["vacancy_wait_days"] == 15
    admin = chat(user_id=7, lang="en")
    await admin.send("/start")
    await admin.press("English")
    await admin.send("/facts")
    await admin.press_data(FactCb(action=FactAction.add, fact="paper_vacancy_wait_days").pack())
    for typed in ("21", "01.11.2026", "-", "Ministry of Labour order, 2026"):
        await admin.send(typed)
    await admin.send("-")
    assert "Saved" in (await admin.press("Save"))[-1].text
    user = await person(chat, "en", user_id=704, role="migrant")
    [*_, screen] = await user.press_data(pcb("employer_work", "how"))
    assert re.search(r"\b21 calendar days\b", visible(screen.text)), screen.text
    assert not re.search(r"\b15 calendar days\b", visible(screen.text))


QUESTIONS = {
    "iin": {
        "kk": "шетелдік ЖСН қалай алады",
        "ru": "как иностранцу получить ИИН",
        "en": "how do i get an IIN",
    },
    "residence_permits": {
        "kk": "тұруға ықтиярхат қалай алуға болады",
        "ru": "как получить вид на жительство",
        "en": "residence permit",
    },
    "employer_work": {
        "kk": "жұмыс беруші арқылы жұмысқа рұқсат квота",
        "ru": "разрешение на работу через работодателя квота",
        "en": "work permit through an employer quota",
    },
}


@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("guide", GUIDES)
async def test_typed_questions_reach_the_guide_first(app, chat, lang, guide):
    user = await person(chat, lang, user_id=705, role="migrant")
    [*_, answer] = await user.send(QUESTIONS[guide][lang])
    first = answer.buttons[0][1]
    assert first.startswith(f"pp:{guide}:"), (QUESTIONS[guide][lang], answer.buttons)
    [*_, screen] = await user.press_data(first)
    assert len(visible(screen.text)) <= LIMIT


# what people type: abbreviations, Kazakh in every script, the kandas' and emigrants' words
TYPED = [
    ("kk", "migrant", None, "jsn qalai alamyn", "pp:iin:"),
    ("kk", "migrant", None, "jsn kalai alamyn", "pp:iin:"),
    ("kk", "migrant", None, "жсн калай алам", "pp:iin:"),
    ("kk", "migrant", None, "uaqytşa turuğa ruqsat", "pp:residence_permits:temporary"),
    ("en", "migrant", None, "TRP documents", "pp:residence_permits:temporary"),
    ("ru", "migrant", None, "где продлить ВНЖ", "pp:residence_permits:"),
    ("ru", "migrant", None, "квота на иностранцев 2026", "pp:employer_work:quota"),
    ("en", "kandas", None, "where to renew residence permit", "pp:residence_permits:"),
    ("kk", "kandas", None, "ықтиярхатты қайда ұзартамын", "pp:residence_permits:"),
    (
        "en",
        "migrant",
        None,
        "who can get citizenship if i was born in the kazakh ssr",
        "pp:residence_permits:citizenship",
    ),
    ("en", "emigrant", "RU", "how long can i stay in russia", "rt:RU:permit"),
    ("kk", "emigrant", "RU", "Ресейде қанша күн болуға болады", "rt:RU:permit"),
]


@pytest.mark.parametrize(("lang", "role", "country", "typed", "first"), TYPED)
async def test_what_people_type_reaches_the_right_screen_first(
    app, chat, lang, role, country, typed, first
):
    user = await person(chat, lang, user_id=706, role=role, country=country)
    [*_, answer] = await user.send(typed)
    assert answer.buttons[0][1].startswith(first), (typed, answer.buttons)


@pytest.mark.parametrize("lang", LOCALES)
async def test_an_emigrant_in_russia_reads_how_long_they_may_stay_and_what_a_contract_changes(
    app, chat, lang
):
    user = await person(chat, lang, user_id=707, role="emigrant", country="RU")
    [*_, screen] = await user.press_data("rt:RU:permit")
    shown = visible(screen.text)
    assert "90" in shown and "180" in shown  # without a contract: 90 days in any 180
    assert {"kk": "шарт", "ru": "договор", "en": "contract"}[lang] in shown
    assert "97" in shown  # the EAEU Treaty's article on workers
    assert len(shown) <= LIMIT
