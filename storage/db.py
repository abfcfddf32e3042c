"""Engine and session factory; migrations applied through Alembic's API.

Alembic (and Mako under it) is imported only when migrations run: not with this module, and
not on a start whose database is already at the scripts' head (the usual restart).
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy
from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # Every session and connection ends its own transaction (tests/test_storage.py checks),
    # so the pool's rollback on return would only cost a hop to aiosqlite's thread.
    engine = create_async_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


T = TypeVar("T")


class Transactions:
    """Runs `work(connection)` in one transaction and returns what it returns.

    On an SQLite file it runs in one hop to a thread of its own, over the plain sqlite3
    driver: through aiosqlite every statement, the commit and the connection's return would
    each be a hop to its thread and back (~100 µs each here). Elsewhere (PostgreSQL, an
    in-memory SQLite) it runs on the async engine.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sync: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self._sync = sqlalchemy.create_engine(
                url.set(drivername="sqlite"), connect_args={"timeout": 30}
            )
            event.listen(self._sync, "connect", _sqlite_pragmas)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="joldas-sqlite")

    @property
    def engines(self) -> list[Engine]:
        """The sync engines statements go through (for listeners)."""
        return [self._engine.sync_engine] + ([self._sync] if self._sync is not None else [])

    async def run(self, work: Callable[[Connection], T]) -> T:
        if self._sync is None or self._thread is None:
            async with self._engine.begin() as connection:
                return await connection.run_sync(work)
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._run, work)

    def _run(self, work: Callable[[Connection], T]) -> T:
        assert self._sync is not None
        with self._sync.begin() as connection:
            return work(connection)

    async def close(self) -> None:
        """Close the thread's connection in the thread that opened it."""
        if self._sync is not None and self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._sync.dispose)
            self._thread.shutdown(wait=False)
            self._sync = self._thread = None


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def script_head() -> str | None:
    """The single head of the revision scripts, read without importing Alembic; None when
    the scripts are anything but a plain graph with one head (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name):
                try:
                    values[target.id] = ast.literal_eval(value)
                except ValueError:
                    values[target.id] = value  # not a literal: unsure, see below
        revision, down = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str) or values.get("depends_on") is not None:
            return None
        if isinstance(down, str):
            down = (down,)
        elif down is None:
            down = ()
        elif not (isinstance(down, tuple | list) and all(isinstance(d, str) for d in down)):
            return None
        revisions.add(revision)
        parents.update(down)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def at_head(connection: Connection) -> bool:
    """Whether the database is stamped with the scripts' head, so no migration would run."""
    head = script_head()
    if head is None or not inspect(connection).has_table("alembic_version"):
        return False
    stamped = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return list(stamped) == [head]


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` on the engine's own connection (at the head already:
    nothing to do, and Alembic is not imported)."""

    def run(connection: Connection) -> None:
        if revision == "head" and at_head(connection):
            return
        from alembic import command

        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
