"""Repositories, one module per aggregate (named as in `bot/services/`), each over one session.

Handlers never query directly; services call these.

Rule for writes: a write goes through the group writer (`storage/writer.py`) when it is one
prepared statement (a module-level Core constant or a cached upsert, bound parameters only)
on the hot path, whose caller needs nothing back but the commit: the profile
(`users.user_upsert`), FSM state (`fsm.fsm_upsert`, `fsm.FSM_DELETE`) and the outcome of
each delivered reminder (`reminders.MARK_SENT`, `MARK_CLOSED`, `RESCHEDULE`). Every other
write opens its own transaction (`async with transaction(sessionmaker) as session:`, from
`storage/unit.py`: inside an update it is counted, so a replay does not repeat it) and goes
through a repository: rare user or staff actions, and operations that need several
statements in one transaction, read their own writes or return a result (claiming reminders,
scheduling and closing deadlines, creating cases, toggles, grants, deletes). Deleting a user
commits the update's writes so far and drains the writer first, so no queued write lands
after the delete.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE without RETURNING matched.

    `Session.execute` is typed to return a plain `Result`; for these statements it returns a
    `CursorResult`, the subclass that carries `rowcount`."""
    assert isinstance(result, CursorResult), type(result)
    return result.rowcount
