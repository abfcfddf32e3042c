"""What `/metrics` shows, in Prometheus' text format (prometheus-client).

Counters live in the process (every instance has its own; Prometheus adds them up). Queue
depths are read from the database when scraped, so every instance reports the shared queues.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter("joldas_updates", "Updates handled, by type", ["type"])
ERRORS = Counter("joldas_handler_errors", "Updates whose handler failed, by type", ["type"])
LATENCY = Histogram(
    "joldas_update_seconds",
    "Time to handle one update",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
INBOX = Counter("joldas_inbox_updates", "Updates arriving, by what became of them", ["outcome"])
REMINDERS = Counter("joldas_reminders", "Reminder deliveries, by outcome", ["outcome"])
BROADCASTS = Counter("joldas_broadcast_deliveries", "Broadcast deliveries, by outcome", ["outcome"])
FLOOD_WAITS = Counter("joldas_telegram_429", "429 Too Many Requests answers from Telegram")
QUEUE = Gauge("joldas_queue_depth", "Work waiting, read at scrape time", ["queue"])


class UpdateMetrics(BaseMiddleware):
    """Counts every update by type and times its handling (the outermost middleware)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            LATENCY.observe(time.perf_counter() - started)
            kind = event.event_type if isinstance(event, Update) else type(event).__name__
            UPDATES.labels(kind).inc()
