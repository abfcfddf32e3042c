"""/delete removes every row that names the person, in every table: the columns that can
hold a Telegram user or chat id are read from the models, so a new one cannot be missed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Integer, String, Text, func, insert, select

from storage.models import PERSON, Base, UTCDateTime

PERSON_ID = 4242  # the one who deletes their data
OTHER_ID = 5151  # someone else, whose rows must stay
THIRD_ID = 6161  # the other side of a row that names the person (a case's user, say)


def person_columns() -> list:
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        for column in table.c
        if column.info.get(PERSON)
    ]


def test_every_column_that_can_hold_a_telegram_id_says_what_delete_does_with_it():
    """Telegram ids need 64 bits: every BigInteger column is a person's (erased or
    forgotten) or says it is not one (a message or update id)."""
    unmarked = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.c
        if isinstance(column.type, BigInteger) and PERSON not in column.info
    ]
    assert unmarked == []
    for _table, column in person_columns():
        if column.info.get(PERSON) == "forget":
            assert column.nullable, f"{column} is forgotten as NULL"


def generated(column) -> bool:
    """An integer primary key the database numbers itself."""
    kind = column.type
    return (
        column.primary_key
        and isinstance(kind, Integer)
        and not isinstance(kind, BigInteger)
        and not column.foreign_keys
    )


def value_for(column, names: dict[str, int], ids: dict[str, Any], serial: int) -> Any:
    """A value for a column: the id `names` gives a person's column, the row inserted before
    where it points to another table, else one unique to this row."""
    if column.info.get(PERSON):
        return names[column.name]
    for key in column.foreign_keys:
        return ids[key.column.table.name]
    kind = column.type
    if isinstance(kind, Integer):  # BigInteger too
        return serial if column.primary_key else 1
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, UTCDateTime):
        return datetime(2026, 11, 21, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2026, 11, 21)
    if isinstance(kind, String | Text):
        return f"{column.name[:2]}{serial}"[: kind.length or 50]
    raise AssertionError(f"no value for {column} ({kind!r})")


async def fill_every_table(app, person: int, *, alone: bool) -> None:
    """Rows in every table naming `person`: with `alone`, one row per table, every person
    column naming them; else one row per person column, the others naming someone else."""
    ids: dict[str, Any] = {}
    serial = person * 100
    async with app.sessionmaker() as session, session.begin():
        for table in Base.metadata.sorted_tables:
            people = [c.name for c in table.c if c.info.get(PERSON)]
            shapes = (
                [dict.fromkeys(people, person)]
                if alone or not people
                else [
                    {name: person if name == named else THIRD_ID for name in people}
                    for named in people
                ]
            )
            for names in shapes:
                serial += 1
                row = {
                    column.name: value_for(column, names, ids, serial)
                    for column in table.c
                    if not generated(column)
                    and (column.info.get(PERSON) or column.foreign_keys or not column.nullable)
                }
                statement = insert(table).values(row).returning(*table.primary_key)
                ids[table.name] = (await session.execute(statement)).scalar()


async def naming(app, person: int) -> dict[str, int]:
    counts = {}
    async with app.sessionmaker() as session:
        for table, column in person_columns():
            found = await session.scalar(
                select(func.count()).select_from(table).where(column == person)
            )
            if found:
                counts[f"{table.name}.{column.name}"] = found
    return counts


async def test_delete_leaves_no_row_naming_the_person_and_keeps_others(app):
    await fill_every_table(app, PERSON_ID, alone=False)
    await fill_every_table(app, OTHER_ID, alone=True)
    before = await naming(app, PERSON_ID)
    assert {
        "relay_links.chat_id",
        "cases.answered_by",
        "case_messages.author_id",
        "broadcasts.progress_chat",
    } <= set(before)
    other = await naming(app, OTHER_ID)
    await app.users.delete(PERSON_ID)
    assert await naming(app, PERSON_ID) == {}
    assert await naming(app, OTHER_ID) == other
