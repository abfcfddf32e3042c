"""Every screen a user can reach fits a phone and speaks one language: a crawler.

For each audience (foreign migrant, Kazakhstani emigrant, kandas), language and citizenship
kind that changes screens, a user is onboarded through the real dispatcher, the clock pinned
(7 Dec 2026; 10 Jan 2027, a year without its MCI, for the work permit). Then the crawler walks
breadth-first: it presses the buttons of every screen it meets, on the remembered message and
in the dialogue state that screen was shown in, types sample answers where a step asks for
text (dates around today, a deadline's title, a message to the attaché, free questions), and
records each new screen. It fails on
1. a message over 1,500 visible characters (tags removed, entities decoded),
2. a message mixing languages: a Cyrillic word in en, a Kazakh letter in ru, three English
   words in a row in kk or ru, or a piece (25+ characters) of another language's catalog or
   content text; names that are the same in every language are in ALLOWED, each with why,
3. a button press left without an answerCallbackQuery,
and on the apology the bot sends when a handler fails.

Bounds, so that it ends (about 40 s for all on this machine): a screen is walked once per
text (numbers aside), dialogue state and kind of buttons; buttons alike but for a number are
pressed twice per message (calendar days, deadlines), a few kinds a few times in all (CAPS);
at most MAX_DEPTH steps from the menu. Buttons that change the profile (language, role,
country, time zone) are pressed and their answers checked, not walked, and the profile is
put back; /delete's "yes" is never pressed. `-s` prints a summary: screens per language and
profile, and the longest.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from babel.messages.pofile import read_po

from bot import LOCALES_DIR
from bot.rules.scripts import to_script
from bot.scripting import LIKELY_SCRIPT, SCRIPT_NAMES
from bot.simulator import Conversation, Sent, ShownMessage
from handlers.abroad.attache import CaseFlow
from handlers.common.insurance import PolicyFlow
from handlers.common.profile import ProfileEdit
from handlers.common.reminders import OwnDeadline
from handlers.kandas.contract import ContractFlow
from handlers.migrant.permit import PermitFlow
from handlers.migrant.registration import RegistrationFlow
from handlers.views.callbacks import (
    CountryCb,
    DeleteCb,
    LangCb,
    MenuCb,
    PermitAction,
    PermitCb,
    RegAction,
    RegCb,
    RoleCb,
    ScriptCb,
    ZoneCb,
)
from handlers.views.ui import LANGUAGE_NAMES
from tests.conftest import translated
from tests.test_screens import visible

pytestmark = pytest.mark.crawl

LIMIT = 1500  # visible characters in one message
LANGS = ("kk", "ru", "en")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
MCI_MISSING = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)  # no 2027 MCI in the data yet
MAX_ACTIONS = 1500  # per profile: presses and typed answers
MAX_DEPTH = 9  # presses and answers from the first menu (the offer check takes 8)
TEXT_MESSAGES = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "sendVideo"}
APOLOGY = (
    "😔 Sorry, something went wrong on my side. Nothing you entered is lost: "
    "please try again, or open /menu."
)
ALL_SET = "✅ All set! Change anything later in /profile."
FIELD = {"migrant": "citizenship", "emigrant": "abroad", "kandas": "origin"}

# --- the profiles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    audience: str  # migrant | emigrant | kandas
    country: str  # citizenship, country of work, or country of origin
    lang: str
    now: datetime = NOW
    only: str | None = None  # walk only from this menu entry
    script: str = "cyrl"  # Kazakh read in Cyrillic, Latin (latn) or Arabic (arab) script

    @property
    def name(self) -> str:
        suffix = f"@{self.now:%Y-%m-%d}" if self.now != NOW else ""
        script = f"-{self.script}" if self.script != "cyrl" else ""
        return f"{self.audience}-{self.country}{suffix}{script}"


# migrants: 90 days visa-free (Uzbekistan), 30 days per entry (United States), EAEU
# (Kyrgyzstan), China (30 days, category unconfirmed); an emigrant with a country page; a
# kandas from China; and the work permit in a year whose MCI is not in the data
KINDS = [("migrant", "UZ"), ("migrant", "US"), ("migrant", "KG"), ("migrant", "CN")]
KINDS += [("emigrant", "KR"), ("kandas", "CN")]
PROFILES = [Persona(audience, country, lang) for audience, country in KINDS for lang in LANGS]
PROFILES += [Persona("migrant", "UZ", lang, MCI_MISSING, only="permit") for lang in LANGS]
# a kandas from China reading Kazakh in Arabic script, and one in 2021 Latin
PROFILES += [Persona("kandas", "CN", "kk", script=script) for script in ("arab", "latn")]

# The reviews' long screens (2026-12-06 newcomer and language reviews), known by a button
# of theirs: the crawler must reach them
REACHES = {
    "migrant-UZ": RegCb(action=RegAction.remind, day="").pack(),  # registration deadline
    "migrant-US": RegCb(action=RegAction.remind_leave, day="").pack(),  # "Leave … by"
    "migrant-CN": RegCb(action=RegAction.remind_leave, day="").pack(),
    "migrant-UZ@2027-01-10": PermitCb(action=PermitAction.renewed).pack(),  # permit, no MCI
}

# --- sample answers to typed questions ------------------------------------------------------

QUESTIONS = {  # free questions typed outside any dialogue, by audience
    "migrant": {
        "kk": ["қалай тіркелемін?", "патент қанша тұрады?"],
        "ru": ["как мне зарегистрироваться?", "сколько стоит патент"],
        "en": ["how do I register?", "how much is the work permit"],
    },
    "emigrant": {
        "kk": ["төлқұжатымды жоғалттым", "жұмыс беруші жалақы төлемейді"],
        "ru": ["я потерял паспорт", "работодатель не платит зарплату"],
        "en": ["I lost my passport", "my employer does not pay me"],
    },
    "kandas": {
        "kk": ["қалай тіркелемін?", "ықтиярхатты қайда ұзартамын"],
        "ru": ["как мне зарегистрироваться?", "где продлить ВНЖ"],
        "en": ["how do I register?", "where to renew residence permit"],
    },
}
QUESTIONS_IN_SCRIPT = {  # the same question, typed as these readers type it
    "arab": ["قالاي تىركەلەمىن؟", "ىقتييارحاتتى قايدا ۇزارتامىن"],
    "latn": ["qalai tirkelemin?", "ıqtiiarhatty qaida ūzartamyn"],
}
OWN_DEADLINE = {"kk": "Салық төлеу", "ru": "Оплатить налог", "en": "Pay the tax"}
CASE_TEXT = {
    "kk": "Жұмыс беруші екі ай жалақы төлемей жүр.",
    "ru": "Работодатель два месяца не платит зарплату.",
    "en": "My employer has not paid me for two months.",
}
CITY = {"kk": "Алматы", "ru": "Алматы", "en": "Almaty"}
COMMANDS = ["/menu", "/start", "/help", "/privacy", "/profile", "/reminders", "/mycases"]
COMMANDS += ["/language", "/cancel", "/delete"]


# Dates whose dialogue is walked to its end on its own (the steps after them look the same,
# what they lead to differs)
SPECIAL = {
    RegistrationFlow.entry.state: "30.06.2026",  # under the old rules, long passed
    PermitFlow.start.state: "01.10.2026",  # a permit already expired
    ContractFlow.signed.state: "15.03.2026",  # a social contract under the 2026 terms
}


def typed_samples(state: str, lang: str, today: date, date_states: set[str]) -> list[str]:
    """What the user types at this dialogue step (several dates: the step keeps the valid)."""
    if state in date_states:
        days = [today - timedelta(days=20), today - timedelta(days=5), today + timedelta(20)]
        special = [SPECIAL[state]] if state in SPECIAL else []
        return [f"{day:%d.%m.%Y}" for day in days] + special
    return {
        PolicyFlow.insurer.state: ["Halyk Life"],
        OwnDeadline.title.state: [OWN_DEADLINE[lang]],
        PermitFlow.months.state: ["3"],
        CaseFlow.screen.state: [CASE_TEXT[lang]],
        CaseFlow.topic.state: [CASE_TEXT[lang]],
        CaseFlow.first.state: [CASE_TEXT[lang]],
        CaseFlow.writing.state: [CASE_TEXT[lang]],
        ProfileEdit.zone_search.state: [CITY[lang]],
    }.get(state, [])


# --- the checks -----------------------------------------------------------------------------

QUOTES = ("“”", "«»")
# Latin and Cyrillic text that is the same in every language, with why:
ALLOWED = [
    "Құтты мекен",  # the kandas app's name, as the app calls itself (in ru and en too)
    "593/НҚ",  # a joint order's number, written as issued (Cyrillic) in every language
    # the country search's prompt shows on purpose that any language will do
    *(f"{q[0]}{name}{q[1]}" for name in ("Uzbekistan", "Өзбекстан", "Узбекистан") for q in QUOTES),
    # official names of foreign bodies, services, documents and rules, given in English (often
    # in brackets after the translation) as the user will meet them there
    "UK Visas and Immigration",  # GB page: the agency, in the sources
    "View and prove your immigration status",  # GB page: the GOV.UK service to use
    "Certificate of Sponsorship",  # GB page: the document's name
    "National Minimum Wage",  # GB page: the legal names of the minimum wages
    "National Living Wage",
    "Wage and Hour Division",  # US page: the US Department of Labor's office
    "Population and Immigration Authority",  # IL page: Israel's authority
    "Magen David Adom",  # IL page: Israel's ambulance service
    "end-of-service gratuity",  # AE page: the legal term of UAE labour law
    *LANGUAGE_NAMES.values(),  # the language picker names each language in itself
]
# what a Latin or Arabic-script reader sees as written (bot/scripting.py: intact)
INTACT = (*SCRIPT_NAMES.values(),)
# links and domain names, Cyrillic ones (онлайнинспекция.рф) included: named as written
URL = re.compile(r"https?://\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:[a-z]{2,}|рф)\b(?:/\S*)?")
COMMAND = re.compile(r"/[a-z_]+\b")
CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")
KAZAKH_LETTER = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
LATIN_WORD = r"[A-Za-z][A-Za-z'’]*"
ENGLISH_RUN = re.compile(rf"\b{LATIN_WORD}(?:[ -]+{LATIN_WORD}){{2,}}\b")
# a text is split into pieces at placeholders, tags, line breaks and sentence ends
PIECES = re.compile(r"\{[^{}]*\}|<[^>]+>|\n|(?<=[.!?;])\s")
FRAGMENT = 25  # characters: a shorter piece may be shared by chance (a name, a term)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def catalog_texts(lang: str) -> list[str]:
    """What the catalog makes the bot say in `lang` (English: the msgid when not translated)."""
    path = Path(LOCALES_DIR) / lang / "LC_MESSAGES" / "messages.po"
    texts: list[str] = []
    with path.open("rb") as handle:
        for message in read_po(handle):
            if not message.id or (message.fuzzy and lang != "en"):
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            texts += [s for s in strings if s] or (list(ids) if lang == "en" else [])
    return texts


CONTENT = Path(LOCALES_DIR).parent / "bot" / "content"
NOT_SHOWN = {"section_questions.json", "country_aliases.json"}  # paraphrases, search aliases


def content_texts() -> dict[str, list[str]]:
    """Every kk/ru/en text of the content files (lists of paraphrases are not shown)."""
    found: dict[str, list[str]] = defaultdict(list)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in LANGS and isinstance(value, str):
                    found[key].append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted(CONTENT.rglob("*.json")):
        if path.name not in NOT_SHOWN:
            walk(json.loads(path.read_text(encoding="utf-8")))
    return found


@dataclass
class Languages:
    own: dict[str, str]  # every text of a language, squeezed, one blob
    foreign: dict[str, dict[str, list[tuple[str, str]]]]  # lang -> first 25 chars -> pieces
    known: dict[tuple[str, str], bool] = field(default_factory=dict)  # shared() answers

    def stray(self, text: str, lang: str) -> list[str]:
        """Pieces of another language's texts found in `text` (and in no text of `lang`)."""
        index, found = self.foreign[lang], []
        for start in range(len(text) - FRAGMENT + 1):
            for piece, source in index.get(text[start : start + FRAGMENT], ()):
                if text.startswith(piece, start) and not self.shared(piece, lang):
                    found.append(f"{source} text: {piece[:60]!r}")
        return found

    def shared(self, piece: str, lang: str) -> bool:
        if (piece, lang) not in self.known:
            self.known[piece, lang] = piece in self.own[lang]
        return self.known[piece, lang]


@lru_cache(maxsize=1)
def languages() -> Languages:
    content = content_texts()
    texts = {lang: catalog_texts(lang) + content[lang] for lang in LANGS}
    own = {lang: "\n".join(squeeze(html.unescape(t)) for t in texts[lang]) for lang in LANGS}
    foreign: dict[str, dict[str, list[tuple[str, str]]]] = {lang: {} for lang in LANGS}
    for source in LANGS:
        pieces = {
            squeeze(html.unescape(piece)) for text in texts[source] for piece in PIECES.split(text)
        }
        for piece in pieces:
            if len(piece) < FRAGMENT or not re.search(r"[^\W\d_]{3}", piece):
                continue
            for lang in LANGS:
                if lang != source:
                    foreign[lang].setdefault(piece[:FRAGMENT], []).append((piece, source))
    return Languages(own, foreign)


def mixing(text: str, lang: str, allowed: tuple[str, ...] = (), script: str = "cyrl") -> list[str]:
    """How `text` (visible, buttons included) strays from `lang` (Kazakh: in `script`);
    `allowed`: more names."""
    plain = text
    for name in sorted((*allowed, *ALLOWED, *INTACT), key=len, reverse=True):
        plain = plain.replace(name, " ")
    plain = COMMAND.sub(" ", URL.sub(" ", plain))
    if script != "cyrl":  # no Cyrillic left (Latin Kazakh is no English run)
        return [f"Cyrillic word {w!r}" for w in sorted(set(CYRILLIC_WORD.findall(plain)))]
    found = languages().stray(squeeze(text), lang)
    if lang == "en":
        found += [f"Cyrillic word {w!r}" for w in sorted(set(CYRILLIC_WORD.findall(plain)))]
    else:
        if lang == "ru":
            letters = {m.group() for m in KAZAKH_LETTER.finditer(plain)}
            words = {w for w in CYRILLIC_WORD.findall(plain) if KAZAKH_LETTER.search(w)}
            if letters:
                found.append(f"Kazakh letters {sorted(letters)} in {sorted(words)[:5]}")
        found += [f"English words {m.group()!r}" for m in ENGLISH_RUN.finditer(plain)]
    return found


# --- the crawler ----------------------------------------------------------------------------


@dataclass
class Screen:
    text: str  # visible
    path: tuple[str, ...]

    @property
    def first_line(self) -> str:
        return next((line for line in self.text.split("\n") if line.strip()), "")[:80]

    @property
    def kind(self) -> str:
        """The first words of the first line: one screen, whatever the dates in it."""
        return " ".join(self.first_line.split()[:3])


@dataclass
class Node:
    """A screen to walk from: the message as shown, and the dialogue state it was shown in."""

    path: tuple[str, ...]
    message: ShownMessage | None
    state: str | None
    data: dict[str, Any]
    special: str | None = None  # the SPECIAL date on the way here


@dataclass
class Report:
    screens: dict[str, Screen] = field(default_factory=dict)  # by normalised text
    # (problem, kind of screen) -> its variants (dates and numbers differ)
    failures: dict[tuple[str, str], list[Screen]] = field(default_factory=dict)
    buttons: set[str] = field(default_factory=set)  # callback data of the screens seen
    actions: int = 0
    seconds: float = 0.0

    def fail(self, problem: str, screen: Screen) -> None:
        self.failures.setdefault((problem, screen.kind), []).append(screen)

    def longest(self) -> Screen | None:
        return max(self.screens.values(), key=lambda s: len(s.text), default=None)


MARKS = re.compile(r"[✅⬜☑✔◻🔲☐️]")


def normalised(text: str) -> str:
    """A screen's identity: its text with numbers and tick marks taken out."""
    return squeeze(MARKS.sub("", re.sub(r"\d+", "0", text)))


def shape(message: ShownMessage) -> frozenset[str]:
    """What the buttons do, numbers aside: a calendar's months are one shape."""
    if message.markup is None:
        return frozenset()
    return frozenset(
        re.sub(r"\d", "0", b.callback_data or "")
        for row in message.markup.inline_keyboard
        for b in row
    )


def copy(message: ShownMessage) -> ShownMessage:
    markup = message.markup.model_copy(deep=True) if message.markup else None
    return ShownMessage(message.message_id, message.chat_id, message.text, markup)


# buttons that change the profile: pressed, their answer checked, not walked further
LEAVES = (LangCb.__prefix__, RoleCb.__prefix__, CountryCb.__prefix__, ZoneCb.__prefix__)
LEAVES += (ScriptCb.__prefix__,)
SEARCH_ZONE = ZoneCb(zone="search").pack()  # asks for a city: walked
NEVER = {DeleteCb(confirm=True).pack()}  # wipes the profile


# Numbers in these buttons change the screen (months of a permit, a family's size): every one
# is pressed. Elsewhere buttons alike but for a number (calendar days, deadlines, cases) are
# pressed twice per message.
EVERY_VALUE = ("pmt:months", "kd:")
ALIKE = 2
# Presses in the whole walk of buttons that do the same wherever they are (menu entries, a
# calendar's blanks and months, a deadline or a case by row id), numbers aside
CAPS = {"m:": 4, "day:-": 2, "day:m": 4, "dl:": 6, "case:": 6}


def alike(data: str) -> str:
    return re.sub(r"\d+", "0", data)


def presses(message: ShownMessage | None) -> list[tuple[str, str]]:
    """The buttons of a message to press."""
    if message is None or message.markup is None:
        return []
    chosen, counts = [], Counter[str]()
    for row in message.markup.inline_keyboard:
        for button in row:
            data = button.callback_data
            if not data or data in NEVER:
                continue
            counts[alike(data)] += 1
            if counts[alike(data)] <= ALIKE or data.startswith(EVERY_VALUE):
                chosen.append((button.text, data))
    return chosen


class Crawler:
    def __init__(self, app, user: Conversation, profile: Persona, report: Report) -> None:
        self.app, self.user, self.profile, self.report = app, user, profile, report
        self.key = StorageKey(bot_id=user.bot.id, chat_id=user.user_id, user_id=user.user_id)
        self.date_states = set(app.dispatcher["wiring"].dates)
        self.seen: set[tuple[str, str | None, frozenset[str], str | None]] = set()
        self.queue: deque[tuple[Node, str, str, str]] = deque()  # node, kind, value, label
        self.stored: dict[str, Any] = {}
        self.pressed: Counter[str] = Counter()
        self.only = MenuCb(item=profile.only or "").pack()
        self.apology = translated(app, profile.lang, APOLOGY)
        # the language picker says "Choose your language:" in all three languages
        self.picker = tuple(translated(app, code, "Choose your language:") for code in LANGS)
        self.today = profile.now.date()

    async def start(self, menu: ShownMessage) -> None:
        stored = await self.app.users.get(self.user.user_id)
        fields = ("locale", "role", "citizenship", "country_abroad", "timezone", "script")
        self.stored = {name: getattr(stored, name) for name in fields}
        root = Node((), copy(menu), None, {})
        if self.profile.only:
            label = next(label for label, data in presses(menu) if data == self.only)
            self.queue.append((root, "press", self.only, label))
            return
        self.plan(root)
        for command in COMMANDS:
            self.queue.append((root, "send", command, command))
        questions = QUESTIONS[self.profile.audience][self.profile.lang]
        for question in QUESTIONS_IN_SCRIPT.get(self.profile.script, questions):
            self.queue.append((root, "send", question, f"typed {question!r}"))

    def plan(self, node: Node) -> None:
        for label, data in presses(node.message):
            self.queue.append((node, "press", data, label))
        state, lang = node.state or "", self.profile.lang
        for typed in typed_samples(state, lang, self.today, self.date_states):
            self.queue.append((node, "send", typed, f"typed {typed!r}"))

    async def run(self) -> None:
        while self.queue and self.report.actions < MAX_ACTIONS:
            await self.step(*self.queue.popleft())

    def capped(self, kind: str, value: str) -> bool:
        if kind != "press":
            return False
        if self.profile.only and value.startswith("m:") and value != self.only:
            return True  # one guide only: its "Menu" and links lead out of it
        cap = next((n for prefix, n in CAPS.items() if value.startswith(prefix)), None)
        self.pressed[alike(value)] += 1
        return cap is not None and self.pressed[alike(value)] > cap

    async def step(self, node: Node, kind: str, value: str, label: str) -> None:
        if self.capped(kind, value):
            return
        self.report.actions += 1
        storage = self.app.storage
        await storage.set_state(self.key, node.state)
        await storage.set_data(self.key, node.data)
        chat = self.user.user_id
        known = max((m for (c, m) in self.user.session.shown if c == chat), default=0)
        path = (*node.path, label)
        if kind == "press":
            sent = await self.user.press_data(value, node.message)
            if not any(s.name == "answerCallbackQuery" for s in sent):
                self.report.fail("press left unanswered", Screen(label, path))
        else:
            sent = await self.user.send(value)
        await self.put_profile_back()
        # a language or script button switches the language of its own answer (then it is
        # put back); Kazakh stays in the reader's script
        lang, script = self.profile.lang, self.profile.script
        if value.startswith(LangCb.__prefix__):
            lang = LangCb.unpack(value).code
        if value.startswith(ScriptCb.__prefix__):
            lang, script = "kk", ScriptCb.unpack(value).script
        self.check(sent, path, lang, script if lang == "kk" else "cyrl")
        if kind == "press" and value.startswith(LEAVES) and value != SEARCH_ZONE:
            return  # the profile changed: the screens are checked, not walked
        if len(path) >= MAX_DEPTH:
            return
        state = await storage.get_state(self.key)
        data = await storage.get_data(self.key)
        edited = {
            s.method.message_id
            for s in sent
            if s.name in ("editMessageText", "editMessageReplyMarkup") and s.chat_id == chat
        }
        shown = [
            copy(m)
            for (c, m_id), m in self.user.session.shown.items()
            if c == chat and (m_id > known or m_id in edited)
        ]
        if not shown and state is not None:  # a question asked by an answer to the press
            shown = [ShownMessage(0, chat, "", None)]
        special = node.special or (value if value in SPECIAL.values() else None)
        for message in shown:
            self.report.buttons.update(data for _label, data in presses(message))
            key = (normalised(visible(message.text)), state, shape(message), special)
            if key not in self.seen:
                self.seen.add(key)
                self.plan(Node(path, message, state, data, special))

    async def put_profile_back(self) -> None:
        current = await self.app.users.get(self.user.user_id)
        if current is None or any(getattr(current, k) != v for k, v in self.stored.items()):
            await self.app.users.save(self.user.user_id, **self.stored)

    def check(self, sent: list[Sent], path: tuple[str, ...], lang: str, script: str) -> None:
        for s in sent:
            if s.chat_id != self.user.user_id and s.name != "answerCallbackQuery":
                continue  # what went to the staff
            text = visible(s.text) if s.name in TEXT_MESSAGES else ""
            if s.name == "answerCallbackQuery":
                text = getattr(s.method, "text", None) or ""
            labels = "\n".join(label for label, _data in s.buttons)
            if not text and not labels:
                continue
            screen = Screen(text or labels, path)
            if text and s.name in TEXT_MESSAGES:
                self.report.screens.setdefault(normalised(text), screen)
                if len(text) > LIMIT:
                    self.report.fail("too long", screen)
                if text == visible(self.apology):
                    self.report.fail("the bot failed (see the log)", screen)
            picker = any(data.startswith("lang:") for _label, data in s.buttons)
            allowed = self.picker if picker else ()
            for problem in mixing(f"{text}\n{labels}", lang, allowed, script):
                self.report.fail(problem, screen)


def as_read(text: str, script: str) -> str:
    return to_script(text, "latn" if script == "latn" else "arab") if script != "cyrl" else text


# --- the test -------------------------------------------------------------------------------

SUMMARY: dict[Persona, Report] = {}


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    if not SUMMARY:
        return
    print("\n\n=== crawl summary ===")
    for lang in LANGS:
        reports = {p: r for p, r in SUMMARY.items() if p.lang == lang and r.screens}
        if not reports:
            continue
        keys = {k for r in reports.values() for k in r.screens}
        longest = max(
            (s for r in reports.values() if (s := r.longest())), key=lambda s: len(s.text)
        )
        print(
            f"{lang}: {len(keys)} distinct screens; longest {len(longest.text)}: "
            f"{longest.first_line!r} via {' > '.join(longest.path)}"
        )
    for profile, report in SUMMARY.items():
        top = report.longest()
        print(
            f"  {profile.name} {profile.lang}: {len(report.screens)} screens, "
            f"{report.actions} actions, {report.seconds:.1f}s, {len(report.failures)} failures; "
            f"longest {len(top.text) if top else 0}"
        )


def failure_lines(report: Report) -> list[str]:
    """One line per problem and kind of screen: the shortest way there, the longest variant."""
    lines = []
    for (problem, _kind), screens in sorted(report.failures.items()):
        first = min(screens, key=lambda s: len(s.path))
        line = f"{first.first_line!r} via {' > '.join(first.path)}"
        if problem == "too long":
            top = max(screens, key=lambda s: len(s.text))
            line = f"{len(first.text)} characters: {line}"
            if top is not first:
                line += f"; longest {len(top.text)} via {' > '.join(top.path)}"
            line += f" ({len(screens)} variants over {LIMIT})"
        else:
            line = f"{problem}: {line}"
        lines.append(line)
    return lines


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: f"{p.name}-{p.lang}")
async def test_every_reachable_screen_fits_and_speaks_one_language(app, chat, clock, profile):
    started = time.monotonic()
    clock.set(profile.now)
    user = chat(user_id=500, lang=profile.lang)
    await user.send("/start")
    await user.press_data(LangCb(code=profile.lang).pack(), user.last_with_buttons())
    await user.press_data(RoleCb(role=profile.audience).pack(), user.last_with_buttons())
    code = CountryCb(field=FIELD[profile.audience], code=profile.country).pack()
    sent = await user.press_data(code, user.last_with_buttons())
    if profile.audience == "kandas" and profile.country in LIKELY_SCRIPT:  # which script
        script = profile.script if profile.lang == "kk" else "keep"
        sent = await user.press_data(ScriptCb(script=script).pack(), user.last_with_buttons())
    all_set = translated(app, profile.lang, ALL_SET)
    assert visible(sent[-1].text).startswith(visible(as_read(all_set, profile.script)))
    stored = await app.users.get(user.user_id)
    assert stored is not None and stored.role == profile.audience
    menu = user.last_with_buttons()
    assert menu is not None

    report = Report()
    crawler = Crawler(app, user, profile, report)
    await crawler.start(menu)
    await crawler.run()
    report.seconds = time.monotonic() - started
    SUMMARY[profile] = report

    expected = REACHES.get(profile.name)
    assert expected is None or any(data.startswith(expected) for data in report.buttons), (
        f"the crawler did not reach the screen with {expected!r}"
    )
    failures = failure_lines(report)
    assert not failures, f"{profile.name} {profile.lang}:\n" + "\n".join(failures)


def test_the_language_checks_catch_what_they_should(app):
    """The checks are not vacuous: each catches its kind of mix, and lets names through."""
    ru = translated(app, "ru", ALL_SET)
    assert any(p.startswith("ru text") for p in mixing(f"Бәрі дайын. {ru}", "kk"))
    assert mixing("Leave by 5 January: срок", "en") == ["Cyrillic word 'срок'"]
    assert mixing("Срок: қалай тіркелемін", "ru")[0].startswith("Kazakh letters")
    assert mixing("Мерзім: please check this", "kk") == ["English words 'please check this'"]
    assert mixing("Приложение «Құтты мекен», сайт онлайнинспекция.рф, egov.kz", "ru") == []
    assert mixing("Оплата не ниже National Minimum Wage", "ru") == []
