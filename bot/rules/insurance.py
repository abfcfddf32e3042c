"""Whether an insurance policy covers a planned stay, and when to renew it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Coverage:
    covered: bool
    gap_before: int  # days of the stay before the policy starts
    gap_after: int  # days of the stay after the policy ends
    renew_by: date  # a little before the policy ends


def coverage(
    policy_start: date, policy_end: date, stay_start: date, stay_end: date, renew_days_before: int
) -> Coverage:
    gap_before = max(0, (policy_start - stay_start).days)
    gap_after = max(0, (stay_end - policy_end).days)
    return Coverage(
        covered=gap_before == 0 and gap_after == 0,
        gap_before=gap_before,
        gap_after=gap_after,
        renew_by=policy_end - timedelta(days=renew_days_before),
    )
