"""The schema check of ``SqlStorage.open`` when the database is at head, without Alembic.

Importing Alembic (and, through it, Mako and Pygments) and reading the revision scripts to
find the head took a few hundred milliseconds of every command's start-up. The head is
written here (``tests/integration/test_sql_schema.py`` checks it against the revision
scripts), and a database at head is recognised by one read of Alembic's version table. Any
other state (no schema, an older or unknown revision, several rows) goes to
``migrate.ensure_schema``, which decides with Alembic as before: the same migration of an
empty SQLite file, the same ``SchemaOutOfDate`` messages.
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

#: The newest revision of ``migrations/versions`` (update it with every new revision).
HEAD_REVISION = "0011"
#: Alembic's default version table (``migrations/env.py`` keeps the default).
VERSION_TABLE = "alembic_version"


def _at_head_sync(connection: Connection) -> bool:
    if not inspect(connection).has_table(VERSION_TABLE):
        return False
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return list(rows) == [HEAD_REVISION]


async def ensure_schema(engine: AsyncEngine, url: str, *, create_schema: bool,
                        read_only: bool) -> None:
    """Return when the database is at ``HEAD_REVISION``; otherwise
    ``migrate.ensure_schema`` migrates an empty SQLite file or raises ``SchemaOutOfDate``."""
    async with engine.connect() as conn:
        at_head = await conn.run_sync(_at_head_sync)
        await conn.rollback()
    if at_head:
        return
    from costsight.adapters.sql.migrate import ensure_schema as check_with_alembic

    await check_with_alembic(engine, url, create_schema=create_schema, read_only=read_only)
