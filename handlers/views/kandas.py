"""How the kandas guides read: status, the two paths, where to settle and the support, the
social contract, the residence permit and citizenship test, help on arrival, other routes.

Figures come from the data (bot/content/kandas.py) and are formatted by Babel in the
reader's language; texts about the world are data in kk/ru/en; the rest is gettext."""

from __future__ import annotations

import html
import re
from datetime import date

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from babel.lists import format_list
from babel.numbers import format_decimal

from bot.content.abroad import Text, consulates
from bot.content.countries import country_in_sentence
from bot.content.directory import Directory
from bot.content.facts import mci_for_benefits
from bot.content.kandas import (
    PLACEHOLDER,
    Organisation,
    Route,
    SupportFacts,
    contract_terms,
    pages,
    residence,
    support,
    support_years,
)
from bot.rules.kandas import MAX_FAMILY, Support
from handlers.views.callbacks import KandasCb, KandasPage, MenuCb, PaperCb
from handlers.views.contacts import consulate_block
from handlers.views.guide import contact_centre, day_text, source_line, tenge
from handlers.views.ui import Button, column, current_locale, keyboard, menu_button
from storage.records import ContractRecord

CONTRACT_KEY = "social_contract"  # the deadline (and typed record) of the social contract
FAMILY_KEY = "family"  # the family size given to the support calculator, in the dialogue data
FAMILY_CHOICES = range(1, MAX_FAMILY + 1)  # five buttons a row
YES, NO = "y", "n"
OTHER_REGION, BACK = "other", "back"  # a social contract's region outside the list; a step back


def mci_of(when: int | date) -> int:
    """The MCI for benefits (support is a social payment) on a day, or on 1 January of a
    year; the latest known for a day not in the data yet."""
    day = when if isinstance(when, date) else date(when, 1, 1)
    return mci_for_benefits(day).value


def number(value: int) -> str:
    return format_decimal(value, locale=current_locale())


def figures_of(facts: SupportFacts) -> dict[str, int]:
    """The figures the data texts may name by placeholder."""
    low, high = facts.rent_mci_per_month
    return {
        "status_years": facts.status_years,
        "contract_years": facts.contract_years,
        "relocation_mci": facts.relocation_mci_per_member,
        "rent_min_mci": low,
        "rent_max_mci": high,
        "rent_months": facts.rent_months,
    }


def filled(text: Text, figures: dict[str, int]) -> str:
    """A data text in the reader's language with its placeholders as formatted numbers."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return contact_centre() if name == "contact_centre" else number(figures[name])

    return PLACEHOLDER.sub(value, text.in_(current_locale()))


# --- kandas status and the two paths ---------------------------------------------------------


def status_screen(facts: SupportFacts) -> tuple[str, InlineKeyboardMarkup]:
    data, figures = pages(), figures_of(facts)
    text = "\n\n".join(
        [
            _("🪪 <b>Kandas status</b>"),
            filled(data.status_who, figures),
            _("<b>Documents</b>") + "\n" + filled(data.status_documents, figures),
            filled(data.status_processing, figures),
            source_line(data),
        ]
    )
    markup = column(
        [
            (_("📍 Where to apply: I am abroad"), KandasCb(page=KandasPage.apply, value="abroad")),
            (
                _("📍 Where to apply: I am in Kazakhstan"),
                KandasCb(page=KandasPage.apply, value="home"),
            ),
            (_("⚖️ The quota or general grounds"), KandasCb(page=KandasPage.paths)),
            menu_button(),
        ]
    )
    return text, markup


def origin_mission(origin: str | None, directory: Directory) -> str | None:
    """The Embassy or Consulate of Kazakhstan in the country the user comes from, as the
    directory has it, or that the directory has none there (None: origin unknown)."""
    if not origin:
        return None
    if directory.mission(origin) is not None:
        return consulate_block(origin, directory, full=False)
    return "\n".join(
        [
            _("My directory has no Embassy or Consulate of Kazakhstan in {country} yet.").format(
                country=country_in_sentence(origin, current_locale())
            ),
            consulates().directory.in_(current_locale()),
        ]
    )


def apply_screen(
    where: str, facts: SupportFacts, mission: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """`mission`: from abroad, the mission in the user's country (`origin_mission`)."""
    data, figures = pages(), figures_of(facts)
    if where == "abroad":
        title, body = _("📍 <b>Applying from abroad</b>"), data.apply_abroad
    else:
        title, body = _("📍 <b>Applying in Kazakhstan</b>"), data.apply_in_kazakhstan
    parts = [title, filled(body, figures)]
    if mission and where == "abroad":
        parts.append(mission)
    text = "\n\n".join([*parts, source_line(data)])
    back = (_("◀️ Kandas status"), MenuCb(item="kandas_status"))
    return text, column([back, menu_button()])


def paths_screen(facts: SupportFacts) -> tuple[str, InlineKeyboardMarkup]:
    data, figures = pages(), figures_of(facts)
    text = "\n\n".join(
        [
            _("⚖️ <b>Two paths to live in Kazakhstan (from 2026)</b>"),
            _("<b>1. In the regional quota</b>") + "\n" + filled(data.path_quota, figures),
            _("<b>2. Permanent residence on general grounds</b>")
            + "\n"
            + filled(data.path_general, figures),
            source_line(data),
        ]
    )
    markup = column(
        [
            (_("🗺 Where can I settle?"), MenuCb(item="kandas_regions")),
            (_("🤝 My social contract"), MenuCb(item="kandas_contract")),
            menu_button(),
        ]
    )
    return text, markup


# --- where to settle, and the support ---------------------------------------------------------


def year_missing(facts: SupportFacts, year: int) -> list[str]:
    """A note when `year` has no quota and support data yet and older figures are shown."""
    if year <= facts.year:
        return []
    return [
        _(
            "<i>The {year} quota and support are not in my data yet: these are the {data_year} "
            "figures. Check on egov.kz.</i>"
        ).format(year=year, data_year=facts.year)
    ]


def regions_screen(facts: SupportFacts, year: int) -> tuple[str, InlineKeyboardMarkup]:
    locale = current_locale()
    lines = [
        _("🗺 <b>Where to settle with state support in {year}</b>").format(year=facts.year),
        *year_missing(facts, year),
        _(
            "Kandas who want the state's support settle in one of these labour-deficit "
            "regions, in its quota for {year}:"
        ).format(year=facts.year),
        "",
    ]
    lines += [
        f"• {region.name.in_(locale)} — {number(region.quota)}" for region in facts.regions.values()
    ]
    lines += [
        _("Total: {total}").format(total=number(facts.total_quota)),
        "",
        _("Elsewhere you can live on general grounds, without the support."),
        "",
        source_line(facts),
    ]
    markup = column(
        [
            (_("👪 The support for my family"), KandasCb(page=KandasPage.family)),
            menu_button(),
        ]
    )
    return "\n".join(lines), markup


def family_question() -> tuple[str, InlineKeyboardMarkup]:
    text = _("👪 How many people are in your family, you included?")
    buttons: list[Button] = [
        (str(size), KandasCb(page=KandasPage.family, value=str(size))) for size in FAMILY_CHOICES
    ]
    return text, keyboard(*(buttons[i : i + 5] for i in range(0, len(buttons), 5)), [menu_button()])


def support_screen(
    support: Support, facts: SupportFacts, year: int
) -> tuple[str, InlineKeyboardMarkup]:
    low_month, high_month = support.rent_per_month
    low_total, high_total = support.rent_total
    lines = [
        _("🤝 <b>Support in the quota for a family of {members}</b>").format(
            members=support.members
        ),
        _("{year} figures, with the MCI at {mci}.").format(year=facts.year, mci=tenge(support.mci)),
        *year_missing(facts, year),
        "",
        _("• Relocation subsidy: {mci} MCI × {members} = <b>{amount}</b>").format(
            mci=facts.relocation_mci_per_member,
            members=support.members,
            amount=tenge(support.relocation),
        ),
        _(
            "• Rent and utilities: {low}–{high} a month for {months} months, "
            "<b>{low_total}–{high_total}</b> in all"
        ).format(
            low=tenge(low_month),
            high=tenge(high_month),
            months=support.rent_months,
            low_total=tenge(low_total),
            high_total=tenge(high_total),
        ),
        _("• Economic mobility certificate: {amount} ({mci} MCI) per family towards a home").format(
            amount=tenge(support.certificate), mci=number(support.certificate_mci)
        ),
        _("• A subsidy of {amount} to the employer who hires you").format(
            amount=tenge(support.employer)
        ),
        "",
        _(
            "Subsidies for your family in all: <b>{low}–{high}</b>, not counting the certificate."
        ).format(
            low=tenge(support.relocation + low_total), high=tenge(support.relocation + high_total)
        ),
        _(
            "⚠️ In return you sign a {years}-year social contract: a family that leaves the "
            "region earlier repays all the support it received."
        ).format(years=facts.contract_years),
        "",
        _(
            "🎓 Outside the quota: {percent}% of state-funded (grant) university places are "
            "reserved for ethnic Kazakhs without Kazakh citizenship (Government Resolution "
            "No. 264)."
        ).format(percent=support.university_quota_percent),
        "",
        source_line(facts),
    ]
    markup = column(
        [
            (_("👪 Another family size"), KandasCb(page=KandasPage.family)),
            (_("🤝 My social contract"), MenuCb(item="kandas_contract")),
            menu_button(),
        ]
    )
    return "\n".join(lines), markup


# --- the social contract ------------------------------------------------------------------------


def signed_question() -> str:
    return _(
        "🤝 <b>Social contract</b>\nWhat date was your social contract signed on? Take it "
        "from the contract itself."
    )


def region_question(facts: SupportFacts, year: int) -> tuple[str, InlineKeyboardMarkup]:
    """The regions of the quota of `year` (the latest year's, said so, when it has none)."""
    locale = current_locale()
    buttons: list[Button] = [
        (region.name.in_(locale), KandasCb(page=KandasPage.region, value=code))
        for code, region in facts.regions.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows += [
        [(_("🏙 Another region"), KandasCb(page=KandasPage.region, value=OTHER_REGION))],
        [(_("◀️ Back"), KandasCb(page=KandasPage.region, value=BACK))],
    ]
    if year > facts.year:
        note = _(
            "The {year} quota is not in my data yet: these are the regions of the {data_year} "
            "quota."
        ).format(year=year, data_year=facts.year)
    else:
        note = _("These are the regions of the {year} quota.").format(year=facts.year)
    question = _("Which region did you settle in?")
    return f"{question}\n{note}", keyboard(*rows)


def members_question(before: int | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The family size, with the one given to the support calculator first."""
    text = _("How many people of your family moved, you included? (It sets the support to repay.)")
    buttons: list[Button] = [
        (str(size), KandasCb(page=KandasPage.members, value=str(size))) for size in FAMILY_CHOICES
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    if before in FAMILY_CHOICES:
        label = _("👪 {members}, as before").format(members=before)
        rows.insert(0, [(label, KandasCb(page=KandasPage.members, value=str(before)))])
    rows.append([(_("◀️ Back"), KandasCb(page=KandasPage.members, value=BACK))])
    return text, keyboard(*rows)


def contract_screen(
    signed_on: date,
    region: str,
    members: int,
    end: date,
    today: date,
    received: tuple[int, int],
    months: int,
    support: Support,
    facts: SupportFacts,
    reminders: int,
) -> tuple[str, InlineKeyboardMarkup]:
    region_name = region_label(region, facts)
    left = (end - today).days
    lines = [
        _("🤝 <b>Your social contract</b>"),
        _("Signed on {day}; {region}; family of {members}.").format(
            day=day_text(signed_on), region=html.escape(region_name), members=members
        ),
    ]
    if left > 0:
        lines += [
            _(
                "The {years}-year term ends on <b>{day}</b>: {left} day left.",
                "The {years}-year term ends on <b>{day}</b>: {left} days left.",
                left,
            ).format(years=facts.contract_years, day=day_text(end), left=number(left)),
            prevail_line(),
            "",
            _(
                "If the family left the region now, it would have to repay <b>all</b> the "
                "support it received. In the usual case, by the rules of {year} and the MCI of "
                "the year the contract was signed ({mci}), that is about:"
            ).format(year=facts.year, mci=tenge(support.mci)),
            _("• relocation subsidy: {amount}").format(amount=tenge(support.relocation)),
            _("• rent and utilities for {months} of {total} months: {low}–{high}").format(
                months=months,
                total=support.rent_months,
                low=tenge(received[0] - support.relocation),
                high=tenge(received[1] - support.relocation),
            ),
            _("In all: <b>{low}–{high}</b>, and any other support you received.").format(
                low=tenge(received[0]), high=tenge(received[1])
            ),
            _("The exact amount is in your contract and with the akimat."),
        ]
        if reminders:
            lines += [
                "",
                _(
                    "⏰ I will remind you on each anniversary, and 30 days, 7 days and 1 day "
                    "before the end."
                ),
            ]
    else:
        lines += [
            _("Counted from that date, the {years}-year term ended on <b>{day}</b>.").format(
                years=facts.contract_years, day=day_text(end)
            ),
            prevail_line(),
        ]
    lines += ["", source_line(facts)]
    return "\n".join(lines), contract_markup()


def prevail_line() -> str:
    """Every date the contract screens give is checked against the contract itself."""
    return _(
        "⚠️ The dates in your contract prevail: check the end date in your contract before "
        "you leave the region."
    )


def contract_markup() -> InlineKeyboardMarkup:
    return column(
        [
            (_("✏️ Change the details"), KandasCb(page=KandasPage.contract, value="new")),
            (_("⏰ My reminders"), MenuCb(item="reminders")),
            menu_button(),
        ]
    )


def older_contract_screen(signed_on: date) -> tuple[str, InlineKeyboardMarkup]:
    """A contract signed before the first year the bot has terms for: no 2026 terms for it."""
    first = min(support_years())
    lines = [
        _("🤝 <b>Your social contract</b>"),
        _("Signed on {day}.").format(day=day_text(signed_on)),
        "",
        _(
            "The terms of a contract signed in {year} are the ones written in it: I have no "
            "sourced data on that year's contracts (the regions, the term, what is repaid on "
            "leaving early). My figures are for contracts signed from {first} on."
        ).format(year=signed_on.year, first=first),
        prevail_line(),
        _("The akimat of your region can confirm the terms."),
        "",
        source_line(support(first)),
    ]
    return "\n".join(lines), contract_markup()


def region_label(region: str, facts: SupportFacts) -> str:
    if region == OTHER_REGION:
        return _("another region")
    known = facts.regions.get(region)
    return known.name.in_(current_locale()) if known else region


def contract_line(record: ContractRecord) -> str:
    """The social contract as /profile shows it."""
    facts = contract_terms(record.signed_on.year)
    if facts is None:
        return _("Social contract signed on {day}: its terms are the ones written in it.").format(
            day=day_text(record.signed_on)
        )
    return _(
        "Social contract signed on {day} ({region}): the {years}-year term ends on {end}; the "
        "dates in the contract prevail."
    ).format(
        day=day_text(record.signed_on),
        region=region_label(record.region, facts),
        years=facts.contract_years,
        end=day_text(record.end),
    )


def contract_title(region: str) -> str:
    name = region_label(region, support())
    return _("Social contract in {region}: the end of its term (check the date in it)").format(
        region=name
    )


# --- residence permit and citizenship -----------------------------------------------------------


def residence_screen(done: set[str]) -> tuple[str, InlineKeyboardMarkup]:
    facts = residence()
    lines = [
        _("🏠 <b>Residence permit: the 2026 scoring</b>"),
        _("A pilot since {day}, for foreigners and kandas alike:").format(
            day=day_text(facts.pilot_since)
        ),
        _(
            "1. A remote Kazakh test at level {level}: listening and reading, {minutes} "
            "minutes, at least {percent}% in each block."
        ).format(
            level=facts.test_level, minutes=facts.test_minutes, percent=facts.min_block_percent
        ),
        _(
            "2. An online questionnaire, scored automatically: the pass mark is {points} points."
        ).format(points=number(facts.questionnaire_pass_points)),
        _("3. Checks by the competent bodies."),
        _("4. An interview."),
        _("Up to {days} days in all.").format(days=facts.total_days),
        "",
        _(
            "⚠️ Not confirmed: how the questionnaire awards its points, and what the "
            "interview asks. Check on egov.kz or call {contact_centre}."
        ).format(contact_centre=contact_centre()),
        "",
        source_line(facts),
    ]
    ticked = sum(item.id in done for item in facts.practice)
    markup = column(
        [
            (
                _("🗒 My test preparation checklist ({done} of {total})").format(
                    done=ticked, total=len(facts.practice)
                ),
                KandasCb(page=KandasPage.practice),
            ),
            (_("🇰🇿 The citizenship test"), KandasCb(page=KandasPage.citizenship)),
            (_("🪪 Residence permits: every ground, the card"), MenuCb(item="residence_permits")),
            menu_button(),
        ]
    )
    return "\n".join(lines), markup


def practice_id(item: str) -> str:
    """How a practice item is kept among the user's checklist ticks."""
    return f"rp_{item}"


def practice_screen(done: set[str]) -> tuple[str, InlineKeyboardMarkup]:
    facts = residence()
    locale = current_locale()
    ticked = sum(practice_id(item.id) in done for item in facts.practice)
    text = "\n".join(
        [
            _("🗒 <b>My test preparation checklist</b>"),
            _("Done: {done} of {total}. Tap an item to tick it or untick it.").format(
                done=ticked, total=len(facts.practice)
            ),
        ]
    )
    buttons: list[Button] = [
        (
            f"{'✅' if practice_id(item.id) in done else '⬜'} {item.title.in_(locale)}",
            KandasCb(page=KandasPage.practice, value=item.id),
        )
        for item in facts.practice
    ]
    buttons += [(_("◀️ Residence permit"), MenuCb(item="residence")), menu_button()]
    return text, column(buttons)


def citizenship_screen() -> tuple[str, InlineKeyboardMarkup]:
    test = residence().citizenship_test
    locale = current_locale()
    hours, minutes = divmod(test.minutes, 60)
    last = test.sessions[-1]
    lines = [
        _("🇰🇿 <b>The citizenship test</b>"),
        _(
            "The National Testing Centre holds it in sessions from time to time, e.g. on {days}. "
            "Apply in the window before a session (for {day}: {start} to {end}) on "
            "app.testcenter.kz or in the UTO app."
        ).format(
            days=format_list([day_text(session.day) for session in test.sessions], locale=locale),
            day=day_text(last.day),
            start=day_text(last.apply_from),
            end=day_text(last.apply_to),
        ),
        "",
        _(
            "Three blocks, {hours} h {minutes} min in all ({extra} min more for people with "
            "disabilities):"
        ).format(hours=hours, minutes=minutes, extra=test.extra_minutes_disability),
    ]
    lines += [
        _("• {block}: {questions} questions, pass mark {mark}").format(
            block=block.name.in_(locale), questions=block.questions, mark=block.pass_mark
        )
        for block in test.blocks
    ]
    lines += [
        _("Overall pass mark: {mark} of {total} points.").format(
            mark=test.pass_points, total=test.max_points
        ),
        _("Fee: {fee}, as announced for these sessions; check it when you apply.").format(
            fee=tenge(test.fee_tenge)
        ),
        "",
        source_line(test),
    ]
    routes = (
        _("🪪 Who may apply for citizenship"),
        PaperCb(guide="residence_permits", section="citizenship"),
    )
    back = (_("◀️ Residence permit"), MenuCb(item="residence"))
    return "\n".join(lines), column([routes, back, menu_button()])


# --- help on arrival --------------------------------------------------------------------------


def arrival_screen() -> tuple[str, InlineKeyboardMarkup]:
    data = pages()
    locale = current_locale()
    text = "\n\n".join(
        [
            _("🧭 <b>Help on arrival</b>\nWho helps kandas families settle in, and how:"),
            source_line(data),
        ]
    )
    buttons: list[Button] = [
        (org.name.in_(locale), KandasCb(page=KandasPage.org, value=org.id)) for org in data.arrival
    ]
    return text, column([*buttons, menu_button()])


def organisation_screen(org: Organisation, facts: SupportFacts) -> tuple[str, InlineKeyboardMarkup]:
    figures = figures_of(facts)
    text = "\n\n".join(
        [
            f"<b>{org.name.in_(current_locale())}</b>",
            filled(org.what, figures),
            filled(org.how, figures),
        ]
    )
    back = (_("◀️ Help on arrival"), MenuCb(item="kandas_arrival"))
    return text, column([back, menu_button()])


# --- other routes -------------------------------------------------------------------------------


def route_status(route: Route) -> str:
    return {
        "in_force": "",
        "planned": _("🕓 Planned: not available yet."),
        "unconfirmed": _("⚠️ The details are not confirmed by our sources."),
    }[route.status]


def routes_screen() -> tuple[str, InlineKeyboardMarkup]:
    locale = current_locale()
    text = _(
        "🛤 <b>Other ways to move to Kazakhstan</b>\n"
        "Each one takes a question or two, then says whether it may fit you and where to apply."
    )
    buttons: list[Button] = [
        (
            route.title.in_(locale) + (" 🕓" if route.status == "planned" else ""),
            KandasCb(page=KandasPage.route, value=route.id),
        )
        for route in pages().routes
    ]
    return text, column([*buttons, menu_button()])


def question_screen(route: Route, answers: str) -> tuple[str, InlineKeyboardMarkup]:
    figures = dict(route.figures)
    question = route.questions[len(answers)]
    parts = [f"<b>{route.title.in_(current_locale())}</b>"]
    if not answers:
        parts.append(filled(route.summary, figures))
        if status := route_status(route):
            parts.append(status)
    parts.append("❓ " + filled(question.text, figures))
    markup = keyboard(
        [
            (_("Yes"), KandasCb(page=KandasPage.route, value=f"{route.id}.{answers}{YES}")),
            (_("No"), KandasCb(page=KandasPage.route, value=f"{route.id}.{answers}{NO}")),
        ],
        [(_("◀️ Other ways"), MenuCb(item="kandas_routes")), menu_button()],
    )
    return "\n\n".join(parts), markup


def verdict_screen(route: Route, fits: bool) -> tuple[str, InlineKeyboardMarkup]:
    figures = dict(route.figures)
    parts = [
        f"<b>{route.title.in_(current_locale())}</b>",
        ("✅ " if fits else "➖ ")
        + filled(route.eligible if fits else route.not_eligible, figures),
    ]
    if status := route_status(route):
        parts.append(status)
    parts += [_("<b>Where to apply</b>") + "\n" + filled(route.apply, figures), source_line(route)]
    markup = column([(_("◀️ Other ways"), MenuCb(item="kandas_routes")), menu_button()])
    return "\n\n".join(parts), markup
