"""The labour-attaché desk: cases, who may handle them, and when they are overdue.

Routing: a case goes to the staff who serve its country; with nobody there, to the admins
(ADMIN_IDS), who may handle every case. Every staff action asks `may_handle` first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.clock import Clock
from storage.cache import UserCaches
from storage.models import Case, CaseMessage, StaffRole
from storage.repositories.cases import CaseRepository
from storage.repositories.staff import StaffRepository
from storage.unit import transaction

SOS_ESCALATION = timedelta(minutes=15)
STAFF_REMINDER = timedelta(hours=24)
MAX_TEXT = 4096
MAX_RESOLUTION = 500


@dataclass(frozen=True)
class Entry:
    """A message to add to a case."""

    author: str  # user | staff
    author_id: int
    kind: str  # text | photo | document | voice | location
    text: str | None = None
    file_id: str | None = None


class CaseService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        admin_ids: Iterable[int],
        caches: UserCaches | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.clock = clock
        self.admin_ids = frozenset(admin_ids)
        self._caches = caches  # the profile screen counts a user's cases
        # with caches (one process): who has a staff role, read once, dropped on every change
        self._staff: set[int] | None = None
        self._staff_changes = 0

    # --- who handles what -----------------------------------------------------------

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids

    async def countries_of(self, staff_id: int) -> set[str]:
        async with self._sessionmaker() as session:
            return await StaffRepository(session).countries_of(staff_id)

    async def is_staff(self, user_id: int) -> bool:
        if self.is_admin(user_id):
            return True
        if self._caches is None:  # several instances: another may have changed the roles
            return bool(await self.countries_of(user_id))
        staff = self._staff
        if staff is None:
            changes = self._staff_changes
            staff = {role.user_id for role in await self.roles()}
            if changes == self._staff_changes:  # no grant or revoke overtook the read
                self._staff = staff
        return user_id in staff

    def forget_staff(self) -> None:
        """Roles changed (a grant, a revoke, a staff member's /delete)."""
        self._staff = None
        self._staff_changes += 1

    async def may_handle(self, user_id: int, case: Case | None) -> bool:
        """Checked on the server for every staff action, whatever buttons were shown."""
        if case is None:
            return False
        if self.is_admin(user_id):
            return True
        return case.country is not None and case.country in await self.countries_of(user_id)

    async def recipients(self, case: Case) -> list[int]:
        """The attachés of the case's country, or the admins when it has none."""
        staff: list[int] = []
        if case.country:
            async with self._sessionmaker() as session:
                staff = await StaffRepository(session).serving(case.country)
        return staff or sorted(self.admin_ids)

    async def grant(self, user_id: int, country: str, granted_by: int) -> bool:
        async with transaction(self._sessionmaker) as session:
            granted = await StaffRepository(session).grant(user_id, country, granted_by)
        self.forget_staff()
        return granted

    async def revoke(self, user_id: int, country: str) -> bool:
        async with transaction(self._sessionmaker) as session:
            revoked = await StaffRepository(session).revoke(user_id, country)
        self.forget_staff()
        return revoked

    async def roles(self) -> list[StaffRole]:
        async with self._sessionmaker() as session:
            return await StaffRepository(session).all()

    # --- the user's side ------------------------------------------------------------

    async def open(
        self, user_id: int, country: str | None, topic: str, locale: str, entry: Entry | None
    ) -> Case:
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            repository = CaseRepository(session)
            case = await repository.add(
                user_id=user_id,
                country=country,
                topic=topic,
                locale=locale,
                status="open",
                urgent=topic == "sos",
                created_at=now,
                updated_at=now,
                waiting_since=now,
            )
            if entry is not None:
                await repository.add_message(case, **self._message(entry, now))
        if self._caches is not None:
            self._caches.forget(user_id)
        return case

    async def sos(self, user_id: int, country: str | None, locale: str) -> tuple[Case, bool]:
        """The user's open urgent case, or a new one; True when it is new."""
        async with self._sessionmaker() as session:
            existing = await CaseRepository(session).open_urgent_of(user_id)
        if existing is not None:
            return existing, False
        return await self.open(user_id, country, "sos", locale, None), True

    async def add(self, case_id: int, entry: Entry) -> Case | None:
        """Add a message to an open case; None if the case is gone or closed."""
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            repository = CaseRepository(session)
            case = await repository.get(case_id)
            if case is None or case.status == "closed":
                return None
            await repository.add_message(case, **self._message(entry, now))
            case.updated_at = now
            if entry.author == "user":
                case.status = "open"
                case.waiting_since = case.waiting_since or now
            else:
                case.status = "answered"
                case.answered_by = entry.author_id
                case.waiting_since = None
        return case

    def _message(self, entry: Entry, now: Any) -> dict[str, Any]:
        text = entry.text[:MAX_TEXT] if entry.text else None
        return {
            "author": entry.author,
            "author_id": entry.author_id,
            "kind": entry.kind,
            "text": text,
            "file_id": entry.file_id,
            "created_at": now,
        }

    async def close(self, case_id: int, by: str, resolution: str | None = None) -> Case | None:
        """Close an open case; None if it was already closed or is gone."""
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            case = await CaseRepository(session).get(case_id)
            if case is None or case.status == "closed":
                return None
            case.status = "closed"
            case.closed_at = case.updated_at = now
            case.closed_by = by
            case.waiting_since = None
            case.resolution = resolution[:MAX_RESOLUTION] if resolution else None
        return case

    async def rate(self, user_id: int, case_id: int, stars: int) -> Case | None:
        async with transaction(self._sessionmaker) as session:
            case = await CaseRepository(session).get(case_id)
            if case is None or case.user_id != user_id or case.status != "closed":
                return None
            case.rating = max(1, min(5, stars))
        return case

    # --- reading --------------------------------------------------------------------

    async def get(self, case_id: int) -> Case | None:
        async with self._sessionmaker() as session:
            return await CaseRepository(session).get(case_id)

    async def of_user(self, user_id: int, limit: int = 10) -> list[Case]:
        async with self._sessionmaker() as session:
            return await CaseRepository(session).of_user(user_id, limit)

    async def messages(self, case_id: int, limit: int = 10) -> list[CaseMessage]:
        async with self._sessionmaker() as session:
            return await CaseRepository(session).messages(case_id, limit)

    async def open_for(self, staff_id: int, limit: int = 30) -> list[Case]:
        """What /cases lists: every open case for admins, their countries' for attachés."""
        async with self._sessionmaker() as session:
            repository = CaseRepository(session)
            if self.is_admin(staff_id):
                return await repository.open_in(None, limit)
            countries = await StaffRepository(session).countries_of(staff_id)
            return await repository.open_in(countries, limit)

    # --- relay links ----------------------------------------------------------------

    async def link(self, case: Case, chat_id: int, message_ids: Iterable[int]) -> None:
        async with transaction(self._sessionmaker) as session:
            await CaseRepository(session).link(case, chat_id, message_ids)

    async def linked(self, chat_id: int, message_id: int) -> Case | None:
        """The case a message in this chat belongs to (a reply to it joins the case)."""
        async with self._sessionmaker() as session:
            return await CaseRepository(session).linked(chat_id, message_id)

    async def links_of_user(self, user_id: int) -> list[tuple[int, int]]:
        async with self._sessionmaker() as session:
            return await CaseRepository(session).links_of_user(user_id)

    # --- timers ---------------------------------------------------------------------

    async def due_escalations(self) -> list[Case]:
        """SOS cases nobody answered within 15 minutes; marked so they go out once."""
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            cases = await CaseRepository(session).unanswered_sos(now - SOS_ESCALATION)
            for case in cases:
                case.escalated_at = now
        return cases

    async def due_staff_reminders(self) -> list[Case]:
        """Cases a user has waited on for 24 hours; each reminds once a day."""
        now = self.clock.now()
        async with transaction(self._sessionmaker) as session:
            cases = await CaseRepository(session).waiting(
                now - STAFF_REMINDER, now - STAFF_REMINDER
            )
            for case in cases:
                case.staff_reminded_at = now
        return cases
