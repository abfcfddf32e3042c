"""How much work waits, for /metrics: due reminders, broadcast messages, accepted updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Broadcast, BroadcastDelivery, InboxUpdate, Reminder


async def queue_depths(connection: AsyncConnection, now: datetime) -> dict[str, int]:
    reminders = select(func.count()).where(Reminder.status == "pending", Reminder.due_at <= now)
    broadcasts = (
        select(func.count())
        .select_from(BroadcastDelivery)
        .join(Broadcast, Broadcast.id == BroadcastDelivery.broadcast_id)
        .where(Broadcast.status == "running", BroadcastDelivery.status == "pending")
    )
    inbox = select(func.count()).where(InboxUpdate.handled_at.is_(None))
    return {
        "reminders_due": await connection.scalar(reminders) or 0,
        "broadcast_messages": await connection.scalar(broadcasts) or 0,
        "inbox_unhandled": await connection.scalar(inbox) or 0,
    }
