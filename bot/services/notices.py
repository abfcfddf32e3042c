"""Notices staff put on top of a guide ("Since 1 June 2026 paper applications are accepted
again"), in kk, ru and en, shown through an optional end date.

Users' screens read one snapshot of the notices not removed, kept in memory (navigation runs
no query); a change shows on every instance at once (bot/services/snapshot.py).

Nothing is deleted: removing a notice stamps who and when on its row, and restoring a
removed one adds a new row with its texts (added by whoever restored it), so every row keeps
its own who and when: the audit trail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import LOCALES
from bot.services.clock import Clock
from bot.services.snapshot import SharedSnapshot
from storage.models import GuideNotice
from storage.unit import transaction

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.services.cases import CaseService

log = logging.getLogger("joldas.notices")
MAX_TEXT = 300  # characters of a notice, in each language

# The guides a notice can go on: menu entries whose screen the user opens with a press.
GUIDES = (
    "registration",
    "stay",
    "permit",
    "insurance",
    "iin",
    "residence_permits",
    "employer_work",
    "helplines",
    "rights",
    "checklist",
    "offer_check",
    "attache",
    "kandas_status",
    "kandas_regions",
    "kandas_contract",
    "residence",
    "kandas_arrival",
    "kandas_routes",
)


class Problem(StrEnum):
    """Why a notice is refused."""

    empty = "empty"
    too_long = "too_long"
    past = "past"  # its end date has passed
    guide = "guide"  # no such guide
    missing = "missing"  # a language without its text


@dataclass(frozen=True)
class Notice:
    id: int
    guide: str
    texts: dict[str, str]
    until: date | None
    created_by: int | None
    created_at: datetime
    removed_by: int | None = None
    removed_at: datetime | None = None

    def shown_on(self, today: date) -> bool:
        return self.removed_at is None and (self.until is None or today <= self.until)

    @staticmethod
    def of(row: GuideNotice) -> Notice:
        texts = {code: str(row.texts.get(code, "")) for code in LOCALES}
        return Notice(
            row.id,
            row.guide,
            texts,
            row.until,
            row.created_by,
            row.created_at,
            row.removed_by,
            row.removed_at,
        )


def check_text(text: str) -> str | Problem:
    """A notice's text in one language: plain text (escaped where it is shown), not
    empty, at most MAX_TEXT characters."""
    text = text.strip()
    if not text:
        return Problem.empty
    if len(text) > MAX_TEXT:
        return Problem.too_long
    return text


def check_until(until: date | None, today: date) -> Problem | None:
    return Problem.past if until is not None and until < today else None


class NoticeService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        cases: CaseService,
        *,
        timezone: str,
        redis: Redis | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.clock = clock
        self.cases = cases
        self.timezone = ZoneInfo(timezone)
        self.redis = redis
        self._snapshot = SharedSnapshot("notices", self._read, redis)

    def today(self) -> date:
        """Today in the bot's time zone: a notice shows through its end date."""
        return self.clock.now().astimezone(self.timezone).date()

    def is_admin(self, staff_id: int) -> bool:
        """Asked on the server for every step: only admins keep notices."""
        return self.cases.is_admin(staff_id)

    # --- reading ------------------------------------------------------------------------------

    async def current(self) -> dict[str, tuple[Notice, ...]]:
        """The notices not removed (nor ended when read), by guide: the snapshot users'
        screens read (bot/services/snapshot.py)."""
        return await self._snapshot.get()

    async def _read(self) -> dict[str, tuple[Notice, ...]]:
        query = (
            select(GuideNotice)
            .where(GuideNotice.removed_at.is_(None))
            .where(or_(GuideNotice.until.is_(None), GuideNotice.until >= self.today()))
            .order_by(GuideNotice.id)
        )
        async with self._sessionmaker() as session:
            rows = (await session.scalars(query)).all()
        by_guide: dict[str, list[Notice]] = {}
        for row in rows:
            by_guide.setdefault(row.guide, []).append(Notice.of(row))
        return {guide: tuple(notices) for guide, notices in by_guide.items()}

    async def shown(self, guide: str) -> list[Notice]:
        """The notices a user sees on `guide` today."""
        today = self.today()
        return [n for n in (await self.current()).get(guide, ()) if n.shown_on(today)]

    async def changed(self) -> None:
        """Drop the snapshot here, and on every instance."""
        await self._snapshot.changed()

    async def notice(self, notice_id: int) -> Notice | None:
        async with self._sessionmaker() as session:
            row = await session.get(GuideNotice, notice_id)
        return Notice.of(row) if row is not None else None

    async def history(self, limit: int) -> list[Notice]:
        """The latest notices, removed and ended ones included, newest first."""
        query = select(GuideNotice).order_by(GuideNotice.id.desc()).limit(limit)
        async with self._sessionmaker() as session:
            return [Notice.of(row) for row in (await session.scalars(query)).all()]

    # --- staff changes ------------------------------------------------------------------------

    async def add(
        self, guide: str, texts: dict[str, str], until: date | None, staff_id: int
    ) -> Notice | Problem:
        """A new notice, checked again here (a dialogue's data is the user's to forge)."""
        if guide not in GUIDES:
            return Problem.guide
        checked: dict[str, str] = {}
        for code in LOCALES:
            if code not in texts:
                return Problem.missing
            text = check_text(texts[code])
            if isinstance(text, Problem):
                return text
            checked[code] = text
        problem = check_until(until, self.today())
        if problem is not None:
            return problem
        row = GuideNotice(
            guide=guide,
            texts=checked,
            until=until,
            created_by=staff_id,
            created_at=self.clock.now(),
        )
        async with transaction(self._sessionmaker) as session:
            session.add(row)
            await session.flush()
            notice = Notice.of(row)
        await self.changed()
        log.info("notice #%s on %s added by %s", notice.id, guide, staff_id)
        return notice

    async def remove(self, notice_id: int, staff_id: int) -> Notice | None:
        """Take a notice off its guide (None: no such notice, or removed already)."""
        async with transaction(self._sessionmaker) as session:
            row = await session.get(GuideNotice, notice_id, with_for_update=True)
            if row is None or row.removed_at is not None:
                return None
            row.removed_by, row.removed_at = staff_id, self.clock.now()
            await session.flush()
            notice = Notice.of(row)
        await self.changed()
        log.info("notice #%s removed by %s", notice_id, staff_id)
        return notice

    async def restore(self, notice_id: int, staff_id: int) -> Notice | Problem | None:
        """Put a removed notice back, as a new notice with its texts and end date (the
        removed row keeps who removed it). None: no such removed notice, or one just like it
        is shown already (a second press); Problem.past: its end date has passed."""
        old = await self.notice(notice_id)
        if old is None or old.removed_at is None:
            return None
        same = (old.texts, old.until)
        if any((n.texts, n.until) == same for n in await self.shown(old.guide)):
            return None
        return await self.add(old.guide, old.texts, old.until, staff_id)
