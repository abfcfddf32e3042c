"""The job-offer check: answers from a fixed question list in, a risk level and reasons out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.content.abroad import OfferAnswer, OfferCheck

Risk = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class Assessment:
    risk: Risk
    points: int
    reasons: list[OfferAnswer]  # the answers that raised the risk, in question order


def assess(check: OfferCheck, answers: dict[str, str]) -> Assessment:
    """Sum the points of the chosen answers; any red flag alone makes the risk high.

    Unknown question or answer ids (a stale button, an edited data file) count as nothing."""
    chosen = []
    for question in check.questions:
        answer = next((a for a in question.answers if a.id == answers.get(question.id)), None)
        if answer is not None:
            chosen.append(answer)
    points = sum(answer.points for answer in chosen)
    if any(answer.red_flag for answer in chosen) or points >= check.high_from:
        risk: Risk = "high"
    elif points >= check.medium_from:
        risk = "medium"
    else:
        risk = "low"
    return Assessment(risk, points, [answer for answer in chosen if answer.points > 0])
