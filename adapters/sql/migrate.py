"""Schema migrations: upgrade to head programmatically, and the schema check of ``open``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from costsight.adapters.sql.engine import backend_of, create_engine
from costsight.core.errors import SchemaOutOfDate

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
UPGRADE_COMMAND = "costsight migrate"


def alembic_config() -> Config:
    """Alembic configuration built in code (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships its revisions
        raise RuntimeError(f"no Alembic revisions found in {MIGRATIONS_DIR}")
    return head


HEAD_REVISION = _head()


def _upgrade_sync(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _revision_sync(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _state_sync(connection: Connection) -> tuple[str | None, bool]:
    """(current revision, whether the database holds any table at all)."""
    return _revision_sync(connection), bool(inspect(connection).get_table_names())


async def upgrade_engine(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_sync)


async def upgrade(url: str) -> None:
    """Create or upgrade the schema of ``url`` to ``HEAD_REVISION``."""
    engine = create_engine(url)
    try:
        await upgrade_engine(engine)
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    """The Alembic revision stored in ``url`` (None for an empty database)."""
    engine = create_engine(url, read_only=True)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_revision_sync)
    finally:
        await engine.dispose()


async def ensure_schema(engine: AsyncEngine, url: str, *, create_schema: bool,
                        read_only: bool) -> None:
    """Refuse a database whose schema is not at head; migrate an empty embedded SQLite one.

    An empty SQLite database is migrated when ``create_schema`` (and not ``read_only``);
    anything else that is not at head raises ``SchemaOutOfDate`` naming ``costsight migrate``.
    """
    async with engine.connect() as conn:
        revision, has_tables = await conn.run_sync(_state_sync)
        await conn.rollback()
    if revision == HEAD_REVISION:
        return
    backend = backend_of(url)
    where = f"{backend} database {_safe(url)}"
    if revision is None and not has_tables:
        if backend == "sqlite" and create_schema and not read_only:
            await upgrade_engine(engine)
            return
        raise SchemaOutOfDate(f"the {where} has no costsight schema; run `{UPGRADE_COMMAND}` "
                              f"with COSTSIGHT_DATABASE_URL pointing at it")
    if revision is None:
        raise SchemaOutOfDate(f"the {where} holds tables but no costsight schema version; "
                              f"point COSTSIGHT_DATABASE_URL at a costsight database or an "
                              f"empty one and run `{UPGRADE_COMMAND}`")
    if not _known(revision):
        raise SchemaOutOfDate(f"the {where} is at schema revision {revision!r}, unknown to this "
                              f"costsight (which needs {HEAD_REVISION!r}): it was migrated by a "
                              f"newer version; upgrade costsight, or run `{UPGRADE_COMMAND}` on "
                              f"a fresh database")
    raise SchemaOutOfDate(f"the {where} is at schema revision {revision!r}, this code needs "
                          f"{HEAD_REVISION!r}; run `{UPGRADE_COMMAND}`")


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises several error types for unknown or malformed ids
        return False


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
