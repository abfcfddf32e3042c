"""Every screen, in kk, ru and en, through the real dispatcher: it fits one message, prints
each heading once, has no doubled full stop after a Russian date, shows time zones in the
user's language; and the Russia page says no more than its sources.

The screens are enumerated from the data (every country page and its every section, every
checklist item, every answer of the job-offer check), so a new country or item is covered."""

from __future__ import annotations

import html
import itertools
import json
import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, get_timezone_location
from babel.messages.pofile import read_po

from bot import LOCALES_DIR
from bot.content.abroad import (
    ABROAD_DIR,
    checklist,
    country_codes,
    country_page,
    general_guide,
    offer_check,
)
from bot.content.countries import country_name
from bot.i18n import speaking
from bot.simulator import Conversation, Sent
from handlers.abroad.offer import verdict_screen
from handlers.views.abroad import AGREEMENT_LABELS, GENERAL
from storage.records import PersonalRecord
from tests.conftest import translated
from tests.test_emigrants import emigrant

LIMIT = 1500  # characters in one message, as the user sees them (the limit)
LANGS = ["kk", "ru", "en"]
LANG_BUTTON = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")  # "г.." and any "..", an ellipsis aside
IANA = re.compile(r"\b(?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)/\w")
# a line that is only a bold heading (an emoji or a colon around it allowed)
HEADING = re.compile(r"[^\w<]*<b>[^<]+</b>[\s:.]*")


def visible(text: str) -> str:
    """What Telegram shows: tags off, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def t(app, lang: str, msgid: str) -> str:
    return translated(app, lang, msgid)


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", visible(text).casefold()))


def stems(text: str) -> set[str]:
    return {word[:5] for word in words(text).split() if len(word) >= 4}


def repeats(text: str) -> list[str]:
    """Headings or lines printed twice: a heading right under a heading that says the same
    ("🛂 Working legally" / "Work only legally"), the same line twice, or a line that says one
    clause twice ("Agreement: in force. In force: …")."""
    found = []
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for above, below in itertools.pairwise(lines):
        if HEADING.fullmatch(above) and HEADING.fullmatch(below) and stems(above) & stems(below):
            found.append(f"heading twice: {above!r} / {below!r}")
    seen: set[str] = set()
    for line in lines:
        key = words(line)
        if key and key in seen:
            found.append(f"line twice: {line!r}")
        seen.add(key)
        clauses = [words(c) for c in re.split(r"[.:;!?]", visible(line))]
        clauses = [c for c in clauses if c]
        if len(clauses) != len(set(clauses)):
            found.append(f"clause twice: {line!r}")
    return found


def problems(text: str) -> list[str]:
    found = repeats(text)
    shown = visible(text)
    if len(shown) > LIMIT:
        found.append(f"{len(shown)} characters")
    if DOUBLE_STOP.search(shown):
        found.append(f"doubled full stop: {DOUBLE_STOP.search(shown)!r}")
    return found


def check_all(sent: list[Sent], what: str) -> None:
    """Every message the bot sent (or edited) passes."""
    failures = {}
    for s in sent:
        if s.name in ("sendMessage", "editMessageText") and s.text:
            found = problems(s.text)
            if found:
                failures[s.text[:80]] = found
    assert not failures, f"{what}: {failures}"


def format_long(day: date, lang: str) -> str:
    return format_date(day, "long", locale=lang)


def data_of(sent: list[Sent], prefix: str) -> list[str]:
    return [data for s in sent for _label, data in s.buttons if data.startswith(prefix)]


# --- one message each, each heading once, one full stop ------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_every_rights_page_and_section(app, chat, lang):
    user = await emigrant(chat(lang=lang), lang, None)
    start = len(user.session.requests)
    pages = 0
    for code in [*country_codes(), GENERAL]:
        page = await user.press_data(f"rt:{code}:")
        sections = [d for d in data_of(page[-1:], f"rt:{code}:") if d != f"rt:{code}:"]
        assert len(sections) >= 5, code
        for data in sections:
            section = await user.press_data(data)
            assert data_of(section[-1:], f"rt:{code}:") == [f"rt:{code}:"]  # back to the page
            pages += 1
    assert pages >= 5 * (len(country_codes()) + 1)
    check_all(user.session.requests[start:], "rights")


@pytest.mark.parametrize("lang", LANGS)
async def test_the_general_guide_for_a_country_without_a_page(app, chat, lang):
    user = await emigrant(chat(lang=lang), lang, "JP")
    await user.send("/menu")
    sent = await user.press(t(app, lang, "⚖️ My rights abroad"))
    assert country_name("JP", lang) in sent[-1].text
    for data in data_of(sent[-1:], f"rt:{GENERAL}:"):
        sent += await user.press_data(data)
    check_all(sent, "general guide")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("country", [*country_codes(), "JP", None])
async def test_sos_screen(app, chat, lang, country):
    user = await emigrant(chat(lang=lang), lang, country)
    await user.send("/menu")
    sent = await user.press(t(app, lang, "🆘 SOS: I need help now"))
    assert any("🆘" in s.text for s in sent)
    check_all(sent, f"SOS {country}")


@pytest.mark.parametrize("lang", LANGS)
async def test_checklist_with_every_item_open_and_ticked(app, chat, lang):
    user = await emigrant(chat(lang=lang), lang, "RU")
    start = len(user.session.requests)
    await user.send("/menu")
    await user.press(t(app, lang, "🧳 Before you go"))
    await user.press(t(app, lang, "📅 Set departure date"))
    await user.send("20.12.2026")
    screen = None
    for item in checklist().items:
        screen = await user.press(item.title.in_(lang))
    assert screen is not None
    for item in checklist().items:
        assert f"✅ <b>{item.title.in_(lang)}</b>" in screen[-1].text
    day = format_long(date(2026, 12, 20), lang)
    assert day in screen[-1].text
    tips = [d for d in data_of(screen[-1:], "m:") if "tips" in d]
    assert tips, "the hints are one press away"
    shown = await user.press_data(tips[0])
    hints = "\n".join(s.text for s in shown)
    for item in checklist().items:
        assert item.hint.in_(lang) in hints
    assert checklist().source.in_(lang) in hints
    check_all(user.session.requests[start:], "checklist")


def every_answer_set() -> list[dict[str, str]]:
    questions = offer_check().questions
    return [
        {q.id: a.id for q, a in zip(questions, chosen, strict=True)}
        for chosen in itertools.product(*(q.answers for q in questions))
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_every_offer_verdict(app, lang):
    """All answer combinations, rendered by the view the handler uses."""
    check = offer_check()
    failures = {}
    with speaking(app.i18n, lang):
        for answers in every_answer_set():
            text, markup = verdict_screen(answers)
            found = problems(text)
            labels = [b.text for row in markup.inline_keyboard for b in row]
            steps = check.verify_agency.in_(lang)
            if steps not in text and t(app, lang, "🔎 How to check the agency") not in labels:
                found.append("the agency steps are neither shown nor one press away")
            if found:
                failures[tuple(answers.values())] = found
    assert not failures, failures


def longest_answers(risk_free: bool = False) -> list[str]:
    """For each question the answer with the longest reason (the longest verdict)."""
    chosen = []
    for question in offer_check().questions:
        with_reason = [a for a in question.answers if a.reason]
        best = max(with_reason, key=lambda a: len(a.reason.kk)) if with_reason else None
        chosen.append(best.id if best and not risk_free else question.answers[0].id)
    return chosen


@pytest.mark.parametrize("lang", LANGS)
async def test_offer_verdicts_through_the_dispatcher(app, chat, lang):
    user = await emigrant(chat(lang=lang), lang, "RU")
    start = len(user.session.requests)
    for answers in (longest_answers(), ["no", "work", "no", "no", "yes", "checked"]):
        await user.send("/menu")
        await user.press(t(app, lang, "🔍 Is this job offer safe?"))
        sent: list[Sent] = []
        for step, answer in enumerate(answers):
            sent = await user.press_data(f"of:{step}:{answer}", user.last_with_buttons())
        agency = t(app, lang, "🔎 How to check the agency")
        if any(agency == label for label, _data in sent[-1].buttons):
            steps = await user.press(agency)
            assert offer_check().verify_agency.in_(lang) in steps[-1].text
            assert offer_check().source.in_(lang) in steps[-1].text
    check_all(user.session.requests[start:], "offer check")


def test_data_texts_print_no_heading_of_their_own():
    """The code prints the heading of a section and of the agency steps; the data texts
    must not start with one of their own."""
    texts = {"verify_agency": offer_check().verify_agency}
    for name, text in general_guide().sections:
        texts[f"general.{name}"] = text
    for code in country_codes():
        page = country_page(code)
        assert page is not None
        for name, text in page.sections:
            texts[f"{code}.{name}"] = text
    for key, text in texts.items():
        for lang in LANGS:
            first = text.in_(lang).split("\n")[0]
            assert not HEADING.fullmatch(first), (key, lang, first)


@pytest.mark.parametrize("lang", LANGS)
def test_the_agreement_text_does_not_repeat_its_status(app, lang):
    """The label says the status ("Agreement with Kazakhstan: in force."); the text says
    which agreement, never "in force" again (nor "not confirmed" after "not confirmed")."""
    for code in country_codes():
        page = country_page(code)
        assert page is not None
        with speaking(app.i18n, lang):
            label = str(AGREEMENT_LABELS[page.agreement.status])
        status = words(label.split(":", 1)[1])
        stems = [w[: max(4, len(w) - 3)] for w in status.split() if len(w) >= 4]
        text = words(page.agreement.text.in_(lang))
        for stem in stems:
            assert stem not in text, (code, lang, stem, page.agreement.text.in_(lang)[:120])


# --- full stops after Russian dates everywhere -----------------------------------------------


def test_no_doubled_full_stop_in_catalogs_and_data():
    for lang in LANGS:
        path = Path(LOCALES_DIR) / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            for message in read_po(handle):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for string in strings:
                    assert not DOUBLE_STOP.search(string or ""), (lang, message.id)
    content = Path(ABROAD_DIR).parent
    for path in [*content.glob("*.json"), *ABROAD_DIR.rglob("*.json")]:
        assert not DOUBLE_STOP.search(path.read_text(encoding="utf-8")), path.name


async def migrant(user: Conversation, lang: str) -> Conversation:
    await user.send("/start")
    await user.press(LANG_BUTTON[lang])
    await user.press("🌍")
    await user.press(country_name("UZ", lang))
    return user


async def open_guide(app, user: Conversation, lang: str, label: str) -> list[Sent]:
    await user.send("/menu")
    return await user.press(t(app, lang, label))


@pytest.mark.parametrize("lang", LANGS)
async def test_migrant_guides_have_no_doubled_full_stop(app, chat, lang):
    """Registration, stay, permit and insurance results, as the user reaches them."""
    user = await migrant(chat(lang=lang), lang)
    start = len(user.session.requests)
    await open_guide(app, user, lang, "📝 Registration")
    await user.send("21.12.2026")  # after today: "from … to 21 ноября 2026 г."
    await user.send("10.11.2026")
    await open_guide(app, user, lang, "📅 How long may I stay")
    await user.press(t(app, lang, "➕ Add a trip"))
    await user.send("01.09.2026")
    await user.send("30.09.2026")
    await user.press(t(app, lang, "➕ Add a trip"))
    await user.send("10.11.2026")
    await user.press(t(app, lang, "🇰🇿 I am still in Kazakhstan"))
    await open_guide(app, user, lang, "💼 Work permit (patent)")
    await user.press(t(app, lang, "🆕 New permit"))
    await user.press(t(app, lang, "Today"))
    await user.press("3")
    await open_guide(app, user, lang, "🩺 Insurance")
    await user.press(t(app, lang, "📝 Record my policy"))
    await user.send("Halyk Life")
    await user.send("01.11.2026")
    await user.send("30.04.2027")
    await user.press(t(app, lang, "Yes"))
    await user.send("30.06.2027")
    sent = user.session.requests[start:]
    texts = [visible(s.text) for s in sent if s.text]
    assert any(format_long(date(2027, 4, 30), lang) in text for text in texts)
    doubled = [text[:120] for text in texts if DOUBLE_STOP.search(text)]
    assert not doubled, doubled


# --- time zones in the user's language -------------------------------------------------------


def city(zone: str, lang: str) -> str:
    return get_timezone_location(ZoneInfo(zone), locale=lang, return_city=True)


@pytest.mark.parametrize("lang", LANGS)
async def test_reminders_show_the_time_zone_in_the_users_language(app, chat, lang):
    user = await emigrant(chat(lang=lang), lang, "KR")
    await app.reminders.schedule(
        user.user_id, "personal", date(2026, 12, 21), PersonalRecord(title="Visa"), "personal:1"
    )
    [screen] = await user.send("/reminders")
    deadline = await user.press("1. Visa")
    await user.send("/profile")
    zones = await user.press(t(app, lang, "🕒 Change time zone"))
    for text in (screen.text, deadline[-1].text, zones[-1].text):
        assert not IANA.search(text), text
        assert city("Asia/Seoul", lang) in text and "UTC+09:00" in text, text


@pytest.mark.parametrize("lang", LANGS)
async def test_the_profile_shows_the_time_zone_in_the_users_language(app, chat, lang):
    """Needs `profile_screen` (handlers/views/ui.py) to print `zone_label(...)`."""
    user = await emigrant(chat(lang=lang), lang, None)
    [profile] = await user.send("/profile")
    assert not IANA.search(profile.text), profile.text
    assert city("Asia/Almaty", lang) in profile.text


# --- the Russia page says no more than its sources -----------------------------------------

RU_PAGE = ABROAD_DIR / "countries" / "RU.json"
UNCONFIRMED = {"kk": "расталмаған", "ru": "не подтвержден", "en": "not confirmed"}


def ru_texts() -> dict[str, dict[str, str]]:
    data = json.loads(RU_PAGE.read_text(encoding="utf-8"))
    texts = {"agreement": data["agreement"]["text"], "notes": data["notes"]}
    texts.update(data["sections"])
    return texts


def test_the_russia_page_claims_no_more_than_its_sources():
    data = json.loads(RU_PAGE.read_text(encoding="utf-8"))
    everything = json.dumps(data, ensure_ascii=False).casefold()
    # Amina: "workers coming to Moscow or the Moscow region must use the app" (Russian MVD,
    # from 1 September 2025), not "register only through it"
    for overstated in ("only through", "только через", "тек «амина»", "тек амина"):
        assert overstated not in everything, overstated
    amina = {"kk": "«Амин", "ru": "«Амин", "en": "Amina"}  # «Амину»: declined in Russian
    for key, text in ru_texts().items():
        for lang in LANGS:
            mentioned = amina[lang].casefold() in text[lang].casefold()
            assert mentioned == (amina["en"].casefold() in text["en"].casefold()), (key, lang)
    sources = data["source"]["en"]
    for basis in ("EAEU", "Labour Code", "Amina", "police", "egov.kz", "ILO"):
        assert basis in sources, basis
    # the articles and dates the page rests on, in every language (facts review, row 22)
    for lang in LANGS:
        source = data["source"][lang]
        for cited in ("29", "2014", "73, 97, 98", "67, 133, 136, 393", "7", "2012"):
            assert cited in source, (lang, cited)
    assert "Treaty on the EAEU of 29 May 2014, arts. 73, 97, 98" in sources
    assert "Labour Code of the Russian Federation, arts. 67, 133, 136, 393" in sources
    assert "agreement on the stay of citizens of 7 Jun 2012" in sources
    # "social insurance on the same terms" as Russian citizens, not "under that treaty"
    assert "Ресей азаматтарымен бірдей шартпен" in data["agreement"]["text"]["kk"]
    # what no listed source supports is marked, in every language alike
    marks = {
        key: [text[lang].casefold().count(UNCONFIRMED[lang]) for lang in LANGS]
        for key, text in ru_texts().items()
    }
    assert all(len(set(counts)) == 1 for counts in marks.values()), marks
    assert sum(counts[0] for counts in marks.values()) >= 2, marks
    lines = [line for text in ru_texts().values() for line in text["en"].split("\n")]
    for claim in ("register of controlled persons", "purpose of your trip"):
        line = next(line for line in lines if claim in line)
        assert "not confirmed" in line.casefold(), line


# --- what the reviews of 6 Dec 2026 pinned --------------------------------------------------

CONTENT = Path(ABROAD_DIR).parent


def texts_in(data: object, lang: str, skip: str = "questions") -> list[str]:
    """Every `lang` text in a content file (paraphrase lists users never see left out)."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == lang and isinstance(value, str):
                found.append(value)
            elif key != skip:
                found.extend(texts_in(value, lang, skip))
    elif isinstance(data, list):
        for value in data:
            found.extend(texts_in(value, lang, skip))
    return found


def shown_texts(lang: str) -> list[str]:
    """The catalog's `lang` strings, the emigrant content and the typed-question answers."""
    path = Path(LOCALES_DIR) / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        messages = [message for message in read_po(handle) if message.id]
    found = [
        string
        for message in messages
        for string in (message.string if isinstance(message.string, tuple) else [message.string])
    ]
    files = [p for p in ABROAD_DIR.rglob("*.json") if p.name != "section_questions.json"]
    for path in [*files, CONTENT / "answers.json"]:
        found.extend(texts_in(json.loads(path.read_text(encoding="utf-8")), lang))
    return found


AGENCY_CHECK = {  # where to ask, the register not confirmed, pay nothing up front
    "kk": ("еңбек ұтқырлығы орталығ", "расталмаған", "алдын ала ештеңе төлемеңіз"),
    "ru": ("центре трудовой мобильности", "не подтверждён", "ничего не платите заранее"),
    "en": ("labour-mobility centre", "not confirmed", "pay nothing up front"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_no_licence_register_of_agencies_is_claimed(lang):
    """Facts review, row 15: licences for agencies sending workers abroad were only announced
    (informburo.kz, 2025), so the bot sends people to the labour-mobility centre or
    migration.enbek.kz to ask whether the agency is registered, and says no more."""
    item = next(item for item in checklist().items if item.id == "agency")
    for text in (item.hint.in_(lang), offer_check().verify_agency.in_(lang)):
        for said in ("migration.enbek.kz", *AGENCY_CHECK[lang]):
            assert said in text.casefold(), (said, text)
    unconfirmed = AGENCY_CHECK[lang][1]
    for text in shown_texts(lang):
        folded = text.casefold()
        if ("licen" in folded or "лиценз" in folded) and "enbek.kz" in folded:
            assert unconfirmed in folded, text  # never "check its licence on enbek.kz"
    question = next(q for q in offer_check().questions if q.id == "agency")
    for text in (question.text, *(answer.label for answer in question.answers)):
        assert "licen" not in text.en.casefold(), text.en


def test_the_concept_2023_2027_is_dated_and_the_one_to_2030_named():
    """Facts review, row 20: what the 2023–2027 Concept (Resolution No. 961) planned is told
    as past, beside the Concept to 2030 adopted in December 2025, whose list is not checked."""
    dated = 0
    for code in country_codes():
        page = country_page(code)
        assert page is not None
        assert " plans " not in page.agreement.text.en
        if "2023–2027" in page.agreement.text.en:
            dated += 1
            for lang in LANGS:
                assert "961" in page.agreement.text.in_(lang), (code, lang)
                assert "2030" in page.agreement.text.in_(lang), (code, lang)
                assert "2030" in page.source_in(lang), (code, lang)
    assert dated == 6  # KR, TR, AE, US, IL, DE
    for data in (general_guide(), checklist(), offer_check()):
        for lang in LANGS:
            assert "961" in data.source_in(lang) and "2030" in data.source_in(lang), lang


GLOSSARY_BREACHES = {
    # one term per concept (shared/GLOSSARY.md and the language review of 6 Dec 2026)
    "kk": ("еңбекақы", "жұмысшы", "түйме", "сурет", "уақытылы", "“", "”", "таратулар тізімі"),
    "ru": ("атташе по труду", "страховка доставки", "посольство или консульство казахстана:"),
}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_one_term_per_concept(lang):
    breaches = [
        (word, text[:80])
        for text in shown_texts(lang)
        for word in GLOSSARY_BREACHES[lang]
        if word in text.casefold() and not (lang == "ru" and word.endswith(":"))
    ]
    assert not breaches, breaches


def test_cancelling_a_broadcast_has_one_kazakh_verb(app):
    """«Болдырмау» / «болдырылмады», never «тоқтату» (stop), which is also the /cancel hint."""
    for msgid in (
        "✖️ Cancel",
        "✖️ Cancel #{id}",
        "cancelled",
        "✖️ Cancelled.",
        "✖️ <b>Broadcast #{id} was cancelled.</b>",
        "Not sent (cancelled): {count}",
    ):
        text = t(app, "kk", msgid)
        assert "болдыр" in text.casefold() and "тоқтат" not in text.casefold(), text


def test_insurance_names_repatriation_insurance_by_its_term(app):
    terms = {"kk": "Репатриациялық сақтандыру", "ru": "Страхование на случай репатриации"}
    for lang, term in terms.items():
        screens = [text for text in shown_texts(lang) if text.startswith("🩺 <b>")]
        assert len(screens) == 2 and all(term in text for text in screens), lang
    english = [text for text in shown_texts("en") if text.startswith("🩺 <b>Insurance")]
    assert any("leaving for the same period" in text for text in english)
    assert not any("for as long" in text for text in english)
