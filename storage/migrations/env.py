"""Alembic environment (async). The app passes its own connection; the CLI builds one."""

import asyncio
from typing import Literal

from alembic import context
from sqlalchemy import Connection

from storage.models import Base, UTCDateTime

target_metadata = Base.metadata


def render_item(kind: str, item: object, autogen_context: object) -> str | Literal[False]:
    """Write our UTC column type as a plain timezone-aware DateTime in migrations."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async() -> None:
    from bot.config import Settings
    from storage.db import create_engine

    engine = create_engine(Settings().database_url)
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


if context.is_offline_mode():
    from bot.config import Settings

    context.configure(url=Settings().database_url, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
elif (shared := context.config.attributes.get("connection")) is not None:
    run_on(shared)
else:
    asyncio.run(run_async())
