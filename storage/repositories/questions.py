"""Questions the knowledge base did not answer well, kept apart from who asked them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Question, QuestionAsker
from storage.repositories import affected_rows


class QuestionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, question: Question, user_id: int) -> None:
        self.session.add(question)
        await self.session.flush()
        self.session.add(QuestionAsker(question_id=question.id, user_id=user_id))

    async def most_asked(self, since: datetime, limit: int) -> list[tuple[str, str, str, int]]:
        """(text, language, outcome, how many times) since `since`, the most frequent first."""
        count = func.count()
        rows = await self.session.execute(
            select(Question.text, Question.locale, Question.outcome, count)
            .where(Question.created_at >= since)
            .group_by(Question.text, Question.locale, Question.outcome)
            .order_by(count.desc(), Question.text)
            .limit(limit)
        )
        return [(text, locale, outcome, number) for text, locale, outcome, number in rows]

    async def forget_before(self, before: datetime) -> int:
        old = select(Question.id).where(Question.created_at < before)
        await self.session.execute(delete(QuestionAsker).where(QuestionAsker.question_id.in_(old)))
        result = await self.session.execute(delete(Question).where(Question.created_at < before))
        return affected_rows(result)
