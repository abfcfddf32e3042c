"""Cases of the labour-attaché desk, with their messages and relay links."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseMessage, RelayLink

OPEN_STATUSES = ("open", "answered")


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, case_id: int) -> Case | None:
        return await self.session.get(Case, case_id)

    async def add(self, **values: Any) -> Case:
        case = Case(**values)
        self.session.add(case)
        await self.session.flush()
        return case

    async def open_urgent_of(self, user_id: int) -> Case | None:
        return await self.session.scalar(
            select(Case)
            .where(Case.user_id == user_id, Case.urgent, Case.status.in_(OPEN_STATUSES))
            .order_by(Case.id.desc())
            .limit(1)
        )

    async def of_user(self, user_id: int, limit: int) -> list[Case]:
        """Open cases first, then the latest closed ones."""
        rows = await self.session.scalars(
            select(Case)
            .where(Case.user_id == user_id)
            .order_by((Case.status == "closed"), Case.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def open_in(self, countries: Iterable[str] | None, limit: int) -> list[Case]:
        """Open cases of these countries (None: every country), urgent and oldest first."""
        statement = select(Case).where(Case.status.in_(OPEN_STATUSES))
        if countries is not None:
            statement = statement.where(Case.country.in_(list(countries)))
        rows = await self.session.scalars(
            statement.order_by(Case.urgent.desc(), Case.created_at).limit(limit)
        )
        return list(rows)

    async def unanswered_sos(self, created_before: datetime) -> list[Case]:
        rows = await self.session.scalars(
            select(Case)
            .where(
                Case.urgent,
                Case.status == "open",
                Case.answered_by.is_(None),
                Case.escalated_at.is_(None),
                Case.created_at <= created_before,
            )
            .with_for_update(skip_locked=True)  # PostgreSQL: one instance takes each case
        )
        return list(rows)

    async def waiting(self, since_before: datetime, reminded_before: datetime) -> list[Case]:
        """Cases whose user has waited since before `since_before`, not reminded lately."""
        rows = await self.session.scalars(
            select(Case)
            .where(
                Case.status == "open",
                Case.waiting_since <= since_before,
                or_(Case.staff_reminded_at.is_(None), Case.staff_reminded_at <= reminded_before),
            )
            .with_for_update(skip_locked=True)
        )
        return list(rows)

    async def messages(self, case_id: int, limit: int) -> list[CaseMessage]:
        """The latest messages, oldest first."""
        rows = await self.session.scalars(
            select(CaseMessage)
            .where(CaseMessage.case_id == case_id)
            .order_by(CaseMessage.id.desc())
            .limit(limit)
        )
        return list(reversed(list(rows)))

    async def add_message(self, case: Case, **values: Any) -> None:
        self.session.add(CaseMessage(case_id=case.id, user_id=case.user_id, **values))

    async def link(self, case: Case, chat_id: int, message_ids: Iterable[int]) -> None:
        for message_id in message_ids:
            await self.session.merge(
                RelayLink(
                    chat_id=chat_id, message_id=message_id, case_id=case.id, user_id=case.user_id
                )
            )

    async def linked(self, chat_id: int, message_id: int) -> Case | None:
        link = await self.session.get(RelayLink, (chat_id, message_id))
        return await self.session.get(Case, link.case_id) if link else None

    async def links_of_user(self, user_id: int) -> list[tuple[int, int]]:
        rows = await self.session.execute(
            select(RelayLink.chat_id, RelayLink.message_id).where(RelayLink.user_id == user_id)
        )
        return [(chat_id, message_id) for chat_id, message_id in rows]
