"""The Kazakh script converter's cost per text (bot/rules/scripts.py).

    python bench/scripts.py

Converts every kk msgstr of locales/kk/LC_MESSAGES/messages.po to the 2021 Latin alphabet and
to the Arabic script, once cold (the cache cleared) and once cached, and prints µs per text
for each. Then, for scale, the word-level exact match of the Arabic script against Unicode
CLDR's kk_Arab locale data (names of languages, countries, scripts, currencies, months and
days, shipped with Babel), and the share of our own Kazakh words that come back from each
script through `to_cyrillic`.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel import Locale  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

from bot.rules.scripts import HAMZA, to_cyrillic, to_script  # noqa: E402

CYRILLIC = re.compile(r"[\u0400-\u052f]+")
ARABIC = re.compile(r"[\u0621-\u064a\u0671-\u06d5]+")
WORD = re.compile(r"\w+")


def kazakh_texts() -> list[str]:
    with (ROOT / "locales/kk/LC_MESSAGES/messages.po").open("rb") as po:
        texts = []
        for message in read_po(po):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            texts += [string for string in strings if message.id and string]
    return texts


def timing(texts: list[str]) -> None:
    for script in ("latn", "arab"):
        to_script.cache_clear()
        start = time.perf_counter()
        for text in texts:
            to_script(text, script)  # type: ignore[arg-type]
        cold = time.perf_counter() - start
        start = time.perf_counter()
        for text in texts:
            to_script(text, script)  # type: ignore[arg-type]
        cached = time.perf_counter() - start
        print(
            f"{script}: {len(texts)} texts, cold {cold / len(texts) * 1e6:.1f} µs/text, "
            f"cached {cached / len(texts) * 1e6:.2f} µs/text"
        )


def cldr_accuracy() -> None:
    arabic, cyrillic = Locale.parse("kk_Arab"), Locale.parse("kk")
    pairs: list[tuple[str, str]] = []
    for field in ("languages", "territories", "scripts", "currencies"):
        ours, theirs = getattr(cyrillic, field), getattr(arabic, field)
        pairs += [(ours[key], value) for key, value in theirs.items() if key in ours]
    for field in ("months", "days"):
        ours, theirs = getattr(cyrillic, field), getattr(arabic, field)
        wide = ours["format"]["wide"]
        pairs += [(wide[key], value) for key, value in theirs["format"]["wide"].items()]
    total = same = 0
    for cyr, arab in pairs:
        words, expected = CYRILLIC.findall(cyr), ARABIC.findall(arab)
        if len(words) != len(expected):
            continue  # not word for word
        for word, wanted in zip(words, expected, strict=True):
            total += 1
            same += to_script(word, "arab") == wanted.replace("ء", HAMZA)  # CLDR types ء
    print(f"arab vs CLDR kk_Arab (mostly foreign names): {same}/{total} = {same / total:.3f}")


def round_trips(texts: list[str]) -> None:
    for script in ("latn", "arab"):
        total = same = unread = 0
        for text in texts:
            converted = to_script(text, script)  # type: ignore[arg-type]
            back = to_cyrillic(converted)
            if back == converted:
                unread += 1  # not taken for Kazakh (a short text, mostly names)
                continue
            words, read = WORD.findall(text), WORD.findall(back)
            if len(words) != len(read):
                continue
            for word, got in zip(words, read, strict=True):
                if CYRILLIC.search(word):
                    total += 1
                    same += word.lower() == got.lower()
        print(
            f"{script} -> Cyrillic, our kk words read back: {same}/{total} = {same / total:.3f}"
            f" ({unread} texts not taken for Kazakh)"
        )


if __name__ == "__main__":
    texts = kazakh_texts()
    timing(texts)
    cldr_accuracy()
    round_trips(texts)
