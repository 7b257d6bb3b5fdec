"""The schema check of ``SqlStorage.open`` for a database at head, without Alembic.

Importing Alembic (and, through it, Mako and Pygments) and loading the revision scripts to find
the head took a few hundred milliseconds of every command's start-up. Here the head is read
from the scripts' text (their ``revision = "..."`` and ``down_revision = ...`` lines: the one
revision no other revises), and a database at head is recognised by one read of Alembic's
version table. Any other state (no schema, an older or unknown revision, several version
rows, scripts this reading does not understand) goes to ``migrate.ensure_schema``, which
decides with Alembic as before: the same migration of an empty SQLite file, the same
``SchemaOutOfDate`` messages. ``tests/integration/test_sql_schema.py`` checks that this head
is Alembic's.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

VERSIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"
#: Alembic's default version table (``migrations/env.py`` keeps the default).
VERSION_TABLE = "alembic_version"

_ASSIGNMENT = re.compile(
    r"""^(revision|down_revision)\s*(?::[^=]+)?=\s*(None|"([^"]*)"|'([^']*)')\s*$""",
    re.MULTILINE)


@cache
def head_revision() -> str | None:
    """The head of the shipped revision scripts (``read_head`` of ``VERSIONS_DIR``)."""
    return read_head(VERSIONS_DIR)


def read_head(directory: Path) -> str | None:
    """The head of the revision scripts in ``directory``, or None when their text is not
    plainly single-parent revisions with one head (then only Alembic decides)."""
    revises: dict[str, str | None] = {}
    for script in directory.glob("*.py"):
        found: dict[str, list[str | None]] = {"revision": [], "down_revision": []}
        for match in _ASSIGNMENT.finditer(script.read_text(encoding="utf-8")):
            value = match.group(3) if match.group(3) is not None else match.group(4)
            found[match.group(1)].append(value)
        revision, down = found["revision"], found["down_revision"]
        if len(revision) != 1 or len(down) != 1 or revision[0] is None or revision[0] in revises:
            return None
        revises[revision[0]] = down[0]
    heads = set(revises) - set(revises.values())
    return heads.pop() if len(heads) == 1 else None


def _at_head_sync(connection: Connection, head: str) -> bool:
    if not inspect(connection).has_table(VERSION_TABLE):
        return False
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return list(rows) == [head]


async def ensure_schema(engine: AsyncEngine, url: str, *, create_schema: bool,
                        read_only: bool) -> None:
    """Return when the database is at the scripts' head; otherwise ``migrate.ensure_schema``
    migrates an empty SQLite file or raises ``SchemaOutOfDate``."""
    head = head_revision()
    if head is not None:
        async with engine.connect() as conn:
            at_head = await conn.run_sync(_at_head_sync, head)
            await conn.rollback()
        if at_head:
            return
    from costsight.adapters.sql.migrate import ensure_schema as check_with_alembic

    await check_with_alembic(engine, url, create_schema=create_schema, read_only=read_only)
