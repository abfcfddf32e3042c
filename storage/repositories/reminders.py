"""Deadlines and their reminders: ladders, the user's controls, claiming and marking delivery,
and the delivering instances (their heartbeats, and the claims of those that stopped)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Deadline, Reminder, ReminderInstance
from storage.repositories import affected_rows

REMINDERS: Table = Reminder.__table__
INSTANCES: Table = ReminderInstance.__table__
# The outcome of a delivery lands only while the claim is still the deliverer's ("by"): once
# another instance has taken the reminder over, a late outcome changes nothing.
OURS = and_(REMINDERS.c.id == bindparam("rid"), REMINDERS.c.claimed_by == bindparam("by"))
MARK_SENT: Update = update(REMINDERS).where(OURS).values(status="sent", sent_at=bindparam("at"))
MARK_CLOSED: Update = (
    update(REMINDERS).where(OURS).values(status=bindparam("status"), last_error=bindparam("error"))
)
RESCHEDULE: Update = (
    update(REMINDERS)
    .where(OURS)
    .values(
        status="pending",
        due_at=bindparam("due"),
        attempts=bindparam("attempts"),
        last_error=bindparam("error"),
    )
)
OPEN = ("pending", "sending")
# a claimed reminder: id, deadline_id, user_id, step, due_at, attempts
Claimed = Row[int, int, int, str, datetime, int]


def keyed(user_id: int, dedupe_key: str) -> ColumnElement[bool]:
    return and_(Deadline.user_id == user_id, Deadline.dedupe_key == dedupe_key)


class ReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save_deadline(
        self,
        user_id: int,
        dedupe_key: str,
        kind: str,
        payload: dict[str, Any],
        due_on: date,
        now: datetime,
    ) -> int:
        """Create or replace the user's deadline with this key (active again); its id."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {
            "kind": kind,
            "payload": payload,
            "due_on": due_on,
            "status": "active",
            "updated_at": now,
        }
        statement = insert(Deadline).values(
            user_id=user_id, dedupe_key=dedupe_key, created_at=now, **values
        )
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["user_id", "dedupe_key"], set_=values)
        )
        found = await self.session.scalar(
            select(Deadline.id).where(
                Deadline.user_id == user_id, Deadline.dedupe_key == dedupe_key
            )
        )
        assert found is not None
        return found

    async def replace_ladder(
        self, deadline_id: int, user_id: int, steps: list[tuple[str, datetime]]
    ) -> None:
        await self.session.execute(
            delete(Reminder).where(Reminder.deadline_id == deadline_id, Reminder.status.in_(OPEN))
        )
        self.session.add_all(
            Reminder(deadline_id=deadline_id, user_id=user_id, step=step, due_at=due_at)
            for step, due_at in steps
        )

    async def add(self, deadline_id: int, user_id: int, step: str, due_at: datetime) -> None:
        self.session.add(
            Reminder(deadline_id=deadline_id, user_id=user_id, step=step, due_at=due_at)
        )

    async def drop_open(self, deadline_id: int, step: str) -> None:
        await self.session.execute(
            delete(Reminder).where(
                Reminder.deadline_id == deadline_id,
                Reminder.step == step,
                Reminder.status == "pending",
            )
        )

    async def deadline(self, user_id: int, deadline_id: int) -> Deadline | None:
        """The user's own deadline only: ids from buttons are never trusted alone."""
        found = await self.session.get(Deadline, deadline_id)
        return found if found is not None and found.user_id == user_id else None

    async def active_deadline(self, user_id: int, deadline_id: int) -> Deadline | None:
        """The user's own deadline, if its reminders are still running."""
        deadline = await self.deadline(user_id, deadline_id)
        return deadline if deadline is not None and deadline.status == "active" else None

    async def delete_deadline(self, user_id: int, dedupe_key: str) -> bool:
        ids = select(Deadline.id).where(
            Deadline.user_id == user_id, Deadline.dedupe_key == dedupe_key
        )
        await self.session.execute(delete(Reminder).where(Reminder.deadline_id.in_(ids)))
        result = await self.session.execute(delete(Deadline).where(keyed(user_id, dedupe_key)))
        return bool(affected_rows(result))

    async def close_deadline(self, deadline: Deadline, status: str) -> None:
        """Mark a deadline done or off; its open reminders are cancelled."""
        deadline.status = status
        await self.session.execute(
            update(Reminder)
            .where(Reminder.deadline_id == deadline.id, Reminder.status.in_(OPEN))
            .values(status="cancelled")
        )

    async def next_open(self, deadline_id: int) -> Reminder | None:
        return await self.session.scalar(
            select(Reminder)
            .where(Reminder.deadline_id == deadline_id, Reminder.status == "pending")
            .order_by(Reminder.due_at)
            .limit(1)
        )

    async def upcoming(self, user_id: int) -> list[tuple[Deadline, list[Reminder]]]:
        """Active deadlines, soonest first, each with its pending reminders."""
        deadlines = list(
            await self.session.scalars(
                select(Deadline)
                .where(Deadline.user_id == user_id, Deadline.status == "active")
                .order_by(Deadline.due_on, Deadline.id)
            )
        )
        reminders = await self.session.scalars(
            select(Reminder)
            .where(Reminder.user_id == user_id, Reminder.status == "pending")
            .order_by(Reminder.due_at)
        )
        by_deadline: dict[int, list[Reminder]] = {}
        for reminder in reminders:
            by_deadline.setdefault(reminder.deadline_id, []).append(reminder)
        return [(deadline, by_deadline.get(deadline.id, [])) for deadline in deadlines]

    async def claim(self, now: datetime, limit: int, by: str | None = None) -> list[Claimed]:
        """Take up to `limit` due reminders for instance `by`, atomically.

        On PostgreSQL the inner SELECT skips rows other instances hold (FOR UPDATE SKIP
        LOCKED); on SQLite the single writer makes the UPDATE atomic by itself.
        """
        due = (
            select(Reminder.id)
            .where(Reminder.status == "pending", Reminder.due_at <= now)
            .order_by(Reminder.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(due.scalar_subquery()))
            .values(status="sending", claimed_at=now, claimed_by=by)
            .returning(
                Reminder.id,
                Reminder.deadline_id,
                Reminder.user_id,
                Reminder.step,
                Reminder.due_at,
                Reminder.attempts,
            )
            .execution_options(synchronize_session=False)
        )
        return list(result)

    async def release_stale(self, claimed_before: datetime) -> int:
        """The last resort: claims older than the lease go back to the queue, whoever holds
        them (a claim without an instance, or an instance that never stopped beating)."""
        result = await self.session.execute(
            update(Reminder)
            .where(Reminder.status == "sending", Reminder.claimed_at < claimed_before)
            .values(status="pending")
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result)

    async def release_claims_of(self, instance_ids: Collection[str]) -> int:
        """The claims of these instances go back to the queue."""
        if not instance_ids:
            return 0
        result = await self.session.execute(
            update(Reminder)
            .where(Reminder.status == "sending", Reminder.claimed_by.in_(instance_ids))
            .values(status="pending")
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result)

    async def next_due(self) -> datetime | None:
        """When the next pending reminder falls due."""
        return await self.session.scalar(
            select(func.min(Reminder.due_at)).where(Reminder.status == "pending")
        )

    # --- the delivering instances -----------------------------------------------------

    async def register(
        self, instance_id: str, host: str, node: str | None, pid: int, now: datetime
    ) -> None:
        """The instance's row (again, if others dropped it meanwhile)."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {"host": host, "node": node, "pid": pid, "seen_at": now}
        statement = insert(ReminderInstance).values(id=instance_id, started_at=now, **values)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["id"], set_=values)
        )

    async def beat(self, instance_id: str, now: datetime) -> bool:
        """The instance's heartbeat; False when its row is gone (others released its claims)."""
        result = await self.session.execute(
            update(INSTANCES).where(INSTANCES.c.id == instance_id).values(seen_at=now)
        )
        return affected_rows(result) > 0

    async def instances(self) -> list[Row[Any]]:
        return list(await self.session.execute(select(INSTANCES)))

    async def drop_instances(
        self, instance_ids: Collection[str], seen_before: datetime | None = None
    ) -> list[str]:
        """Forget these instances (only those whose heartbeat is older than `seen_before`, if
        given, so one that beat meanwhile stays); the ids actually dropped."""
        if not instance_ids:
            return []
        statement = delete(INSTANCES).where(INSTANCES.c.id.in_(instance_ids))
        if seen_before is not None:
            statement = statement.where(INSTANCES.c.seen_at < seen_before)
        return list(await self.session.scalars(statement.returning(INSTANCES.c.id)))

    async def unregister(self, instance_id: str) -> int:
        """A clean stop: the instance's claims go back to the queue and its row goes."""
        released = await self.release_claims_of([instance_id])
        await self.session.execute(delete(INSTANCES).where(INSTANCES.c.id == instance_id))
        return released

    async def latest_due(self, deadline_ids: set[int], now: datetime) -> dict[int, datetime]:
        """For each deadline, its latest step already due and not yet done with."""
        rows = await self.session.execute(
            select(Reminder.deadline_id, func.max(Reminder.due_at))
            .where(
                Reminder.deadline_id.in_(deadline_ids),
                Reminder.status.in_(OPEN),
                Reminder.due_at <= now,
            )
            .group_by(Reminder.deadline_id)
        )
        return {deadline_id: latest for deadline_id, latest in rows}

    async def active_of(self, user_ids: list[int]) -> dict[int, list[Row[Any]]]:
        """Active deadlines of several users at once (plain rows)."""
        table = Deadline.__table__
        rows = await self.session.execute(
            select(table).where(table.c.user_id.in_(user_ids), table.c.status == "active")
        )
        found: dict[int, list[Row[Any]]] = {}
        for row in rows:
            found.setdefault(row.user_id, []).append(row)
        return found

    async def deadlines(self, ids: set[int]) -> dict[int, Row[Any]]:
        """Read-only rows for delivery (attributes as on Deadline)."""
        table = Deadline.__table__
        rows = await self.session.execute(select(table).where(table.c.id.in_(ids)))
        return {row.id: row for row in rows}

    async def cancel_all_for(self, user_id: int) -> None:
        await self.session.execute(
            update(Reminder)
            .where(Reminder.user_id == user_id, Reminder.status.in_(OPEN))
            .values(status="cancelled", last_error="user blocked the bot")
            .execution_options(synchronize_session=False)
        )
