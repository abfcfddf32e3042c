"""Command line: `python -m bot run | console | db upgrade | db copy SOURCE TARGET`
(also the `joldas` script)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from bot import PROJECT_ROOT
from bot.config import Settings
from bot.services.clock import clock_at

log = logging.getLogger("joldas")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONSOLE_LOG = PROJECT_ROOT / "data" / "console.log"


def set_up_logging(settings: Settings, command: str) -> Path | None:
    """The log to stderr, or to LOG_FILE. The console's chat is on stdout and its log never
    mixes into it: without LOG_FILE it goes to data/console.log. Returns the file, if any."""
    path = Path(settings.log_file) if settings.log_file else None
    if path is None and command == "console":
        path = CONSOLE_LOG
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    handler = (
        logging.FileHandler(path, encoding="utf-8") if path is not None else logging.StreamHandler()
    )
    logging.basicConfig(
        level=settings.log_level.upper(), format=LOG_FORMAT, handlers=[handler], force=True
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    return path


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper() or 'settings'}: {e['msg']}"
            for e in error.errors()
        )
        raise SystemExit(f"Configuration error: {problems}") from None


def moment(text: str) -> datetime:
    """`--at`: an ISO date and time; without an offset it is read in the bot's TIMEZONE."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date and time like 2026-12-01T10:01"
        ) from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="joldas", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the bot: long polling, or webhooks when WEBHOOK_URL is set"
    )
    console = commands.add_parser("console", help="chat with the bot in this terminal")
    for command in (run, console):
        command.add_argument(
            "--at",
            type=moment,
            default=None,
            metavar="YYYY-MM-DDTHH:MM",
            help="start the bot's clock at this moment (in TIMEZONE unless it has an offset), "
            "to see the bot on another day (a rehearsal on a test bot, or tests)",
        )
    console.add_argument(
        "--lang",
        choices=("kk", "ru", "en"),
        default=None,
        help="the language your 'Telegram app' reports",
    )
    console.add_argument("--user-id", type=int, default=100, help="your simulated Telegram id")
    db = commands.add_parser("db", help="database schema and data")
    actions = db.add_subparsers(dest="action", required=True)
    actions.add_parser("upgrade", help="bring DATABASE_URL's schema to the latest revision")
    copy = actions.add_parser(
        "copy",
        help="copy all data from one database into a new, empty one (stop the bot first)",
        description="Bring both databases to the latest schema, then copy every table from "
        "SOURCE_URL into TARGET_URL in one transaction. The target must be empty.",
    )
    copy.add_argument(
        "source", metavar="SOURCE_URL", help="e.g. sqlite+aiosqlite:///data/joldas.db"
    )
    copy.add_argument(
        "target",
        metavar="TARGET_URL",
        help="an empty database, e.g. postgresql+asyncpg://joldas:pw@db:5432/joldas",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = load_settings()
    log_file = set_up_logging(settings, args.command)
    if args.command == "run":
        from bot.runner import run

        code = asyncio.run(run(settings, clock=clock_at(args.at, settings.timezone)))
    elif args.command == "console":
        from bot.console import console

        try:
            code = asyncio.run(
                console(settings, lang=args.lang, user_id=args.user_id, at=args.at, log=log_file)
            )
        except KeyboardInterrupt:
            code = 0
    elif args.action == "copy":
        code = db_copy(args.source, args.target)
    else:
        from bot.runner import upgrade

        code = asyncio.run(upgrade(settings))
    sys.exit(code)


def db_copy(source: str, target: str) -> int:
    """`db copy`: copy, then print the rows per table and the total (or why it failed)."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from storage.copy import CopyError, copy_database

    try:
        copied = asyncio.run(copy_database(source, target))
    except (CopyError, SQLAlchemyError, OSError) as error:
        reason = error.orig if isinstance(error, DBAPIError) else error
        print(f"Copy failed: {reason}", file=sys.stderr)
        return 1
    except ImportError as error:  # the URL names a driver that is not installed
        print(
            f"Copy failed: {error} (use an installed async driver: asyncpg, aiosqlite)",
            file=sys.stderr,
        )
        return 1
    width = max(map(len, copied), default=0)
    for table, rows in copied.items():
        print(f"{table:<{width}}  {rows:>9}")
    print(f"{'total':<{width}}  {sum(copied.values()):>9} rows in {len(copied)} tables")
    return 0


if __name__ == "__main__":
    main()
