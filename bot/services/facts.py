"""The facts staff keep current: a value for a new period (the 2027 MCI is an addition, not
an overwrite of 2026), a corrected value, a period's end, a new source, a confirmation; each
audited and revertible; and what is overdue.

Users' screens read one book kept in memory (bot/services/snapshot.py): the shipped facts
with the staff's values laid over them; a change shows on every instance at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.facts import (
    DatedValue,
    FactBook,
    FactSource,
    ending_before,
    shipped_book,
    with_values,
)
from bot.services.clock import Clock
from bot.services.snapshot import SharedSnapshot
from storage.models import FactChange, FactValue
from storage.unit import transaction

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("joldas.facts")
UNCONFIRMED_DAYS = 180  # a value nobody checked for this long is overdue


class Refused(Exception):
    """A change that would break the book, and why (handlers/staff/facts.py words it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Overdue:
    """Why a fact needs staff: the year began without its value, its last period ended, a
    pilot's end passed, or nobody confirmed it for UNCONFIRMED_DAYS."""

    name: str
    kind: str  # "year" | "ended" | "unconfirmed"
    day: date  # the day it became overdue


def as_row(name: str, dated: DatedValue) -> FactValue:
    return FactValue(
        fact=name,
        valid_from=dated.valid_from,
        valid_until=dated.valid_until,
        value=dated.value,
        source_title=dated.source.title,
        source_url=dated.source.url,
        checked_on=dated.checked_on,
    )


def as_dated(row: FactValue) -> DatedValue:
    return DatedValue(
        value=row.value,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        source=FactSource(title=row.source_title, url=row.source_url),
        checked_on=row.checked_on,
    )


def as_json(dated: DatedValue | None) -> dict[str, Any] | None:
    return None if dated is None else dated.model_dump(mode="json")


def laid_over(rows: list[FactValue]) -> FactBook:
    """The shipped book with staff values laid over it: a value starting on a shipped
    period's first day replaces that period; others are added."""
    book = shipped_book()
    for row in rows:
        if row.fact in book.facts:
            try:
                book = with_values(book, row.fact, row.valid_from, as_dated(row))
            except ValidationError:  # a newer release overlaps it: the release wins
                log.warning(
                    "fact %s from %s no longer fits the shipped facts", row.fact, row.valid_from
                )
    return book


def period(book: FactBook, name: str, valid_from: date) -> DatedValue | None:
    return next((v for v in book.facts[name].values if v.valid_from == valid_from), None)


def overdue(book: FactBook, today: date) -> list[Overdue]:
    found = []
    for name, fact in book.facts.items():
        last = fact.values[-1]
        if fact.year_bound and not any(value.covers(today) for value in fact.values):
            found.append(Overdue(name, "year", date(today.year, 1, 1)))
        elif last.valid_until is not None and last.valid_until < today:
            found.append(Overdue(name, "ended", last.valid_until + timedelta(days=1)))
        checked = max(value.checked_on for value in fact.values)
        if (today - checked).days > UNCONFIRMED_DAYS:
            found.append(Overdue(name, "unconfirmed", checked + timedelta(days=UNCONFIRMED_DAYS)))
    return found


class FactService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        admin_ids: frozenset[int] | set[int],
        timezone: str,
        redis: Redis | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.clock = clock
        self.admin_ids = admin_ids
        self.timezone = ZoneInfo(timezone)
        self.redis = redis
        self._snapshot = SharedSnapshot("facts", self._read, redis)

    def is_admin(self, user_id: int) -> bool:
        """Asked on the server for every step: only admins change the facts."""
        return user_id in self.admin_ids

    def today(self) -> date:
        return self.clock.now().astimezone(self.timezone).date()

    async def current(self) -> FactBook:
        """The book users' screens read: no query while it is kept (see the module)."""
        return await self._snapshot.get()

    async def _read(self) -> FactBook:
        async with self._sessionmaker() as session:
            rows = list(await session.scalars(select(FactValue)))
        return laid_over(rows)

    async def changed(self) -> None:
        await self._snapshot.changed()

    # --- staff changes ------------------------------------------------------------------------

    async def put(
        self,
        name: str,
        valid_from: date,
        dated: DatedValue | None,
        action: str,
        staff_id: int,
        reverts: int | None = None,
    ) -> FactChange:
        """Set (or, with None, drop) the period of `name` starting on `valid_from`, checked
        against the whole fact, recorded with the period before and after. A value added
        after an open-ended period ends that one the day before (recorded as its own change)."""
        async with transaction(self._sessionmaker) as session:
            rows = list(await session.scalars(select(FactValue).with_for_update()))
            book = laid_over(rows)
            if name not in book.facts:
                raise Refused("unknown")
            if dated is not None and dated.value <= 0:
                raise Refused("value")
            if dated is not None and dated.valid_until and dated.valid_until < dated.valid_from:
                raise Refused("order")
            if action == "add" and (cut := ending_before(book, name, valid_from)) is not None:
                book, _ended = await self._write(
                    session, book, name, cut.valid_from, cut, "end", staff_id
                )
            _book, change = await self._write(
                session, book, name, valid_from, dated, action, staff_id, reverts
            )
        await self.changed()
        log.info("fact %s from %s: %s by %s", name, valid_from, action, staff_id)
        return change

    async def _write(
        self,
        session: AsyncSession,
        book: FactBook,
        name: str,
        valid_from: date,
        dated: DatedValue | None,
        action: str,
        staff_id: int,
        reverts: int | None = None,
    ) -> tuple[FactBook, FactChange]:
        """One period's change inside `put`'s transaction: the book after it, and its record."""
        shipped = period(shipped_book(), name, valid_from)
        if dated is None and shipped is not None:
            raise Refused("shipped")  # a shipped period is corrected, not dropped
        try:
            after = with_values(book, name, valid_from, dated)
        except ValidationError as error:
            raise Refused("overlap") from error
        old = period(book, name, valid_from)
        await session.execute(
            delete(FactValue).where(FactValue.fact == name, FactValue.valid_from == valid_from)
        )
        if dated is not None and dated != shipped:
            session.add(as_row(name, dated))
        change = FactChange(
            fact=name,
            valid_from=valid_from,
            action=action,
            old=as_json(old),
            new=as_json(dated),
            staff_id=staff_id,
            reverts=reverts,
            at=self.clock.now(),
        )
        session.add(change)
        await session.flush()
        return after, change

    async def revert(self, change_id: int, admin_id: int) -> FactChange:
        """Put the period back as it was before the change."""
        async with self._sessionmaker() as session:
            change = await session.get(FactChange, change_id)
        if change is None:
            raise Refused("unknown")
        before = None if change.old is None else DatedValue.model_validate(change.old)
        return await self.put(
            change.fact, change.valid_from, before, "revert", admin_id, reverts=change.id
        )

    async def history(self, name: str, limit: int = 10) -> list[FactChange]:
        async with self._sessionmaker() as session:
            query = (
                select(FactChange)
                .where(FactChange.fact == name)
                .order_by(FactChange.id.desc())
                .limit(limit)
            )
            return list(await session.scalars(query))

    async def change(self, change_id: int) -> FactChange | None:
        async with self._sessionmaker() as session:
            return await session.get(FactChange, change_id)

    async def overdue(self) -> list[Overdue]:
        return overdue(await self.current(), self.today())
