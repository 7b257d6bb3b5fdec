"""Schema migrations: upgrade to head programmatically, and the schema check of ``open`` for a
database that is not at head (``schema_check`` recognises one at head without Alembic)."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from costsight.adapters.sql.engine import backend_of, create_engine
from costsight.adapters.sql.partitions import ensure_partitions_sync
from costsight.core.errors import SchemaOutOfDate, ValidationError

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
    # The months ahead of now (Postgres): `costsight migrate` creates them, then the worker.
    ensure_partitions_sync(connection)


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
    """The Alembic revision stored in ``url`` (None for an empty or missing database)."""
    if backend_of(url) == "sqlite" and not _sqlite_file_exists(url):
        return None  # a read-only SQLite engine refuses a missing file (and never creates it)
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


def _sqlite_file_exists(url: str) -> bool:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    return not database or database == ":memory:" or Path(database).expanduser().is_file()


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises several error types for unknown or malformed ids
        return False


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


#: The read-only role ``costsight migrate --create-roles`` creates by default.
READ_ROLE = "costsight_read"
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_WRITE_PRIVILEGES = "INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER"


def check_read_role(url: str, role: str) -> None:
    """Refuse a role request that cannot succeed (not Postgres, not a plain name)."""
    if not url.startswith("postgresql") or backend_of(url) != "postgresql":
        raise ValidationError("--create-roles", "database roles exist only on PostgreSQL",
                              allowed="a postgresql+asyncpg:// COSTSIGHT_DATABASE_URL (on SQLite "
                                      "the MCP server opens the file read-only)")
    if not _ROLE_NAME.fullmatch(role):
        raise ValidationError("--read-role", f"{role!r} is not a plain role name",
                              allowed="lowercase letters, digits and _, not starting with a "
                                      "digit, at most 63 characters")


async def create_read_role(url: str, role: str = READ_ROLE) -> list[str]:
    """Create (or bring back to SELECT only) a Postgres role that can log in and read every
    costsight table, present and future, and nothing else; returns the statements it ran.

    Identifiers cannot be bound as parameters: the name is checked against a strict pattern
    and quoted by the dialect. Future tables are covered by default privileges of the role
    running this (the one that runs ``costsight migrate``).
    """
    check_read_role(url, role)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            found = (await conn.execute(text(
                "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls "
                "FROM pg_roles WHERE rolname = :role"), {"role": role})).first()
            if found is not None and found[0]:
                raise ValidationError("--read-role", f"{role!r} exists and is privileged "
                                                     "(superuser, createrole, createdb or "
                                                     "bypassrls)",
                                      allowed="a new role name, or an unprivileged role")
            database, schema, owner = (await conn.execute(text(
                "SELECT current_database(), current_schema(), current_user"))).one()
            quote = conn.dialect.identifier_preparer.quote
            r, s = quote(role), quote(schema)
            statements = [] if found is not None else [
                f"CREATE ROLE {r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"]
            statements += [
                f"GRANT CONNECT ON DATABASE {quote(database)} TO {r}",
                f"GRANT USAGE ON SCHEMA {s} TO {r}",
                f"REVOKE CREATE ON SCHEMA {s} FROM {r}",
                f"REVOKE {_WRITE_PRIVILEGES} ON ALL TABLES IN SCHEMA {s} FROM {r}",
                f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote(owner)} IN SCHEMA {s} "
                f"GRANT SELECT ON TABLES TO {r}",
            ]
            for statement in statements:
                await conn.execute(text(statement))
        return statements
    finally:
        await engine.dispose()
