"""Database tables. Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


# What /delete does with a column that can hold someone's Telegram user or chat id, in the
# column's `info` (storage/repositories/users.py reads it; tests/test_privacy.py checks that
# every BigInteger column says):
PERSON = "person"
ERASE = {PERSON: "erase"}  # a row naming the user goes
FORGET = {PERSON: "forget"}  # the id becomes NULL and the row stays, as "deleted staff"
NOT_A_PERSON = {PERSON: None}  # a message or update id, never a person's


def forget_with(*columns: str) -> dict[str, Any]:
    """FORGET, and these columns of the row with it (a message id in the forgotten chat)."""
    return {**FORGET, "with": columns}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {datetime: UTCDateTime(), dict[str, Any]: JSON()}
    # Every model here is a declarative Table (DeclarativeBase allows any FromClause).
    __table__: ClassVar[Table]


class User(Base):
    """One Telegram user. Holds only what the features need (see /privacy)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, info=ERASE)
    locale: Mapped[str | None] = mapped_column(String(8))
    script: Mapped[str | None] = mapped_column(String(4))  # Kazakh's: latn | arab (None: cyrl)
    role: Mapped[str | None] = mapped_column(String(16))
    citizenship: Mapped[str | None] = mapped_column(String(2))
    country_abroad: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FsmRecord(Base):
    """A conversation's state and data, so a restart mid-dialogue loses nothing."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True, info=ERASE)
    state: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Deadline(Base):
    """A date that matters to a user (register by, pay by, policy ends); owns a ladder."""

    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True, info=ERASE)
    dedupe_key: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    # the kind's typed record (storage/records.py), dumped to JSON; read it through the model
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_on: Mapped[date] = mapped_column(Date)  # the user's local calendar date
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | done | off
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Reminder(Base):
    """One step of a deadline's ladder: a message due at a UTC time."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(
        ForeignKey("deadlines.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, index=True, info=ERASE)
    step: Mapped[str] = mapped_column(String(16))  # "7d", "1d", "0d", "again"
    due_at: Mapped[datetime]
    # pending | sending | sent | skipped | failed | cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(36))  # a ReminderInstance id
    sent_at: Mapped[datetime | None]


class ReminderInstance(Base):
    """A running process that delivers reminders. Its claims carry its id; when its heartbeat
    stops (or, on the same machine, its process is gone) another releases them."""

    __tablename__ = "reminder_instances"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    node: Mapped[str | None] = mapped_column(String(128))  # boot + pid namespace, where pid means
    pid: Mapped[int]
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]  # its heartbeat


class Trip(Base):
    """A stay in Kazakhstan the user recorded, for the 90/180 count (dates only)."""

    __tablename__ = "trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True, info=ERASE)
    entered_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)  # None: still in Kazakhstan
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChecklistMark(Base):
    """A pre-departure checklist item the user ticked."""

    __tablename__ = "checklist_marks"

    user_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, info=ERASE
    )
    item: Mapped[str] = mapped_column(String(32), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffRole(Base):
    """A staff member who answers cases for a country; ADMIN_IDS grant and revoke these."""

    __tablename__ = "staff_roles"

    user_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, info=ERASE
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    granted_by: Mapped[int | None] = mapped_column(BigInteger, info=FORGET)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Case(Base):
    """A user's request to the labour attaché for their country of work."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_country", "status", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True, info=ERASE)
    country: Mapped[str | None] = mapped_column(String(2))  # None: not told, goes to admins
    topic: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered | closed
    urgent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    waiting_since: Mapped[datetime | None]  # the user's oldest message not yet answered
    escalated_at: Mapped[datetime | None]  # SOS sent again to every admin
    staff_reminded_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(BigInteger, info=FORGET)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(8))  # user | staff
    resolution: Mapped[str | None] = mapped_column(String(500))
    rating: Mapped[int | None]


class CaseMessage(Base):
    """One message of a case, from either side. Photos and documents by Telegram file id."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True, info=ERASE)  # the case's user
    author: Mapped[str] = mapped_column(String(8))  # user | staff
    author_id: Mapped[int | None] = mapped_column(BigInteger, info=FORGET)  # None: deleted
    kind: Mapped[str] = mapped_column(String(16))  # text | photo | document | location
    text: Mapped[str | None] = mapped_column(String(4096))
    file_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RelayLink(Base):
    """A message the bot sent in someone's chat about a case: replies to it join the case.

    Our own mapping, so relaying never depends on Telegram's forwarded "from"."""

    __tablename__ = "relay_links"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, info=ERASE
    )
    message_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, info=NOT_A_PERSON
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True, info=ERASE)  # the case's user


class Broadcast(Base):
    """An announcement staff send to an audience; one delivery row per recipient.

    `audience` is the filter (role, language, citizenship, country of work, deadline kind)
    and `scope` the countries an attaché is limited to (empty for admins). `contents` holds
    the message per language: kind, Telegram file id, HTML text. The counts are filled in
    when it ends, so its history outlives the delivery rows."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_scheduled_at", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger, index=True, info=FORGET)
    # scheduled | starting | running | paused | done | cancelled
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scope: Mapped[list[str]] = mapped_column(JSON, default=list)
    contents: Mapped[dict[str, Any]] = mapped_column(default=dict)
    url: Mapped[str | None] = mapped_column(String(512))
    paid: Mapped[bool] = mapped_column(default=False)
    scheduled_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(default=0)
    results: Mapped[dict[str, Any]] = mapped_column(default=dict)  # counts, when it ends
    progress_chat: Mapped[int | None] = mapped_column(
        BigInteger, info=forget_with("progress_message")
    )
    progress_message: Mapped[int | None] = mapped_column(BigInteger, info=NOT_A_PERSON)
    progress_at: Mapped[datetime | None]  # last edit of the progress message (any instance)


class BroadcastDelivery(Base):
    """One recipient of a broadcast: claimed, sent and marked like a reminder."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id"),
        Index("ix_broadcast_deliveries_claim", "broadcast_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, index=True, info=ERASE)
    # pending | sending | sent | failed | blocked | skipped | cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    locale: Mapped[str | None] = mapped_column(String(8))  # the content it got
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime | None]  # a retry's earliest time
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    sent_at: Mapped[datetime | None]


class Question(Base):
    """A typed question the knowledge base could not answer, or whose answer did not help:
    for staff to see what content is missing. It holds no user id; it goes after 90 days."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(300))  # normalised: lower case, spaces collapsed
    locale: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(16))  # unanswered | unhelpful
    answer: Mapped[str | None] = mapped_column(String(64))  # the answer that did not help
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class QuestionAsker(Base):
    """Who asked a question: kept apart, and only so that /delete can remove it."""

    __tablename__ = "question_askers"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, index=True, info=ERASE)


class InboxUpdate(Base):
    """An update accepted from Telegram (long polling or webhook) before it is handled, so a
    crash loses nothing: its payload goes once handled, and its id stays two days, so that
    Telegram's redelivery is recognised and not handled twice."""

    __tablename__ = "inbox"
    __table_args__ = (  # the updates still to handle, by user (see `waiting`)
        Index(
            "ix_inbox_waiting",
            "user_id",
            sqlite_where=text("handled_at IS NULL"),
            postgresql_where=text("handled_at IS NULL"),
        ),
    )

    update_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, info=NOT_A_PERSON
    )
    payload: Mapped[str | None] = mapped_column(Text)  # the update's JSON until handled
    owner: Mapped[str | None] = mapped_column(String(36))  # the ReminderInstance handling it
    # whose it is: their later updates wait until it is handled (on whichever instance)
    user_id: Mapped[int | None] = mapped_column(BigInteger, info=FORGET)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    # the service transactions its handling committed (a replay skips them: storage/unit.py)
    effects: Mapped[int] = mapped_column(default=0, server_default="0")


class ServiceState(Base):
    """What the running instances agree on, by name (e.g. the webhook set with Telegram,
    as a fingerprint: its secret is never stored)."""

    __tablename__ = "service_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime]


class DirectoryEdit(Base):
    """A directory field as staff saved it, over the shipped file's value at the time (see
    bot/content/directory.py: an edit wins; a newer file value is reported, not applied)."""

    __tablename__ = "directory_edits"

    entry: Mapped[str] = mapped_column(String(8), primary_key=True)  # "m.KR", "e.KR", "h.KZ"
    field: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    over: Mapped[Any] = mapped_column(JSON, nullable=True)  # the file's value when saved


class DirectoryConfirmation(Base):
    """When staff last confirmed an entry, and who (None: they have deleted their data)."""

    __tablename__ = "directory_confirmations"

    entry: Mapped[str] = mapped_column(String(8), primary_key=True)
    confirmed_on: Mapped[date] = mapped_column(Date)
    confirmed_by: Mapped[int | None] = mapped_column(BigInteger, info=FORGET)


class DirectoryChange(Base):
    """The audit trail: every saved field (old and new value), every confirmation and every
    revert, with who and when. A staff member's /delete keeps the rows, without their id."""

    __tablename__ = "directory_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry: Mapped[str] = mapped_column(String(8), index=True)
    field: Mapped[str] = mapped_column(String(16))  # "" for a confirmation without a change
    action: Mapped[str] = mapped_column(String(8))  # edit | confirm | revert
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(BigInteger, index=True, info=FORGET)
    reverts: Mapped[int | None] = mapped_column()  # the change a revert undid
    at: Mapped[datetime]


class FactValue(Base):
    """A value staff gave a fact for a period (bot/content/facts.py): a new period, or a
    correction of a shipped one with the same start, which it then replaces."""

    __tablename__ = "fact_values"

    fact: Mapped[str] = mapped_column(String(32), primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    valid_until: Mapped[date | None] = mapped_column(Date)
    value: Mapped[int] = mapped_column()
    source_title: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str | None] = mapped_column(String(300))
    checked_on: Mapped[date] = mapped_column(Date)


class FactChange(Base):
    """The audit trail of the facts: every value added, corrected, ended, confirmed or
    reverted (the period's row before and after), with who and when."""

    __tablename__ = "fact_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    fact: Mapped[str] = mapped_column(String(32), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(8))  # add | correct | end | confirm | revert
    old: Mapped[Any] = mapped_column(JSON, nullable=True)  # the period as users saw it
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(BigInteger, index=True, info=FORGET)
    reverts: Mapped[int | None] = mapped_column()
    at: Mapped[datetime]


class GuideNotice(Base):
    """A short notice staff put on top of a guide, in kk, ru and en, until an optional day.
    Removing one keeps the row (who, when): the notices' own audit trail."""

    __tablename__ = "guide_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    guide: Mapped[str] = mapped_column(String(24), index=True)  # a menu item: "permit"
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"kk": …, "ru": …, "en": …}
    until: Mapped[date | None] = mapped_column(Date)  # shown through this day
    created_by: Mapped[int | None] = mapped_column(BigInteger, info=FORGET)
    created_at: Mapped[datetime]
    removed_by: Mapped[int | None] = mapped_column(BigInteger, info=FORGET)
    removed_at: Mapped[datetime | None]
