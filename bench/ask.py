"""Typed questions: how often the knowledge base's search finds the right place, how often it
rightly says "I don't know", how fast, and what it costs.

    python bench/ask.py [--questions bench/questions.json] [--misses 5]

Runs the question set kept in bench/questions.json (written as users write, in kk, ru and
en, a tenth with no answer in the knowledge base; see its "note") through the same
AnswerBook the bot uses, each with the asker's country of work, and prints per language:
  - top-1 and top-3 hit rate over the answerable questions (targets: top-3 >= 0.90 for ru
    and en, >= 0.85 for kk);
  - the share of unanswerable questions answered "I don't know" (target >= 0.8);
  - p50 and p95 latency per question (target p95 <= 20 ms);
then the index build time (target <= 1 s) and the memory it takes (target <= 30 MB).
`--misses N` lists N questions per language that missed, to see why.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.i18n import build_i18n  # noqa: E402
from handlers.views.answers import AnswerBook  # noqa: E402

TARGET_TOP3 = {"kk": 0.85, "ru": 0.90, "en": 0.90}
TARGET_ABSTAIN = 0.8
TARGET_P95_MS = 20.0
TARGET_BUILD_S = 1.0
TARGET_MEMORY_MB = 30.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def matches(found: str, expected: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(found, pattern) for pattern in expected)


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(book: AnswerBook, mine: list[dict], lang: str, misses_shown: int) -> None:
    """Top-1 and top-3 over the answerable questions of one language, the "I don't know"
    rate over the others, and the time each question took; then the misses asked for."""
    if not mine:
        print(f"{lang}: no questions")
        return
    top1 = top3 = answerable = abstained = unanswerable = 0
    times: list[float] = []
    misses: list[str] = []
    for question in mine:
        started = time.perf_counter()
        answers = book.find(question["text"], question.get("country"), role=question.get("role"))
        found = [answer.id for answer, _hit in answers]
        times.append((time.perf_counter() - started) * 1000)
        expected = question["expect"]
        if not expected:
            unanswerable += 1
            abstained += not found
            if found:
                misses.append(f"  ! {question['text']!r} -> {found[:3]} (expected nothing)")
            continue
        answerable += 1
        hit1 = bool(found) and matches(found[0], expected)
        hit3 = any(matches(f, expected) for f in found[:3])
        top1 += hit1
        top3 += hit3
        if not hit3:
            misses.append(f"  - {question['text']!r} -> {found[:3]} (expected {expected})")
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
    rate1 = top1 / answerable if answerable else 0.0
    rate3 = top3 / answerable if answerable else 0.0
    abstain = abstained / unanswerable if unanswerable else 1.0
    print(
        f"{lang}: {len(mine)} questions ({answerable} answerable, {unanswerable} not): "
        f"top-1 {rate1:.2f}, top-3 {rate3:.2f} (target >= {TARGET_TOP3[lang]:.2f}) "
        f"{mark(rate3 >= TARGET_TOP3[lang])}; "
        f'"I don\'t know" right {abstain:.2f} (target >= {TARGET_ABSTAIN}) '
        f"{mark(abstain >= TARGET_ABSTAIN)}; "
        f"p50 {p50:.2f} ms, p95 {p95:.2f} ms {mark(p95 <= TARGET_P95_MS)}"
    )
    for line in misses[:misses_shown]:
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", default=str(ROOT / "bench" / "questions.json"))
    parser.add_argument("--misses", type=int, default=0)
    args = parser.parse_args()
    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))["questions"]

    i18n = build_i18n("ru")
    before = rss_mb()
    started = time.perf_counter()
    book = AnswerBook(i18n, 2026)
    index = book.index
    build = time.perf_counter() - started
    memory = rss_mb() - before
    print(
        f"index: {len(index)} answers built and indexed in {build * 1000:.0f} ms "
        f"(target <= {TARGET_BUILD_S * 1000:.0f} ms) {mark(build <= TARGET_BUILD_S)}"
    )
    print(
        f"memory: +{memory:.1f} MB RSS (target <= {TARGET_MEMORY_MB:.0f} MB) "
        f"{mark(memory <= TARGET_MEMORY_MB)}"
    )

    sets = {
        "written for the bench": [q for q in questions if "source" not in q],
        "copied from public pages": [q for q in questions if "source" in q],
    }
    for name, chosen in sets.items():
        print(f"\n{name}: {len(chosen)} questions")
        for lang in ("kk", "ru", "en"):
            report(book, [q for q in chosen if q["lang"] == lang], lang, args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
