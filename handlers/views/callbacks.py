"""Every button's callback data, in one place (CallbackData factories, never hand-split
strings). Actions are enums: a handler is chosen with `Cb.filter(F.action == Action.x)`,
which aiogram evaluates inside its async filter, and a forged action does not unpack, so the
press falls through to the fallback's "out of date" answer."""

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# A row id as a button carries it: checked before any query (a forged 2**63 would overflow
# a BIGINT parameter); data outside the range does not unpack, and the fallback answers.
RowId = Annotated[int, Field(ge=0, lt=2**63)]

# --- shared: menu, onboarding, profile ---------------------------------------------------


class MenuCb(CallbackData, prefix="m"):
    item: str  # a menu entry: see handlers.views.ui.MENU_ITEMS and the `menu_item` filter


class DeskCb(CallbackData, prefix="desk"):
    """The staff desk (/desk), from the main menu of those who may use it."""

    screen: str = "home"  # its only screen so far (and a packed form "desk:…" to route by)


class LangCb(CallbackData, prefix="lang"):
    code: str


class ScriptCb(CallbackData, prefix="script"):
    script: str  # cyrl | latn | arab, or keep (onboarding: the language chosen stays)


class RoleCb(CallbackData, prefix="role"):
    role: str  # migrant | emigrant | kandas | skip


class CountryCb(CallbackData, prefix="ctry"):
    field: str  # citizenship | abroad
    code: str  # ISO 3166 alpha-2, "other" or "skip"


class DeleteCb(CallbackData, prefix="del"):
    confirm: bool


class ProfileAction(StrEnum):
    language = "language"
    script = "script"
    role = "role"
    citizenship = "citizenship"
    abroad = "abroad"
    timezone = "timezone"
    privacy = "privacy"
    delete = "delete"


class ProfileCb(CallbackData, prefix="prof"):
    action: ProfileAction


class ZoneCb(CallbackData, prefix="tz"):
    zone: str  # an IANA name, or "search"


# --- reminders and dates -----------------------------------------------------------------


class DeadlineAction(StrEnum):
    open = "open"
    snooze1 = "snooze1"
    snooze3 = "snooze3"
    off = "off"
    done = "done"
    again = "again"  # "remind me tomorrow" under a reminder message


class DeadlineCb(CallbackData, prefix="dl"):
    action: DeadlineAction
    id: RowId


class DayCb(CallbackData, prefix="day"):
    value: str  # an ISO date; "m2026-11" shows that month; "extra" the extra button; "-"


# --- migrant guides ----------------------------------------------------------------------


class RegAction(StrEnum):
    remind = "remind"
    address = "address"
    remind_address = "remind_address"
    remind_leave = "remind_leave"  # the last day of a stay capped per entry
    steps = "steps"  # how self-registration works, as its own message
    trip = "trip"  # the entry date typed here, added to the trips (asked, not assumed)


class RegCb(CallbackData, prefix="reg"):
    action: RegAction
    day: str = ""  # ISO date of the deadline to remind about (or of the entry)


class StayAction(StrEnum):
    add = "add"
    remove = "remove"
    remind = "remind"


class StayCb(CallbackData, prefix="stay"):
    action: StayAction


class PermitAction(StrEnum):
    new = "new"
    renew = "renew"
    renewed = "renewed"
    months = "months"
    documents = "documents"


class PermitCb(CallbackData, prefix="pmt"):
    action: PermitAction
    months: Annotated[int, Field(ge=0, le=12)] = 0


class PolicyAction(StrEnum):
    record = "record"
    repatriation_yes = "repatriation_yes"
    repatriation_no = "repatriation_no"


class PolicyCb(CallbackData, prefix="ins"):
    action: PolicyAction


# --- help abroad ---------------------------------------------------------------------------


class RightsCb(CallbackData, prefix="rt"):
    country: str  # a page's code, or GENERAL ("XX")
    section: str = ""  # "" for the page itself, "list" for the country list


class ChecklistAction(StrEnum):
    tick = "tick"
    date = "date"


class ChecklistCb(CallbackData, prefix="cl"):
    action: ChecklistAction
    item: str = ""


class OfferCb(CallbackData, prefix="of"):
    step: Annotated[int, Field(ge=0, lt=100)]
    answer: str


class TopicCb(CallbackData, prefix="topic"):
    topic: str


class CaseAction(StrEnum):
    new = "new"
    list = "list"
    open = "open"
    write = "write"
    stop = "stop"
    location = "location"
    close = "close"
    rate = "rate"


class CaseCb(CallbackData, prefix="case"):
    action: CaseAction
    case: RowId  # 0 for actions on no case (new, list)
    stars: Annotated[int, Field(ge=0, le=5)] = 0


# --- typed questions ---------------------------------------------------------------------


class AskAction(StrEnum):
    unhelpful = "unhelpful"  # "this did not help", about the last answer
    attache = "attache"  # the last question goes to the labour attaché


class AskCb(CallbackData, prefix="ask"):
    action: AskAction


# --- kandas ------------------------------------------------------------------------------


class KandasPage(StrEnum):
    apply = "apply"  # value: abroad | home
    paths = "paths"  # the two paths side by side
    family = "family"  # value: family size; the support it brings
    region = "region"  # value: a region id (social contract dialogue)
    members = "members"  # value: family size (social contract dialogue)
    practice = "practice"  # value: a practice item to tick, or "" to show the list
    citizenship = "citizenship"  # the citizenship test
    org = "org"  # value: an organisation id ("" for the list)
    route = "route"  # value: "<route id>" or "<route id>.<answers, y/n>"
    contract = "contract"  # value: "new" to give the dates again


class KandasCb(CallbackData, prefix="kd"):
    page: KandasPage
    value: Annotated[str, Field(max_length=32)] = ""


# --- foreigners' papers: the IIN, residence permits, work through an employer -------------


class PaperCb(CallbackData, prefix="pp"):
    guide: Annotated[str, Field(max_length=24)]  # checked against papers.json before use
    section: Annotated[str, Field(max_length=24)] = ""  # "" opens the guide's list


# --- staff -------------------------------------------------------------------------------


class StaffAction(StrEnum):
    reply = "reply"
    close = "close"
    view = "view"


class StaffCb(CallbackData, prefix="st"):
    action: StaffAction
    case: RowId


class BroadcastAction(StrEnum):
    new = "new"  # start the dialogue
    list = "list"  # /broadcasts
    filter = "filter"  # value: a filter; shows its choices
    set = "set"  # value: "<filter>=<choice>"
    audience = "audience"  # back to the audience
    content = "content"  # value: the language of the message to give
    link = "link"  # ask for a link button
    unlink = "unlink"
    preview = "preview"
    when = "when"  # back to "now or later"
    now = "now"
    later = "later"
    time = "time"  # value: HH:MM
    paid = "paid"  # toggles paid mode
    confirm = "confirm"
    drop = "drop"  # leave the dialogue
    pause = "pause"  # id: a broadcast
    resume = "resume"
    cancel = "cancel"
    show = "show"  # the progress message again


class BroadcastCb(CallbackData, prefix="bc"):
    action: BroadcastAction
    value: Annotated[str, Field(max_length=24)] = ""
    id: RowId = 0


class DirAction(StrEnum):
    home = "home"  # /directory: the groups, or an attaché's entries
    group = "group"  # value: "m" missions, "e" emergency numbers
    entry = "entry"  # start editing `entry`
    field = "field"  # a field of the entry being edited
    lang = "lang"  # value: the language to type a text field in
    line = "line"  # value: the index of a number in a list, or "new"
    part = "part"  # value: "<index>.number" or "<index>.<language>": type it
    remove = "remove"  # value: the index of a number to remove
    clear = "clear"  # empty an optional field
    file = "file"  # take the shipped file's newer value of the field
    preview = "preview"  # value: "<screen>.<language>"
    save = "save"
    drop = "drop"  # leave without saving
    back = "back"  # back to the entry being edited
    history = "history"
    revert = "revert"  # id: a change; value "yes" once confirmed


class DirCb(CallbackData, prefix="dir"):
    """A directory button: the entry key and field are checked by pattern before any
    query, and against the staff member's rights in every handler."""

    action: DirAction
    entry: Annotated[str, Field(pattern=r"^([meh]\.[A-Z]{2})?$")] = ""
    field: Annotated[str, Field(pattern=r"^[a-z]{0,10}$")] = ""
    value: Annotated[str, Field(pattern=r"^[a-z0-9.]{0,12}$")] = ""
    id: Annotated[int, Field(ge=0, lt=2**31)] = 0  # a change: its id column is an INTEGER


class FactAction(StrEnum):
    home = "home"
    group = "group"  # fact: the group's id
    fact = "fact"  # a fact's periods, and what to do
    add = "add"  # a value for a new period
    correct = "correct"  # the current period's value and source
    end = "end"  # set or move the current period's end
    confirm = "confirm"  # checked today, nothing changed
    save = "save"
    drop = "drop"
    history = "history"
    revert = "revert"  # id: a change; value "yes" once confirmed


class FactCb(CallbackData, prefix="fct"):
    """A /facts button: the fact's name is checked by pattern before any query, and against
    the registry and the sender's rights in every handler."""

    action: FactAction
    fact: Annotated[str, Field(pattern=r"^[a-z_]{0,32}$")] = ""
    id: Annotated[int, Field(ge=0, lt=2**31)] = 0
    value: Annotated[str, Field(pattern=r"^(yes)?$")] = ""


class NoticeAction(StrEnum):
    home = "home"  # /notices: the active and recent notices
    new = "new"  # choose the guide of a new notice
    guide = "guide"  # guide: the one chosen; the texts are asked next
    save = "save"
    drop = "drop"  # leave without saving
    remove = "remove"  # id: a notice; value "yes" once confirmed
    restore = "restore"  # id: a removed notice; value "yes" once confirmed


class NoticeCb(CallbackData, prefix="nt"):
    """A notices button: the guide is checked by pattern before anything, and against the
    list of guides and the staff member's rights in every handler."""

    action: NoticeAction
    guide: Annotated[str, Field(pattern=r"^[a-z_]{0,24}$")] = ""
    value: Annotated[str, Field(pattern=r"^(yes)?$")] = ""
    id: Annotated[int, Field(ge=0, lt=2**31)] = 0  # a notice: its id column is an INTEGER
