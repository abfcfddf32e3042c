"""Copy the bot's data from one database to another, e.g. from SQLite to PostgreSQL.

Both are brought to the latest schema first; every table of the models is then copied
into the (empty) target in one transaction, parents before children. Stop the bot first:
rows written while the copy runs may be missed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Row,
    Table,
    func,
    insert,
    literal_column,
    null,
    select,
    tuple_,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import create_engine, upgrade_database
from storage.models import Base


class CopyError(Exception):
    """The copy was refused; nothing was written to the target."""


def tables() -> list[Table]:
    """The models' tables, parents before children (foreign keys hold at every insert)."""
    return list(Base.metadata.sorted_tables)


async def copy_database(source_url: str, target_url: str, *, batch: int = 5000) -> dict[str, int]:
    """Copy every table from `source_url` into the empty `target_url`; the rows per table."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    check_urls(make_url(source_url), make_url(target_url))
    source, target = create_engine(source_url), create_engine(target_url)
    try:
        await upgrade_database(source)
        await upgrade_database(target)
        async with source.connect() as reading, target.begin() as writing:
            await refuse_non_empty(writing)
            copied = {t.name: await copy_table(reading, writing, t, batch) for t in tables()}
            if writing.dialect.name == "postgresql":
                await reset_sequences(writing)
        return copied
    finally:
        await source.dispose()
        await target.dispose()


def check_urls(source: URL, target: URL) -> None:
    """Refuse to copy a database onto itself, or from an SQLite file that is not there
    (opening it would create an empty one)."""
    if same_database(source, target):
        raise CopyError("the source and the target are the same database")
    if source.get_backend_name() == "sqlite" and not sqlite_file_exists(source):
        raise CopyError(f"the source database file {source.database} does not exist")


def same_database(a: URL, b: URL) -> bool:
    """Whether two URLs name one database (whatever the driver or the credentials)."""
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        if not a.database or a.database == ":memory:":
            return False  # every in-memory database is a new one
        return Path(a.database).resolve() == Path(b.database or "").resolve()
    return (a.host, a.port, a.database) == (b.host, b.port, b.database)


def sqlite_file_exists(url: URL) -> bool:
    return not url.database or url.database == ":memory:" or Path(url.database).is_file()


async def refuse_non_empty(writing: AsyncConnection) -> None:
    """Raise CopyError naming the first target table that has rows: nothing is overwritten."""
    for table in tables():
        row = await writing.scalar(select(literal_column("1")).select_from(table).limit(1))
        if row is not None:
            raise CopyError(
                f"the target database is not empty: table {table.name} has rows "
                "(copy only into a new, empty database)"
            )


async def copy_table(
    reading: AsyncConnection, writing: AsyncConnection, table: Table, batch: int
) -> int:
    """Copy one table in batches ordered by its primary key (keyset paging); rows copied."""
    key = list(table.primary_key.columns)
    json_columns = [c for c in table.columns if isinstance(c.type, JSON)]
    # SQL NULL and JSON null both read as None: ask the database which one each is
    is_null = [c.is_(None).label(f"_copy_null_{i}") for i, c in enumerate(json_columns)]
    query = select(*table.columns, *is_null).order_by(*key).limit(batch)
    copied, last = 0, None
    while True:
        page = query if last is None else query.where(tuple_(*key) > last)
        rows = (await reading.execute(page)).all()
        if rows:
            values = [row_values(row, table, json_columns) for row in rows]
            await writing.execute(insert(table), values)
            copied += len(rows)
        if len(rows) < batch:
            return copied
        last = tuple(rows[-1]._mapping[c] for c in key)


def row_values(row: Row[Any], table: Table, json_columns: list[Column[Any]]) -> dict[str, Any]:
    """A source row as insert parameters; a None in a JSON column stays what it was there
    (SQL NULL or JSON null), whatever the column's `none_as_null`."""
    values = {c.key: row._mapping[c] for c in table.columns}
    flags = row[len(table.columns) :]
    for column, is_sql_null in zip(json_columns, flags, strict=True):
        if values[column.key] is None:
            values[column.key] = null() if is_sql_null else JSON.NULL
    return values


async def reset_sequences(writing: AsyncConnection) -> None:
    """Set each PostgreSQL serial/identity sequence to its column's largest copied value, so
    the next row the bot inserts does not clash with a copied one."""
    preparer = writing.dialect.identifier_preparer
    for table in tables():
        column = table.autoincrement_column
        if column is None:
            continue
        largest = func.max(column)
        sequence = func.pg_get_serial_sequence(preparer.format_table(table), column.name)
        await writing.execute(
            select(func.setval(sequence, func.coalesce(largest, 1), largest.is_not(None)))
        )
