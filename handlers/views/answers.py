"""The knowledge base as typed questions find it: one answer per place a guide can open,
with its title, a short answer, its source and the screen it opens, in every language.

Answers are built once per dispatcher from the same data and catalog texts the guides
show: the hand-written entries of bot/content/answers.json (a short answer with figures
from the data, and paraphrase questions), every section of every rights page, every
checklist item, every kandas route and organisation. Their texts in all three languages
are indexed together (bot/services/search.py), so a question in any of them finds them."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property, partial
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_date
from babel.numbers import format_decimal
from pydantic import BaseModel, Field

from bot import LOCALES
from bot.content import Sourced, load
from bot.content.abroad import Text, checklist, country_codes, country_page, general_guide
from bot.content.abroad import offer_check as offer_check_facts
from bot.content.countries import aliases as country_aliases
from bot.content.countries import country_name
from bot.content.facts import current_day, mci_for_taxes
from bot.content.kandas import pages, residence, support
from bot.content.migrants import facts as migrant_facts
from bot.content.papers import PaperGuide, Papers, PaperSection, filled_text
from bot.content.papers import papers as load_papers
from bot.i18n import speaking
from bot.rules.language import content_stems
from bot.services.search import Document, Hit, SearchIndex
from bot.services.users import Profile
from handlers.views.abroad import GENERAL, NOTES, SECTION_LABELS, section_label
from handlers.views.callbacks import (
    AskAction,
    AskCb,
    KandasCb,
    KandasPage,
    MenuCb,
    PaperCb,
    ProfileAction,
    ProfileCb,
    RegAction,
    RegCb,
    RightsCb,
)
from handlers.views.guide import contact_centre
from handlers.views.kandas import filled
from handlers.views.ui import (
    MENU_ITEMS,
    Button,
    current_locale,
    keyboard,
    menu_button,
    menu_label,
    menu_markup,
)

TAG = re.compile(r"<[^>]+>")
SENTENCE = re.compile(r"(?<=[.!?])\s")
SHORT = 260  # characters of a short answer taken from a guide's text
MESSAGE_LIMIT = 1500
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
ROLES = tuple(role for role in MENU_ITEMS if role is not None)
ROLE_GUIDES = frozenset(item for role in ROLES for item in MENU_ITEMS[role])  # not for all


class Entry(BaseModel):
    id: str = Field(pattern=r"^[a-z_]{2,32}$")
    answer: Text
    questions: dict[str, list[str]]  # paraphrases by language


class Entries(Sourced):
    entries: list[Entry]


class SectionQuestions(Sourced):
    """Paraphrase questions for every rights page's sections (for the search only)."""

    sections: dict[str, dict[str, list[str]]]


# where each hand-written entry leads, what it is called, where its facts come from
STATIC: dict[str, tuple[CallbackData, Any]] = {
    "registration": (MenuCb(item="registration"), __("📝 Registration on arrival")),
    "address_change": (RegCb(action=RegAction.address), __("🏠 Moving to a new address")),
    "stay": (MenuCb(item="stay"), __("📅 How long you may stay")),
    "overstay": (MenuCb(item="stay"), __("⚠️ Staying too long")),
    "permit_tax": (MenuCb(item="permit"), __("💼 The work permit tax")),
    "permit_renewal": (MenuCb(item="permit"), __("💼 Renewing the work permit")),
    "permit_fine": (MenuCb(item="permit"), __("💼 Working without a permit")),
    "insurance_medical": (MenuCb(item="insurance"), __("🩺 Medical insurance")),
    "insurance_repatriation": (MenuCb(item="insurance"), __("🩺 Repatriation insurance")),
    "reminders": (MenuCb(item="reminders"), __("⏰ Reminders")),
    "profile_data": (MenuCb(item="profile"), __("🔒 Your data")),
    "language": (ProfileCb(action=ProfileAction.language), __("🌐 Language")),
    "sos": (MenuCb(item="sos"), __("🆘 SOS")),
    "attache": (MenuCb(item="attache"), __("✉️ The labour attaché")),
    "rights": (MenuCb(item="rights"), __("⚖️ Your rights abroad")),
    "checklist": (MenuCb(item="checklist"), __("🧳 Before you go")),
    "offer_check": (MenuCb(item="offer_check"), __("🔍 Is a job offer safe")),
    "kandas_status": (MenuCb(item="kandas_status"), __("🪪 Kandas status")),
    "kandas_apply_abroad": (
        KandasCb(page=KandasPage.apply, value="abroad"),
        __("📍 Applying for kandas status from abroad"),
    ),
    "kandas_apply_home": (
        KandasCb(page=KandasPage.apply, value="home"),
        __("📍 Applying for kandas status in Kazakhstan"),
    ),
    "kandas_paths": (KandasCb(page=KandasPage.paths), __("⚖️ The quota or general grounds")),
    "kandas_regions": (MenuCb(item="kandas_regions"), __("🗺 Where kandas settle")),
    "kandas_support": (KandasCb(page=KandasPage.family), __("🤝 Support for kandas families")),
    "kandas_contract": (MenuCb(item="kandas_contract"), __("🤝 The social contract")),
    "residence": (MenuCb(item="residence"), __("🏠 Residence permit")),
    "citizenship_test": (KandasCb(page=KandasPage.citizenship), __("🇰🇿 The citizenship test")),
    "kandas_arrival": (MenuCb(item="kandas_arrival"), __("🧭 Help on arrival")),
    "kandas_routes": (MenuCb(item="kandas_routes"), __("🛤 Other ways to move here")),
}


def static_source(entry_id: str) -> Sourced | None:
    facts = migrant_facts()
    if entry_id in ("registration", "address_change", "overstay"):
        return facts.registration
    if entry_id == "stay":
        return facts.stay
    if entry_id.startswith("permit"):
        return facts.permit
    if entry_id.startswith("insurance"):
        return facts.insurance
    if entry_id in ("rights", "sos", "attache"):
        return general_guide()
    if entry_id == "checklist":
        return checklist()
    if entry_id == "offer_check":
        return offer_check_facts()
    if entry_id in ("kandas_regions", "kandas_support", "kandas_contract"):
        return support()
    if entry_id in ("residence", "citizenship_test"):
        return residence()
    if entry_id.startswith("kandas"):
        return pages()
    return None  # the bot's own features: reminders, your data, language


def figures(year: int, locale: str) -> dict[str, str]:
    """The figures a hand-written answer may name, formatted for `locale` (rendered in it:
    the notes are gettext). Each dated figure names the year its data is for, and says so
    when `year` has none yet."""
    facts = migrant_facts()
    reading = mci_for_taxes(date(year, 1, 1))
    mci_year, mci = reading.year, reading.value
    kandas = support(year)

    def num(value: int) -> str:
        return format_decimal(value, locale=locale)

    mci_note = quota_note = ""
    if not reading.exact:
        mci_note = _(
            " (a {data_year} figure: the {year} MCI is not in my data yet, and egov.kz "
            "computes the exact sum)"
        ).format(data_year=mci_year, year=year)
    if kandas.year != year:
        quota_note = _(" (the {year} quota is not in my data yet)").format(year=year)
    return {
        "mci_year": str(mci_year),
        "mci_note": mci_note,
        "quota_year": str(kandas.year),
        "quota_note": quota_note,
        "mci": f"{num(mci)} ₸",
        "permit_tax_mci": num(facts.permit.tax_mci_per_month),
        "permit_tax_tenge": f"{num(facts.permit.tax_mci_per_month * mci)} ₸",
        "permit_fine_mci": num(facts.permit.work_without_permit_fine_mci),
        "stay_max_days": num(facts.stay.max_days),
        "stay_window_days": num(facts.stay.window_days),
        "per_entry_days": num(facts.stay.general_per_entry_days),
        "registration_days": num(facts.registration.self_registration_calendar_days),
        "host_notice_days": num(facts.registration.host_notice_working_days),
        "address_change_days": num(facts.registration.address_change_working_days),
        "overstay_fine_mci": num(facts.registration.overstay.fine_mci),
        "insurance_renew_days": num(facts.insurance.renew_days_before),
        "relocation_mci": num(kandas.relocation_mci_per_member),
        "contract_years": num(kandas.contract_years),
        "status_years": num(kandas.status_years),
        "quota_total": num(kandas.total_quota),
        "rp_pass_points": num(residence().questionnaire_pass_points),
        "rp_total_days": num(residence().total_days),
    }


def fill(text: str, numbers: dict[str, str]) -> str:
    """A data text with its {placeholders} replaced by formatted figures."""
    return PLACEHOLDER.sub(lambda match: numbers[match.group(1)], text)


def filled_answer(template: Text, locale: str, year: int) -> str:
    """A hand-written answer with the figures of `year` as the facts stand now."""
    return fill(template.in_(locale), figures(year, locale))


def grouped(locale: str, value: int) -> str:
    return format_decimal(value, locale=locale)


def paper_answer(guide_id: str, section_id: str, locale: str, year: int) -> str:
    """A papers section's opening, its figures as the facts stand on the update's day (or
    in `year`, outside an update)."""
    guide = load_papers().guide(guide_id)
    section = guide.section(section_id) if guide else None
    if guide is None or section is None:
        return ""
    day = current_day.get() or date(year, 7, 1)
    values = guide.values(day)
    return short(filled_text(section.text.in_(locale), values, partial(grouped, locale)))


def paper_title(guide: PaperGuide, section: PaperSection, locale: str) -> str:
    """ "🆔 IIN: where and how to get it": the guide's name, then the section's label
    without its emoji."""
    label = section.label.in_(locale)
    head, _space, rest = label.partition(" ")
    if rest and not any(ch.isalnum() for ch in head):
        label = rest
    return f"{menu_label(guide.id)}: {label}"


def paper_source(section: PaperSection, data: Papers, locale: str) -> str:
    checked = format_date(date.fromisoformat(data.checked_on), "long", locale=locale)
    return _("Source: {source}; checked on {checked}.").format(
        source=", ".join(source.title for source in section.sources), checked=checked
    )


def plain(text: str) -> str:
    return html.unescape(TAG.sub("", text))


def short(text: str) -> str:
    """The opening of a guide's text: its first sentences, up to SHORT characters."""
    text = " ".join(plain(text).replace("•", " ").split())
    if len(text) <= SHORT:
        return text
    cut = ""
    for sentence in SENTENCE.split(text):
        if len(cut) + len(sentence) + 1 > SHORT:
            break
        cut = f"{cut} {sentence}".strip()
    return cut or text[: SHORT - 1].rstrip() + "…"


SOURCE_SHOWN = 90  # characters of an answer's first source shown under it


def first_source(source: str) -> tuple[str, bool]:
    """The first of a source's parts (they are separated by ";" outside brackets), cut at a
    word to SOURCE_SHOWN characters; True when more was left out."""
    depth = 0
    for at, char in enumerate(source):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth <= 0:
            first, more = source[:at].strip(), True
            break
    else:
        first, more = source.strip().rstrip("."), False
    if len(first) > SOURCE_SHOWN:
        first = first[: SOURCE_SHOWN - 1].rsplit(" ", 1)[0].rstrip(",;:(") + "…"
        more = True
    return first, more


def source_of(facts: Sourced | None, locale: str) -> str:
    """Where an answer comes from, short: its first source and the date it was checked (the
    guide's own screen names every source)."""
    if facts is None:
        return ""
    checked = format_date(date.fromisoformat(facts.checked_on), "long", locale=locale)
    first, more = first_source(facts.source_in(locale))
    if more:
        text = _("Source: {source} and others in the guide; checked on {checked}.")
    else:
        text = _("Source: {source}; checked on {checked}.")
    text = text.format(source=first, checked=checked)
    return text[:-1] if text.endswith("..") else text  # a date ending "г."


@dataclass(frozen=True)
class Answer:
    id: str
    target: str  # the packed callback data of the screen it opens
    titles: dict[str, str]
    texts: dict[str, str]  # the short answer
    sources: dict[str, str]
    document: Document
    # a text with figures, written again when shown: (locale, year) -> the short answer
    render: Callable[[str, int], str] | None = None

    def text_in(self, locale: str, year: int) -> str:
        """The short answer, with the figures of `year` as the facts stand now (a value
        staff saved is what the next question is answered with)."""
        if self.render is None:
            return self.texts[locale]
        return self.render(locale, year)

    @property
    def guide(self) -> str | None:
        """The guide (menu entry) its button leads into: its notices go on the answer."""
        return guide_of(self.target)


# the guide each screen an answer opens belongs to, for those not opened from the menu
GUIDE_OF_PREFIX = {
    RegCb.__prefix__: "registration",
    RightsCb.__prefix__: "rights",
}
GUIDE_OF_KANDAS = {
    KandasPage.apply: "kandas_status",
    KandasPage.paths: "kandas_status",
    KandasPage.family: "kandas_regions",
    KandasPage.citizenship: "residence",
    KandasPage.route: "kandas_routes",
    KandasPage.org: "kandas_arrival",
}


def guide_of(target: str) -> str | None:
    prefix = target.split(":", 1)[0]
    if prefix == MenuCb.__prefix__:
        item = MenuCb.unpack(target).item
        return "checklist" if item == "checklist_tips" else item
    if prefix == KandasCb.__prefix__:
        return GUIDE_OF_KANDAS.get(KandasCb.unpack(target).page)
    if prefix == PaperCb.__prefix__:
        return PaperCb.unpack(target).guide
    return GUIDE_OF_PREFIX.get(prefix)


class AnswerBook:
    """Every answer, and the index that finds them."""

    def __init__(self, i18n: I18n, year: int) -> None:
        self.i18n = i18n
        self.year = year  # whose MCI the figures use

    @cached_property
    def answers(self) -> dict[str, Answer]:
        """Built on first use: start-up does not wait for it."""
        return {answer.id: answer for answer in self._build()}

    @cached_property
    def index(self) -> SearchIndex:
        """Every answer's document, with the title it is shown under as its heading."""
        return SearchIndex(
            [
                answer.document
                if answer.document.heading
                else replace(answer.document, heading=" ".join(answer.titles.values()))
                for answer in self.answers.values()
            ]
        )

    @cached_property
    def _roles(self) -> dict[str, frozenset[str]]:
        """Per role, the answers that belong to other roles' guides (they rank lower)."""
        return {
            role: frozenset(
                answer.id
                for answer in self.answers.values()
                if answer.guide in ROLE_GUIDES and answer.guide not in MENU_ITEMS[role]
            )
            for role in ROLES
        }

    @staticmethod
    def meaningful(text: str) -> bool:
        """Whether the text has a word to look up: not only greetings, fillers, emoji, or
        numbers and single letters ("15", "a")."""
        stems = content_stems(text)
        return any(sum(char.isalpha() for char in stem) > 1 for stem in stems)

    def find(
        self, text: str, country: str | None, limit: int = 3, role: str | None = None
    ) -> list[tuple[Answer, Hit]]:
        """The answers to a question; those of another role's guides than the asker's rank
        below the asker's own (a migrant's registration before emigrants' consular one)."""
        others = self._roles.get(role, frozenset()) if role else frozenset()
        hits = self.index.search(text, country, limit, others)
        return [(self.answers[hit.id], hit) for hit in hits]

    def _in_every_language(self, render: Any) -> dict[str, str]:
        rendered = {}
        for locale in LOCALES:
            with speaking(self.i18n, locale):
                rendered[locale] = render(locale)
        return rendered

    def _build(self) -> list[Answer]:
        return [
            *self._static(),
            *self._papers(),
            *self._rights(),
            *self._checklist(),
            *self._kandas(),
        ]

    def _static(self) -> list[Answer]:
        data = load("answers.json", Entries)
        found = []
        for entry in data.entries:
            target, title = STATIC[entry.id]
            texts = self._in_every_language(
                lambda locale, entry=entry: fill(
                    entry.answer.in_(locale), figures(self.year, locale)
                )
            )
            titles = self._in_every_language(lambda _locale, title=title: str(title))
            facts = static_source(entry.id)
            sources = self._in_every_language(lambda locale, facts=facts: source_of(facts, locale))
            questions = " ".join(q for qs in entry.questions.values() for q in qs)
            document = Document(
                entry.id,
                title=" ".join([*titles.values(), questions]),
                body=" ".join(texts.values()),
            )
            render = partial(filled_answer, entry.answer)
            found.append(Answer(entry.id, target.pack(), titles, texts, sources, document, render))
        return found

    def _papers(self) -> list[Answer]:
        """A section of a papers guide (the IIN, residence permits, work through an
        employer) is an answer; its figures come from the facts when shown."""
        data = load_papers()
        found = []
        for guide in data.guides:
            for section in guide.sections:
                render = partial(paper_answer, guide.id, section.id)
                titles = self._in_every_language(
                    lambda locale, guide=guide, section=section: paper_title(guide, section, locale)
                )
                texts = {locale: render(locale, self.year) for locale in LOCALES}
                sources = self._in_every_language(
                    lambda locale, section=section: paper_source(section, data, locale)
                )
                questions = " ".join(q for qs in section.questions.values() for q in qs)
                answer_id = f"papers:{guide.id}:{section.id}"
                document = Document(
                    answer_id,
                    title=" ".join([*titles.values(), questions]),
                    body=" ".join(plain(text) for text in texts.values()),
                    # the section's own label: every section shares the guide's name
                    heading=" ".join(section.label.in_(locale) for locale in LOCALES),
                )
                target = PaperCb(guide=guide.id, section=section.id).pack()
                found.append(Answer(answer_id, target, titles, texts, sources, document, render))
        return found

    def _rights(self) -> list[Answer]:
        paraphrases = load("abroad/section_questions.json", SectionQuestions).sections
        found = []
        for code in (*country_codes(), GENERAL):
            page = country_page(code) if code != GENERAL else None
            guide = page or general_guide()
            sections: list[str] = [*SECTION_LABELS]
            if page is not None and page.notes:
                sections.append(NOTES)
            names = (
                " ".join(
                    [
                        *(country_name(code, locale) for locale in LOCALES),
                        *country_aliases().aliases.get(code, []),
                    ]
                )
                if code != GENERAL
                else ""
            )
            for section in sections:
                body: Text = (
                    page.notes if section == NOTES and page and page.notes else None
                ) or getattr(guide.sections, section)

                def title(locale: str, section: str = section, code: str = code) -> str:
                    label = section_label(section)
                    if code == GENERAL:
                        return label
                    return f"{label} — {country_name(code, locale)}"

                titles = self._in_every_language(title)
                texts = {locale: short(body.in_(locale)) for locale in LOCALES}
                sources = self._in_every_language(
                    lambda locale, guide=guide: source_of(guide, locale)
                )
                answer_id = f"rights:{code}:{section}"
                asked = paraphrases.get(section, {})
                document = Document(
                    answer_id,
                    title=" ".join([*titles.values(), *(q for qs in asked.values() for q in qs)]),
                    body=" ".join(plain(body.in_(locale)) for locale in LOCALES),
                    country=code,
                    country_names=names,
                )
                target = RightsCb(country=code, section=section).pack()
                found.append(Answer(answer_id, target, titles, texts, sources, document))
        return found

    def _checklist(self) -> list[Answer]:
        data = checklist()
        found = []
        for item in data.items:
            titles = {locale: f"🧳 {item.title.in_(locale)}" for locale in LOCALES}
            texts = {locale: short(item.hint.in_(locale)) for locale in LOCALES}
            sources = self._in_every_language(lambda locale: source_of(data, locale))
            answer_id = f"checklist:{item.id}"
            document = Document(
                answer_id,
                title=" ".join(titles.values()),
                body=" ".join(plain(item.hint.in_(locale)) for locale in LOCALES),
            )
            target = MenuCb(item="checklist_tips").pack()
            found.append(Answer(answer_id, target, titles, texts, sources, document))
        return found

    def _kandas(self) -> list[Answer]:
        data = pages()
        found = []
        for route in data.routes:

            def fill(text: Text, locale: str, figures: dict[str, int] = route.figures) -> str:
                with speaking(self.i18n, locale):
                    return filled(text, figures)

            titles = {locale: f"🛤 {route.title.in_(locale)}" for locale in LOCALES}
            texts = {locale: short(fill(route.summary, locale)) for locale in LOCALES}
            sources = self._in_every_language(lambda locale, r=route: source_of(r, locale))
            body = " ".join(
                plain(fill(text, locale))
                for text in (route.summary, route.eligible, route.apply)
                for locale in LOCALES
            )
            answer_id = f"route:{route.id}"
            document = Document(answer_id, title=" ".join(titles.values()), body=body)
            target = KandasCb(page=KandasPage.route, value=route.id).pack()
            found.append(Answer(answer_id, target, titles, texts, sources, document))
        for org in data.arrival:
            titles = {locale: f"🧭 {org.name.in_(locale)}" for locale in LOCALES}
            texts = {locale: short(org.what.in_(locale)) for locale in LOCALES}
            sources = self._in_every_language(lambda locale: source_of(data, locale))
            body = " ".join(
                plain(text.in_(locale)) for text in (org.what, org.how) for locale in LOCALES
            )
            answer_id = f"org:{org.id}"
            document = Document(answer_id, title=" ".join(titles.values()), body=body)
            target = KandasCb(page=KandasPage.org, value=org.id).pack()
            found.append(Answer(answer_id, target, titles, texts, sources, document))
        return found


# --- what the user sees -------------------------------------------------------------------------


def answer_screen(
    found: list[Answer], emigrant: bool, year: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The best answers, each with its source and a button to its guide; figures of `year`."""
    locale = current_locale()
    blocks = [_("🔎 Here is what I found:")]
    footer = _(
        "I inform, I do not decide: check at egov.kz or migration.enbek.kz, or call "
        "{contact_centre}."
    ).format(contact_centre=contact_centre())
    shown: list[Answer] = []
    for answer in found:
        title = html.escape(answer.titles[locale])
        text = html.escape(answer.text_in(locale, year))
        block = f"<b>{title}</b>\n{text}"
        if answer.sources[locale]:
            block += f"\n<i>{html.escape(answer.sources[locale])}</i>"
        if len("\n\n".join([*blocks, block, footer])) > MESSAGE_LIMIT:
            break
        blocks.append(block)
        shown.append(answer)
    blocks.append(footer)
    rows = [
        [InlineKeyboardButton(text=answer.titles[locale], callback_data=answer.target)]
        for answer in shown
    ]
    extra: list[Button] = [(_("👎 This did not help"), AskCb(action=AskAction.unhelpful))]
    if emigrant:
        extra.append((_("✉️ Send this to the labour attaché"), AskCb(action=AskAction.attache)))
    extra.append(menu_button())
    rows += keyboard(*([button] for button in extra)).inline_keyboard
    return "\n\n".join(blocks), InlineKeyboardMarkup(inline_keyboard=rows)


QUOTE = 60  # characters of the question quoted back


def not_found_screen(question: str, profile: Profile | None) -> tuple[str, InlineKeyboardMarkup]:
    """An honest "I do not know", the menu, and for an emigrant the labour attaché."""
    quote = question if len(question) <= QUOTE else question[:QUOTE] + "…"
    lines = [
        _(
            "🤔 I do not know the answer to “{question}” yet. Try other words, or look in the menu."
        ).format(question=html.escape(" ".join(quote.split())))
    ]
    rows = list(menu_markup(profile).inline_keyboard)
    if profile is not None and profile.role == "emigrant":
        lines.append(_("The labour attaché can answer it: your message goes with it."))
        attache = (_("✉️ Send this to the labour attaché"), AskCb(action=AskAction.attache))
        rows = keyboard([attache]).inline_keyboard + rows
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def long_message_screen(length: int, profile: Profile | None) -> tuple[str, InlineKeyboardMarkup]:
    """An emigrant's long message: not searched, offered whole to the labour attaché."""
    text = _(
        "📨 Your message is long ({length} characters): a person should read it. The labour "
        "attaché can answer it: I will send it whole, nothing cut."
    ).format(length=length)
    attache = (_("✉️ Send this to the labour attaché"), AskCb(action=AskAction.attache))
    rows = keyboard([attache]).inline_keyboard + list(menu_markup(profile).inline_keyboard)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def thanks_text() -> str:
    return _("Thank you: I noted that this did not help, so the team can improve the answers.")
