"""Command line: `python -m bot run | console | db upgrade` (also the `joldas` script)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from pydantic import ValidationError

from bot.config import Settings

log = logging.getLogger("joldas")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper() or 'settings'}: {e['msg']}"
            for e in error.errors()
        )
        raise SystemExit(f"Configuration error: {problems}") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="joldas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot with long polling (needs BOT_TOKEN)")
    console = commands.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument(
        "--lang",
        choices=("kk", "ru", "en"),
        default=None,
        help="the language your 'Telegram app' reports",
    )
    console.add_argument("--user-id", type=int, default=100, help="your simulated Telegram id")
    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=("upgrade",))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if args.command == "run":
        from bot.runner import run

        code = asyncio.run(run(settings))
    elif args.command == "console":
        from bot.console import console

        try:
            code = asyncio.run(console(settings, lang=args.lang, user_id=args.user_id))
        except KeyboardInterrupt:
            code = 0
    else:
        from bot.runner import upgrade

        code = asyncio.run(upgrade(settings))
    sys.exit(code)


if __name__ == "__main__":
    main()
