"""The questions typed questions could not answer well, for staff (/questions).

Only two kinds are kept: a question nothing matched, and one whose answer the user marked
"did not help". The text is kept lower-cased and shortened, without the user's id; who
asked is kept apart (storage.models.QuestionAsker) only so /delete can remove it. Every
question goes after KEEP_DAYS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.clock import Clock
from storage.models import Question
from storage.repositories.questions import QuestionRepository
from storage.unit import transaction

KEEP_DAYS = 90
MAX_TEXT = 300
PURGE_EVERY = timedelta(hours=1)


def normalised(text: str) -> str:
    return " ".join(text.casefold().split())[:MAX_TEXT]


class QuestionLog:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessionmaker = sessionmaker
        self.clock = clock
        self._purged_at: datetime | None = None

    async def record(
        self, user_id: int, text: str, locale: str, outcome: str, answer: str | None = None
    ) -> None:
        now = self.clock.now()
        question = Question(
            text=normalised(text), locale=locale, outcome=outcome, answer=answer, created_at=now
        )
        purge = self._purged_at is None or now - self._purged_at >= PURGE_EVERY
        async with transaction(self._sessionmaker) as session:
            repository = QuestionRepository(session)
            if purge:  # questions older than KEEP_DAYS go, looked for once an hour
                await repository.forget_before(now - timedelta(days=KEEP_DAYS))
                self._purged_at = now
            await repository.add(question, user_id)

    async def most_asked(self, days: int, limit: int) -> list[tuple[str, str, str, int]]:
        since = self.clock.now() - timedelta(days=days)
        async with self._sessionmaker() as session:
            return await QuestionRepository(session).most_asked(since, limit)
