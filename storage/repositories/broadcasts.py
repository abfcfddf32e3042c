"""Broadcasts and their deliveries: audiences as queries, claims, outcomes, progress.

Recipients never pass through Python in bulk: a broadcast's delivery rows are inserted by
INSERT ... SELECT from the users table in keyset batches, and claimed in batches by id.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, BroadcastDelivery, Deadline, ReminderInstance, User
from storage.records import Audience
from storage.repositories import affected_rows

DELIVERIES: Table = BroadcastDelivery.__table__
USERS: Table = User.__table__
# An outcome lands only while the delivery is still claimed by the instance that sent it.
OURS = and_(DELIVERIES.c.id == bindparam("did"), DELIVERIES.c.claimed_by == bindparam("by"))
MARK_SENT: Update = (
    update(DELIVERIES)
    .where(OURS)
    .values(status="sent", locale=bindparam("locale"), sent_at=bindparam("at"))
)
MARK_CLOSED: Update = (  # failed | blocked | skipped | cancelled
    update(DELIVERIES)
    .where(OURS)
    .values(status=bindparam("status"), locale=bindparam("locale"), error=bindparam("error"))
)
RETRY: Update = (
    update(DELIVERIES)
    .where(OURS)
    .values(
        status="pending",
        claimed_by=None,
        due_at=bindparam("due"),
        attempts=bindparam("attempts"),
        error=bindparam("error"),
    )
)
OPEN = ("pending", "sending")
# a claimed delivery: id, user_id, attempts, the user's locale and whether they are active
# (None when the user deleted their data)
Claimed = tuple[int, int, int, str | None, bool | None]


def audience_where(audience: Audience, scope: Collection[str], default_locale: str) -> Any:
    """The users an audience names: active ones only, and within an attaché's countries."""
    users = USERS.c
    conditions: list[ColumnElement[bool]] = [users.is_active.is_(True)]
    if scope:
        conditions += [users.role == "emigrant", users.country_abroad.in_(sorted(scope))]
    if audience.role:
        conditions.append(users.role == audience.role)
    if audience.locale:
        conditions.append(func.coalesce(users.locale, default_locale) == audience.locale)
    if audience.citizenship:
        conditions.append(users.citizenship == audience.citizenship)
    if audience.country:
        conditions.append(users.country_abroad == audience.country)
    if audience.kind:
        deadlines = Deadline.__table__.c
        conditions.append(
            exists().where(
                deadlines.user_id == users.id,
                deadlines.kind == audience.kind,
                deadlines.status == "active",
            )
        )
    return and_(*conditions)


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- audiences ---------------------------------------------------------------------

    async def count(self, where: Any) -> int:
        return await self.session.scalar(select(func.count()).select_from(USERS).where(where)) or 0

    async def count_by_locale(self, where: Any, default_locale: str) -> dict[str, int]:
        locale = func.coalesce(USERS.c.locale, default_locale)
        rows = await self.session.execute(
            select(locale, func.count()).select_from(USERS).where(where).group_by(locale)
        )
        return {code: number for code, number in rows}

    async def count_by_script(self, where: Any) -> dict[str, int]:
        """The audience's Kazakh readers who read it in Latin or Arabic script, by script."""
        script = USERS.c.script
        rows = await self.session.execute(
            select(script, func.count())
            .select_from(USERS)
            .where(where, USERS.c.locale == "kk", script.is_not(None))
            .group_by(script)
        )
        return {code: number for code, number in rows}

    async def most_common(self, column: str, where: Any, limit: int) -> list[tuple[str, int]]:
        """The commonest values of a users column among an audience, with their counts."""
        field = USERS.c[column]
        rows = await self.session.execute(
            select(field, func.count())
            .where(where, field.is_not(None))
            .group_by(field)
            .order_by(func.count().desc(), field)
            .limit(limit)
        )
        return [(value, number) for value, number in rows]

    # --- broadcasts --------------------------------------------------------------------

    async def create(self, broadcast: Broadcast) -> Broadcast:
        self.session.add(broadcast)
        await self.session.flush()
        return broadcast

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.session.get(Broadcast, broadcast_id)

    async def recent(self, author_id: int | None, limit: int) -> list[Broadcast]:
        """The latest broadcasts (of one author, if given), newest first."""
        statement = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
        if author_id is not None:
            statement = statement.where(Broadcast.author_id == author_id)
        return list(await self.session.scalars(statement))

    async def due(self, now: datetime, stalled_since: datetime) -> list[int]:
        """Scheduled broadcasts whose time has come, and those a crash left starting (their
        start began before `stalled_since`)."""
        rows = await self.session.scalars(
            select(Broadcast.id)
            .where(
                or_(
                    and_(Broadcast.status == "scheduled", Broadcast.scheduled_at <= now),
                    and_(Broadcast.status == "starting", Broadcast.started_at < stalled_since),
                )
            )
            .order_by(Broadcast.id)
        )
        return list(rows)

    async def running(self) -> list[Broadcast]:
        rows = await self.session.scalars(
            select(Broadcast).where(Broadcast.status == "running").order_by(Broadcast.id)
        )
        return list(rows)

    async def move(
        self, broadcast_id: int, before: Collection[str], after: str, **values: Any
    ) -> bool:
        """Change the status if it is one of `before` (so only one instance or press wins)."""
        result = await self.session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status.in_(before))
            .values(status=after, **values)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result) > 0

    async def begin(self, broadcast_id: int, now: datetime, stalled_since: datetime) -> bool:
        """Scheduled → starting (or a start cut short before `stalled_since` taken over):
        one instance wins."""
        result = await self.session.execute(
            update(Broadcast)
            .where(
                Broadcast.id == broadcast_id,
                or_(
                    Broadcast.status == "scheduled",
                    and_(Broadcast.status == "starting", Broadcast.started_at < stalled_since),
                ),
            )
            .values(status="starting", started_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result) > 0

    async def add_recipients(
        self, broadcast_id: int, where: Any, after_user: int, limit: int
    ) -> int | None:
        """The next `limit` recipients by user id after `after_user` become delivery rows;
        returns the last user id of the batch (None when there were none)."""
        batch = (
            select(USERS.c.id).where(where, USERS.c.id > after_user).order_by(USERS.c.id)
        ).limit(limit)
        last = await self.session.scalar(select(func.max(batch.subquery().c.id)))
        if last is None:
            return None
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        rows = select(literal(broadcast_id), USERS.c.id, literal("pending"), literal(0)).where(
            where, USERS.c.id > after_user, USERS.c.id <= last
        )
        await self.session.execute(
            insert(DELIVERIES)
            .from_select(["broadcast_id", "user_id", "status", "attempts"], rows)
            .on_conflict_do_nothing(index_elements=["broadcast_id", "user_id"])
        )
        return last

    async def last_recipient(self, broadcast_id: int) -> int:
        """The highest user id already added (a start interrupted by a crash goes on)."""
        found = await self.session.scalar(
            select(func.max(DELIVERIES.c.user_id)).where(DELIVERIES.c.broadcast_id == broadcast_id)
        )
        return found or 0

    async def recipients(self, broadcast_id: int) -> int:
        return (
            await self.session.scalar(
                select(func.count())
                .select_from(DELIVERIES)
                .where(DELIVERIES.c.broadcast_id == broadcast_id)
            )
            or 0
        )

    # --- deliveries --------------------------------------------------------------------

    async def claim(self, broadcast_id: int, now: datetime, limit: int, by: str) -> list[Claimed]:
        """Take the next `limit` pending deliveries, lowest id first (FOR UPDATE SKIP LOCKED
        on PostgreSQL: instances never take the same rows)."""
        due = (
            select(DELIVERIES.c.id)
            .where(
                DELIVERIES.c.broadcast_id == broadcast_id,
                DELIVERIES.c.status == "pending",
                or_(DELIVERIES.c.due_at.is_(None), DELIVERIES.c.due_at <= now),
                exists().where(Broadcast.id == broadcast_id, Broadcast.status == "running"),
            )
            .order_by(DELIVERIES.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = list(
            await self.session.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.id.in_(due.scalar_subquery()))
                .values(status="sending", claimed_by=by)
                .returning(DELIVERIES.c.id, DELIVERIES.c.user_id, DELIVERIES.c.attempts)
            )
        )
        if not claimed:
            return []
        users = {
            row.id: row
            for row in await self.session.execute(
                select(USERS.c.id, USERS.c.locale, USERS.c.is_active).where(
                    USERS.c.id.in_([row.user_id for row in claimed])
                )
            )
        }
        found: list[Claimed] = []
        for row in sorted(claimed, key=lambda r: r.id):
            user = users.get(row.user_id)
            found.append(
                (
                    row.id,
                    row.user_id,
                    row.attempts,
                    user.locale if user else None,
                    user.is_active if user else None,
                )
            )
        return found

    async def release(self, delivery_ids: Collection[int], by: str) -> int:
        """Claims of this instance that were not sent go back (a pause, a stop)."""
        if not delivery_ids:
            return 0
        result = await self.session.execute(
            update(DELIVERIES)
            .where(
                DELIVERIES.c.id.in_(delivery_ids),
                DELIVERIES.c.claimed_by == by,
                DELIVERIES.c.status == "sending",
            )
            .values(status="pending", claimed_by=None)
        )
        return affected_rows(result)

    async def release_orphans(self, broadcast_ids: Collection[int]) -> int:
        """Claims of instances that no longer exist (the reminder service forgets stopped
        instances) go back to the queue."""
        alive = select(ReminderInstance.id)
        result = await self.session.execute(
            update(DELIVERIES)
            .where(
                DELIVERIES.c.broadcast_id.in_(broadcast_ids),
                DELIVERIES.c.status == "sending",
                or_(DELIVERIES.c.claimed_by.is_(None), DELIVERIES.c.claimed_by.not_in(alive)),
            )
            .values(status="pending", claimed_by=None)
        )
        return affected_rows(result)

    async def cancel_pending(self, broadcast_id: int) -> int:
        result = await self.session.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.broadcast_id == broadcast_id, DELIVERIES.c.status == "pending")
            .values(status="cancelled")
        )
        return affected_rows(result)

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        rows = await self.session.execute(
            select(DELIVERIES.c.status, func.count())
            .where(DELIVERIES.c.broadcast_id == broadcast_id)
            .group_by(DELIVERIES.c.status)
        )
        return {status: number for status, number in rows}

    async def sent_by_locale(self, broadcast_id: int) -> dict[str, int]:
        rows = await self.session.execute(
            select(DELIVERIES.c.locale, func.count())
            .where(DELIVERIES.c.broadcast_id == broadcast_id, DELIVERIES.c.status == "sent")
            .group_by(DELIVERIES.c.locale)
        )
        return {locale or "?": number for locale, number in rows}

    async def reasons(self, broadcast_id: int, limit: int) -> list[tuple[str, int]]:
        """The commonest reasons deliveries failed."""
        rows = await self.session.execute(
            select(DELIVERIES.c.error, func.count())
            .where(DELIVERIES.c.broadcast_id == broadcast_id, DELIVERIES.c.status == "failed")
            .group_by(DELIVERIES.c.error)
            .order_by(func.count().desc())
            .limit(limit)
        )
        return [(error or "?", number) for error, number in rows]

    async def finish(self, broadcast_id: int, now: datetime) -> bool:
        """Running → done, once nothing is left to send (one instance wins)."""
        left = exists().where(
            DELIVERIES.c.broadcast_id == broadcast_id, DELIVERIES.c.status.in_(OPEN)
        )
        result = await self.session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == "running", ~left)
            .values(status="done", finished_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result) > 0

    async def progress_turn(self, broadcast_id: int, now: datetime, since: datetime) -> bool:
        """Whether this instance edits the progress message now (at most once per interval
        among all instances)."""
        result = await self.session.execute(
            update(Broadcast)
            .where(
                Broadcast.id == broadcast_id,
                or_(Broadcast.progress_at.is_(None), Broadcast.progress_at <= since),
            )
            .values(progress_at=now)
            .execution_options(synchronize_session=False)
        )
        return affected_rows(result) > 0

    async def forget_deliveries(self, finished_before: datetime) -> int:
        """Delivery rows of broadcasts that ended long ago go (their counts stay)."""
        ended = select(Broadcast.id).where(
            Broadcast.status.in_(("done", "cancelled")), Broadcast.finished_at < finished_before
        )
        result = await self.session.execute(
            delete(DELIVERIES).where(DELIVERIES.c.broadcast_id.in_(ended))
        )
        return affected_rows(result)
