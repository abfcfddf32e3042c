"""How broadcasts read: the staff dialogue's screens, /broadcasts, and `BroadcastView`,
which the delivery engine (bot/services/broadcasts.py) renders progress, summaries and
the link button with, in each reader's language."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_time, format_timedelta
from babel.numbers import format_decimal

from bot import LOCALES
from bot.content.countries import country_name
from bot.i18n import speaking
from bot.rules.broadcasts import content_locale
from bot.rules.reminders import QUIET_FROM, QUIET_UNTIL
from bot.services.broadcasts import Progress
from handlers.views.callbacks import BroadcastAction, BroadcastCb
from handlers.views.directory import LANGUAGE_IN
from handlers.views.moments import moment
from handlers.views.ui import LANGUAGE_NAMES, LANGUAGE_TITLES, Button, current_locale, keyboard
from handlers.views.zones import zone_label
from storage.models import Broadcast
from storage.records import Audience

FILTERS = ("role", "locale", "citizenship", "country", "kind")
AUDIENCE_ROLES = ("migrant", "emigrant", "kandas")
TIMES = ("09:00", "10:00", "12:00", "15:00", "18:00")
LISTED = 8  # broadcasts in /broadcasts
STEPS = 5
MAX_CONTENT = 1500  # characters of a broadcast's text or caption (readable on a phone)
MAX_LIST = 1400  # characters of /broadcasts
NIGHT_ZONES = 3  # zones named where it would arrive at night

ROLE_CHOICES = {
    "migrant": __("foreign citizens in Kazakhstan"),
    "emigrant": __("Kazakhstanis working abroad"),
    "kandas": __("kandas"),
}
# the deadlines a broadcast can be aimed at (a user's own deadlines are theirs alone)
KIND_LABELS = {
    "registration": __("registration"),
    "address_change": __("registration at a new address"),
    "stay_limit": __("the 90-day stay limit"),
    "permit": __("a work permit (patent)"),
    "insurance": __("a medical insurance policy"),
    "departure": __("a departure abroad"),
    "social_contract": __("a kandas social contract"),
}
FAILURES = {
    "chat_not_found": __("the chat no longer exists"),
    "refused": __("Telegram refused the message"),
    "network": __("the connection to Telegram failed"),
    "server": __("Telegram's servers failed"),
    "other": __("another error (see the bot's log)"),
}


def number(value: int) -> str:
    return format_decimal(value, locale=current_locale())


def duration(seconds: float) -> str:
    seconds = max(seconds, 1.0)
    return format_timedelta(timedelta(seconds=seconds), threshold=1.1, locale=current_locale())


def step(current: int, title: str) -> str:
    return _("📣 <b>New broadcast</b> · step {step} of {steps}: {title}").format(
        step=current, steps=STEPS, title=title
    )


# --- the audience ----------------------------------------------------------------------------


def filter_name(name: str) -> str:
    return {
        "role": _("Who"),
        "locale": _("Language"),
        "citizenship": _("Citizenship"),
        "country": _("Country of work"),
        "kind": _("With an active deadline"),
    }[name]


def choice_label(name: str, value: str | None) -> str:
    if value is None:
        return _("everyone") if name == "role" else _("any")
    if name == "role":
        return str(ROLE_CHOICES[value])
    if name == "locale":
        return str(LANGUAGE_TITLES[value])
    if name in ("citizenship", "country"):
        return country_name(value, current_locale())
    return str(KIND_LABELS[value])


def audience_lines(audience: Audience, scope: Iterable[str] = ()) -> list[str]:
    lines = [
        f"{filter_name(name)}: {html.escape(choice_label(name, getattr(audience, name)))}"
        for name in FILTERS
    ]
    countries = sorted(scope)
    if countries and audience.country is None:
        names = ", ".join(country_name(code, current_locale()) for code in countries)
        lines.append(_("Limited to your countries: {countries}").format(countries=names))
    return lines


def audience_screen(
    audience: Audience, count: int, scope: Iterable[str], admin: bool
) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n".join(
        [
            step(1, _("the audience")),
            "",
            *audience_lines(audience, scope),
            "",
            _("👥 Recipients now: <b>{count}</b>").format(count=number(count)),
            _("Tap a filter to change it."),
        ]
    )
    names = FILTERS if admin else tuple(name for name in FILTERS if name != "role")
    rows: list[list[Button]] = [
        [
            (
                f"{filter_name(name)}: {choice_label(name, getattr(audience, name))}",
                BroadcastCb(action=BroadcastAction.filter, value=name),
            )
        ]
        for name in names
    ]
    rows.append(
        [
            (_("✖️ Discard"), BroadcastCb(action=BroadcastAction.drop)),
            (_("Next: the message ➡️"), BroadcastCb(action=BroadcastAction.content, value="")),
        ]
    )
    return text, keyboard(*rows)


def choices_screen(
    name: str, choices: list[tuple[str, str]], current: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """`choices` are (value, label); "any" comes first."""
    options = [("any", choice_label(name, None)), *choices]
    buttons = [
        (
            f"{'✓ ' if value == (current or 'any') else ''}{label}",
            BroadcastCb(action=BroadcastAction.set, value=f"{name}={value}"),
        )
        for value, label in options
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(_("◀️ Back"), BroadcastCb(action=BroadcastAction.audience))])
    text = _("Choose: {filter}").format(filter=filter_name(name))
    if name in ("citizenship", "country") and len(choices) > 0:
        text += "\n" + _("The most common among the audience, with how many people.")
    elif name in ("citizenship", "country"):
        text += "\n" + _("Nobody in the audience has told us this yet.")
    return text, keyboard(*rows)


# --- the message -----------------------------------------------------------------------------


def content_prompt(locale: str) -> str:
    send = _("Send the message {language} now: text, or a photo, document or video with a caption.")
    kept = _("Bold, italics and links are kept. Up to {limit} characters. /cancel to stop.")
    return "\n".join(
        [
            step(2, _("the message")),
            "",
            send.format(language=LANGUAGE_IN[locale]),
            kept.format(limit=number(MAX_CONTENT)),
        ]
    )


def language_question() -> tuple[str, InlineKeyboardMarkup]:
    text = "\n".join(
        [
            step(2, _("the message")),
            "",
            _("Which language will you write in first? You can add the others after it."),
        ]
    )
    return text, keyboard(
        [
            (LANGUAGE_NAMES[code], BroadcastCb(action=BroadcastAction.content, value=code))
            for code in LOCALES
        ],
        [(_("◀️ Back"), BroadcastCb(action=BroadcastAction.audience))],
    )


def content_kind(kind: str) -> str:
    return {
        "text": _("text"),
        "photo": _("photo"),
        "document": _("document"),
        "video": _("video"),
    }[kind]


def compose_screen(kinds: dict[str, str], url: str | None) -> tuple[str, InlineKeyboardMarkup]:
    """`kinds`: the languages given, with what kind of message each is; for each one not
    given, the version its readers get (as the preview and the delivery choose it)."""
    lines = [step(2, _("the message")), ""]
    for code in LOCALES:
        if code in kinds:
            lines.append(f"✅ {LANGUAGE_TITLES[code]}: {content_kind(kinds[code])}")
        else:
            lines.append(
                _("➖ {language}: no text; its readers get the message {given}").format(
                    language=LANGUAGE_TITLES[code], given=LANGUAGE_IN[content_locale(code, kinds)]
                )
            )
    if url:
        lines.append(_("🔗 Link button: {url}").format(url=html.escape(url)))
    rows: list[list[Button]] = [
        [
            (
                (_("✏️ {language}") if code in kinds else _("➕ {language}")).format(
                    language=LANGUAGE_NAMES[code]
                ),
                BroadcastCb(action=BroadcastAction.content, value=code),
            )
            for code in LOCALES
        ],
        [
            (_("🔗 Remove the link"), BroadcastCb(action=BroadcastAction.unlink))
            if url
            else (_("🔗 Add a link button"), BroadcastCb(action=BroadcastAction.link))
        ],
        [
            (_("◀️ Audience"), BroadcastCb(action=BroadcastAction.audience)),
            (_("Next: preview ➡️"), BroadcastCb(action=BroadcastAction.preview)),
        ],
    ]
    return "\n".join(lines), keyboard(*rows)


def link_prompt() -> str:
    return _(
        "Send the link for the button under the message (it starts with https://). /cancel to stop."
    )


def preview_header(reader: str, given: str, count: int) -> str:
    """Above each preview: whose it is, and which version they get."""
    if reader == given:
        return _("👁 Readers who use the bot {language} ({count}) will get:").format(
            language=LANGUAGE_IN[reader], count=number(count)
        )
    return _("👁 Readers who use the bot {language} ({count}) will get the message {given}:").format(
        language=LANGUAGE_IN[reader], count=number(count), given=LANGUAGE_IN[given]
    )


def script_note(scripts: dict[str, int]) -> str:
    """Under the Kazakh preview: how many of its readers get it in another script."""
    latin, arabic = scripts.get("latn", 0), scripts.get("arab", 0)
    if not latin and not arabic:
        return ""
    return "\n" + _(
        "Of them, {latin} read Kazakh in the Latin script and {arabic} in the Arabic script: "
        "they get the Kazakh text converted to it."
    ).format(latin=number(latin), arabic=number(arabic))


# --- when, and confirming --------------------------------------------------------------------


def when_screen() -> tuple[str, InlineKeyboardMarkup]:
    text = "\n".join([step(4, _("when")), "", _("Send it now, or at a time you choose?")])
    return text, keyboard(
        [
            (_("🚀 Now"), BroadcastCb(action=BroadcastAction.now)),
            (_("🕒 Later"), BroadcastCb(action=BroadcastAction.later)),
        ],
        [(_("◀️ The message"), BroadcastCb(action=BroadcastAction.content, value=""))],
    )


def day_question() -> str:
    return _("On which day should it go?")


def time_screen(day: str, zone: str, now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "At what time on {day}? Type it as 10:30 or pick one below. Your time zone: {zone}."
    ).format(day=day, zone=zone_label(zone, current_locale(), now))
    return text, keyboard(
        [
            (value, BroadcastCb(action=BroadcastAction.time, value=value.replace(":", ".")))
            for value in TIMES
        ]
    )


def night_warning(night: list[tuple[str, datetime, int]], now: datetime) -> str | None:
    """For the recipients to whom it would come in the quiet hours reminders keep: the
    local time it arrives in their zones (the largest groups first), or None."""
    if not night:
        return None
    locale = current_locale()
    night = sorted(night, key=lambda found: (-found[2], found[0]))
    times = "; ".join(
        _("{time} in {zone}").format(
            time=format_time(local, "HH:mm", locale=locale), zone=zone_label(zone, locale, now)
        )
        for zone, local, _count in night[:NIGHT_ZONES]
    )
    if len(night) > NIGHT_ZONES:
        times += "; …"
    return _(
        "🌙 For {count} of them it arrives at night: {times}. Reminders never go out between "
        "{start} and {end}. Send it anyway, or choose another time with ◀️ When."
    ).format(
        count=number(sum(found[2] for found in night)),
        times=times,
        start=QUIET_FROM.strftime("%H:%M"),
        end=QUIET_UNTIL.strftime("%H:%M"),
    )


def confirm_screen(
    count: int,
    seconds: float,
    at: str | None,
    paid: bool,
    paid_choice: bool,
    night: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    if at is None:
        lead = _(
            "Send it to <b>{count}</b> person now?", "Send it to <b>{count}</b> people now?", count
        ).format(count=number(count))
    else:
        lead = _(
            "Send it on <b>{when}</b>? The audience is counted again then; now it is "
            "<b>{count}</b> person.",
            "Send it on <b>{when}</b>? The audience is counted again then; now it is "
            "<b>{count}</b> people.",
            count,
        ).format(when=at, count=number(count))
    lines = [
        step(5, _("confirm")),
        "",
        lead,
        _("At the current rate it takes about {duration}.").format(duration=duration(seconds)),
    ]
    if night:
        lines.append(night)
    if paid:
        lines.append(
            _(
                "⚠️ Paid mode: up to 1000 messages a second, and Telegram charges the bot's "
                "Stars balance for every message."
            )
        )
    rows: list[list[Button]] = [
        [
            (
                confirm_label(at is None, bool(night)),
                BroadcastCb(action=BroadcastAction.confirm),
            )
        ]
    ]
    if paid_choice:
        rows.append(
            [
                (
                    _("⚡ Paid mode: on") if paid else _("⚡ Paid mode: off"),
                    BroadcastCb(action=BroadcastAction.paid),
                )
            ]
        )
    rows.append(
        [
            (_("◀️ When"), BroadcastCb(action=BroadcastAction.when)),
            (_("✖️ Discard"), BroadcastCb(action=BroadcastAction.drop)),
        ]
    )
    return "\n".join(lines), keyboard(*rows)


def confirm_label(now: bool, night: bool) -> str:
    if night:
        return _("🌙 Send at night anyway") if now else _("🌙 Schedule for the night anyway")
    return _("✅ Send") if now else _("✅ Schedule")


# --- /broadcasts -----------------------------------------------------------------------------


def status_label(status: str) -> str:
    return {
        "scheduled": _("scheduled"),
        "starting": _("starting"),
        "running": _("sending"),
        "paused": _("paused"),
        "done": _("finished"),
        "cancelled": _("cancelled"),
    }.get(status, status)


def author_label(author_id: int | None) -> str:
    return str(author_id) if author_id is not None else _("deleted staff")


def list_screen(
    broadcasts: list[Broadcast], zone: str, may_manage: set[int]
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not broadcasts:
        return _("📭 No broadcasts yet. /broadcast starts one."), None
    lines = [_("📜 <b>Broadcasts</b>, newest first:")]
    rows: list[list[Button]] = []
    for broadcast in broadcasts:
        audience = Audience.model_validate(broadcast.audience)
        who = ", ".join(
            html.escape(choice_label(name, getattr(audience, name)))
            for name in FILTERS
            if getattr(audience, name) is not None
        ) or _("everyone")
        when = moment(broadcast.started_at or broadcast.scheduled_at, zone)
        counts = (broadcast.results or {}).get("counts", {})
        line = _("#{id} · {status} · {when} · by {author}\n   to: {who}").format(
            id=broadcast.id,
            status=status_label(broadcast.status),
            when=when,
            author=author_label(broadcast.author_id),
            who=who,
        )
        if counts:
            line += "\n   " + _("sent {sent} of {total}").format(
                sent=number(counts.get("sent", 0)), total=number(broadcast.total)
            )
        if sum(len(text) + 1 for text in lines) + len(line) > MAX_LIST:
            lines.append("…")  # readable on a phone: the newest fit
            break
        lines.append(line)
        if broadcast.id not in may_manage:
            continue
        if broadcast.status == "scheduled":
            rows.append(
                [
                    (
                        _("✖️ Cancel #{id}").format(id=broadcast.id),
                        BroadcastCb(action=BroadcastAction.cancel, id=broadcast.id),
                    )
                ]
            )
        elif broadcast.status in ("running", "paused"):
            rows.append(
                [
                    (
                        _("📊 Progress of #{id}").format(id=broadcast.id),
                        BroadcastCb(action=BroadcastAction.show, id=broadcast.id),
                    )
                ]
            )
    return "\n".join(lines), keyboard(*rows) if rows else None


# --- what the engine sends -------------------------------------------------------------------


class BroadcastView:
    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    def link_markup(self, url: str, locale: str) -> InlineKeyboardMarkup:
        return _link_markup(url, self._label(locale))

    @lru_cache(maxsize=8)  # noqa: B019  # one per language; the view lives as long as the app
    def _label(self, locale: str) -> str:
        with speaking(self.i18n, locale):
            return _("🔗 Read more")

    def progress(
        self, broadcast: Broadcast, progress: Progress, locale: str, final: bool
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        with speaking(self.i18n, locale):
            return progress_screen(broadcast, progress, final)

    def summary(self, broadcast: Broadcast, locale: str, zone: str) -> str:
        with speaking(self.i18n, locale):
            return summary_text(broadcast, zone)

    def withdrawn(self, broadcast: Broadcast, locale: str, reason: str) -> str:
        """To its author: why a scheduled broadcast was not sent ("staff": they have no role
        on the desk any more; "countries": they no longer serve all its countries)."""
        with speaking(self.i18n, locale):
            if reason == "staff":
                return _(
                    "✖️ Broadcast #{id} was not sent: you are no longer on the attaché desk's staff."
                ).format(id=broadcast.id)
            return _(
                "✖️ Broadcast #{id} was not sent: you no longer serve the countries it was "
                "meant for."
            ).format(id=broadcast.id)


@lru_cache(maxsize=256)
def _link_markup(url: str, label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=label, url=url)]])


def progress_screen(
    broadcast: Broadcast, progress: Progress, final: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    status = broadcast.status
    lines = [
        _("📣 <b>Broadcast #{id}</b> — {status}").format(
            id=broadcast.id, status=status_label(status)
        ),
        _("Sent: {sent} · Failed: {failed} · Blocked the bot: {blocked}").format(
            sent=number(progress.sent),
            failed=number(progress.failed),
            blocked=number(progress.blocked),
        ),
        _("Remaining: {remaining} of {total}").format(
            remaining=number(progress.remaining), total=number(progress.total)
        ),
    ]
    if not final and status == "running":
        rate = format_decimal(round(progress.rate, 1), locale=current_locale())
        if progress.eta is not None:
            lines.append(
                _("Rate: {rate} messages a second · about {left} left").format(
                    rate=rate, left=duration(progress.eta)
                )
            )
        else:
            lines.append(_("Rate: {rate} messages a second").format(rate=rate))
    if final or status in ("done", "cancelled"):
        return "\n".join(lines), None
    toggle = (
        (_("▶️ Resume"), BroadcastCb(action=BroadcastAction.resume, id=broadcast.id))
        if status == "paused"
        else (_("⏸ Pause"), BroadcastCb(action=BroadcastAction.pause, id=broadcast.id))
    )
    cancel = (_("✖️ Cancel"), BroadcastCb(action=BroadcastAction.cancel, id=broadcast.id))
    return "\n".join(lines), keyboard([toggle, cancel])


def summary_text(broadcast: Broadcast, zone: str) -> str:
    results = broadcast.results or {}
    counts: dict[str, int] = results.get("counts", {})
    by_locale: dict[str, int] = results.get("sent_by_locale", {})
    if broadcast.status == "cancelled":
        title = _("✖️ <b>Broadcast #{id} was cancelled.</b>").format(id=broadcast.id)
    else:
        title = _("✅ <b>Broadcast #{id} is finished.</b>").format(id=broadcast.id)
    started = broadcast.started_at or broadcast.scheduled_at
    lines = [title, _("Started: {when}").format(when=moment(started, zone))]
    if broadcast.finished_at is not None and broadcast.started_at is not None:
        took = (broadcast.finished_at - broadcast.started_at).total_seconds()
        lines.append(_("Took: {duration}").format(duration=duration(took)))
    languages = " · ".join(
        f"{LANGUAGE_TITLES.get(code, code)} {number(by_locale[code])}"
        for code in (*LOCALES, *sorted(set(by_locale) - set(LOCALES)))
        if by_locale.get(code)
    )
    lines += [
        _("Recipients: {total}").format(total=number(broadcast.total)),
        _("Sent: {sent}").format(sent=number(counts.get("sent", 0)))
        + (f" — {languages}" if languages else ""),
        _("Blocked the bot: {count}").format(count=number(counts.get("blocked", 0))),
        _("Failed: {count}").format(count=number(counts.get("failed", 0))),
    ]
    if counts.get("skipped"):
        lines.append(
            _("Skipped (deleted their data): {count}").format(count=number(counts["skipped"]))
        )
    if counts.get("cancelled"):
        lines.append(_("Not sent (cancelled): {count}").format(count=number(counts["cancelled"])))
    reasons = results.get("reasons", [])
    if reasons:
        lines.append(_("Why they failed:"))
        lines += [
            f"• {FAILURES.get(reason, FAILURES['other'])} — {number(count)}"
            for reason, count in reasons
        ]
    return "\n".join(lines)
