"""Least privilege at the database: the MCP server's read-only guarantee does not rest on a
session setting alone.

Postgres: ``costsight migrate --create-roles`` creates a role that can only SELECT (current and
future tables); the server reads through it with ``COSTSIGHT_READ_DATABASE_URL``, and even a
connection that switches its sessions back to READ WRITE is refused every write on privileges
(SQLSTATE 42501). SQLite: the server opens the file with ``mode=ro``, so turning ``query_only``
off changes nothing, and a wrong path is an error, never a new empty file.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from costsight.cli.main import build_parser, main
from costsight.core.errors import ValidationError
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.runtime import build_server_from_settings
from costsight.mcp_server.scope import TenantScope
from costsight.settings import Settings
from tests.mcp.helpers import call
from tests.mcp.seed import seed_database
from tests.reliability.postgres_admin import admin_connection
from tests.reliability.tables import row_counts

WEEK = {"start": "2026-03-04T00:00:00Z", "end": "2026-03-11T00:00:00Z"}
FORCED_WRITES = [
    "INSERT INTO alembic_version (version_num) VALUES ('forced')",
    "UPDATE worker_runs SET error = 'tampered'",
    "DELETE FROM cost_records",
    "TRUNCATE cost_records",
    "CREATE TABLE intruder (x int)",
]


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig.__cause__, "sqlstate", None)


async def _force_read_write(conn) -> None:
    """What a caller with raw SQL could do against a session-level read-only default."""
    await conn.execute(text("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"))
    await conn.commit()
    assert (await conn.execute(text("SHOW transaction_read_only"))).scalar_one() == "off"


@pytest.fixture
async def read_role(postgres_url: str) -> AsyncIterator[str]:
    """A unique role name; the role (if created) and its privileges are dropped afterwards."""
    role = f"costsight_read_{uuid.uuid4().hex[:8]}"
    yield role
    async with admin_connection(postgres_url) as admin:
        if await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
            await admin.execute(f'DROP OWNED BY "{role}"')
            await admin.execute(f'DROP ROLE "{role}"')


async def _migrate_with_roles(url: str, role: str, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> dict:
    """``costsight migrate --create-roles --read-role ROLE --json`` (in this event loop)."""
    monkeypatch.setenv("COSTSIGHT_DATABASE_URL", url)
    args = build_parser().parse_args(["migrate", "--create-roles", "--read-role", role, "--json"])
    assert await args.handler(args) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.postgres
async def test_through_the_read_role_even_a_forced_write_fails_on_privileges(
        postgres_url: str, read_role: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    await seed_database(postgres_url)
    report = await _migrate_with_roles(postgres_url, read_role, monkeypatch, capsys)
    read_url = report["read_role"]["read_database_url"]
    assert make_url(read_url).username == read_role
    # Idempotent: a second run brings the role back to SELECT only and changes nothing else.
    assert (await _migrate_with_roles(postgres_url, read_role, monkeypatch, capsys))["read_role"]
    before = await row_counts(postgres_url)

    settings = Settings(database_url=postgres_url, read_database_url=read_url)
    server = build_server_from_settings(settings, scope=TenantScope.all())
    async with server.settings.lifespan(server) as state:
        engine = state.app.storage.engine
        assert engine.url.username == read_role
        for statement in FORCED_WRITES:
            async with engine.connect() as conn:
                await _force_read_write(conn)
                with pytest.raises(DBAPIError) as refused:
                    await conn.execute(text(statement))
                assert _sqlstate(refused.value) == "42501", (statement, refused.value)
    async with Client(server, raise_exceptions=True) as client:  # reads need nothing more
        stats = await call(client, names.GET_COST_STATISTICS, tenant_id="tenant-a", **WEEK)
        assert stats["totals"]["spend_cents"] == 11.75
        assert (await call(client, names.GET_LEADER_STATUS))["locks"]
    assert await row_counts(postgres_url) == before


@pytest.mark.postgres
async def test_the_forced_write_succeeds_without_the_role(postgres_url: str) -> None:
    """The control: on the owner's connection the session setting alone does not hold."""
    server = build_server_from_settings(Settings(database_url=postgres_url),
                                        scope=TenantScope.all())
    async with server.settings.lifespan(server) as state:
        async with state.app.storage.engine.connect() as conn:
            await _force_read_write(conn)
            await conn.execute(text(FORCED_WRITES[1]))  # accepted: nothing stops it
            await conn.rollback()


@pytest.mark.postgres
async def test_the_read_role_can_select_future_tables_only(postgres_url: str, read_role: str,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys) -> None:
    report = await _migrate_with_roles(postgres_url, read_role, monkeypatch, capsys)
    read_url = report["read_role"]["read_database_url"]
    async with admin_connection(postgres_url) as admin:
        await admin.execute("CREATE TABLE later_table (x int)")
        await admin.execute("INSERT INTO later_table VALUES (1)")
    try:
        settings = Settings(database_url=read_url)
        server = build_server_from_settings(settings, scope=TenantScope.all())
        async with server.settings.lifespan(server) as state:
            async with state.app.storage.engine.connect() as conn:
                assert (await conn.execute(text("SELECT x FROM later_table"))).scalar_one() == 1
                await _force_read_write(conn)
                with pytest.raises(DBAPIError) as refused:
                    await conn.execute(text("INSERT INTO later_table VALUES (2)"))
                assert _sqlstate(refused.value) == "42501"
    finally:
        async with admin_connection(postgres_url) as admin:
            await admin.execute("DROP TABLE later_table")


@pytest.mark.sqlite
def test_create_roles_on_sqlite_is_refused_before_migrating(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys) -> None:
    db = tmp_path / "new.db"
    monkeypatch.setenv("COSTSIGHT_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    assert main(["migrate", "--create-roles"]) == 2
    assert "--create-roles" in capsys.readouterr().err
    assert not db.exists()


@pytest.mark.sqlite
async def test_sqlite_is_opened_read_only_whatever_the_session_says(sqlite_url: str) -> None:
    await seed_database(sqlite_url)
    before = await row_counts(sqlite_url)
    server = build_server_from_settings(Settings(database_url=sqlite_url),
                                        scope=TenantScope.all())
    async with server.settings.lifespan(server) as state:
        async with state.app.storage.engine.connect() as conn:
            await conn.execute(text("PRAGMA query_only=OFF"))
            for statement in FORCED_WRITES[1:3] + ["CREATE TABLE intruder (x int)"]:
                with pytest.raises(DBAPIError) as refused:
                    await conn.execute(text(statement))
                assert refused.value.orig.sqlite_errorname == "SQLITE_READONLY", statement
    assert await row_counts(sqlite_url) == before


def _files(directory: Path) -> list[str]:
    return os.listdir(directory)


@pytest.mark.sqlite
async def test_a_wrong_sqlite_path_never_creates_a_file(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    server = build_server_from_settings(
        Settings(database_url=f"sqlite+aiosqlite:///{missing}"), scope=TenantScope.all())
    with pytest.raises(ValidationError) as refused:
        async with server.settings.lifespan(server):
            pass
    assert refused.value.field == "database_url" and "typo.db" in str(refused.value)
    assert _files(tmp_path) == []
