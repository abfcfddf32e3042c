"""Extract, update and compile the gettext catalogs.

    python scripts/i18n.py            extract -> update kk/ru/en -> fill en -> compile
    python scripts/i18n.py --check    exit 1 if any kk/ru entry is empty or fuzzy

English is the source language: its catalog takes the msgids as they are. Kazakh and
Russian entries are translated by hand in locales/<lang>/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
LANGS = ("kk", "ru", "en")
KEYWORDS = ["-k", "_:1,1t", "-k", "_:1,2", "-k", "__:1,1t", "-k", "__:1,2", "-k", "ngettext:1,2"]


def catalog_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


def babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def gaps(lang: str) -> list[str]:
    with catalog_path(lang).open("rb") as handle:
        catalog = read_po(handle)
    return [
        str(message.id)
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else (message.string,))
        )
    ]


def fill_english() -> None:
    path = catalog_path("en")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def compile_all() -> None:
    for lang in LANGS:
        with catalog_path(lang).open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        with catalog_path(lang).with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


def main() -> int:
    if "--check" not in sys.argv:
        babel(
            "extract",
            *KEYWORDS,
            "--no-location",
            "--sort-output",
            "--project",
            "Joldas",
            "-w",
            "100",
            "-o",
            str(POT),
            "bot",
            "handlers",
            "storage",
        )
        for lang in LANGS:
            command = "update" if catalog_path(lang).exists() else "init"
            extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []
            babel(command, "-i", str(POT), "-d", str(LOCALES), "-l", lang, "-w", "100", *extra)
        fill_english()
        compile_all()
    missing = {lang: gaps(lang) for lang in LANGS}
    for lang, ids in missing.items():
        for msgid in ids:
            print(f"{lang}: untranslated: {msgid[:70]!r}")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
