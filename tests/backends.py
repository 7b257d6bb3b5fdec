"""Backend fixtures shared by every suite: memory, SQLite and Postgres storages.

Postgres: ``COSTSIGHT_TEST_POSTGRES_URL`` (default the local server) names a maintenance
database; the session creates its own uniquely named database, migrates it once, and drops it
at the end. Each test starts from empty tables. Without a server the postgres tests skip with
the reason, unless ``COSTSIGHT_REQUIRE_POSTGRES=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PG_URL = os.environ.get("COSTSIGHT_TEST_POSTGRES_URL", DEFAULT_PG_URL)
REQUIRE_PG = os.environ.get("COSTSIGHT_REQUIRE_POSTGRES") == "1"

BACKENDS = [
    pytest.param("memory", marks=pytest.mark.memory, id="memory"),
    pytest.param("sqlite", marks=pytest.mark.sqlite, id="sqlite"),
    pytest.param("postgres", marks=pytest.mark.postgres, id="postgres"),
]
SQL_BACKENDS = BACKENDS[1:]


def _pg_url_for(database: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{database}"


async def _admin_execute(sql: str) -> None:
    import asyncpg

    dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def postgres_database() -> AsyncIterator[str]:
    """A freshly created, migrated Postgres database for this test session (its URL)."""
    name = f"costsight_test_{uuid.uuid4().hex[:12]}"
    try:
        await _admin_execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        reason = f"PostgreSQL not reachable at {PG_URL}: {exc!r}"
        if REQUIRE_PG:
            pytest.fail(f"{reason} (COSTSIGHT_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(reason)
    url = _pg_url_for(name)
    try:
        from costsight.adapters.sql.migrate import upgrade

        await upgrade(url)
        yield url
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once; each test gets a copy."""
    from costsight.adapters.sql.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    await upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def memory_storage() -> AsyncIterator[object]:
    from costsight.adapters.memory import MemoryStorage

    storage = MemoryStorage()
    yield storage
    await storage.aclose()


@pytest.fixture
async def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "costsight.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def sqlite_storage(sqlite_url: str) -> AsyncIterator[object]:
    from costsight.adapters.sql.storage import SqlStorage

    storage = await SqlStorage.open(sqlite_url)
    yield storage
    await storage.aclose()


@pytest.fixture
async def postgres_url(postgres_database: str) -> str:
    """The session database, emptied before the test."""
    from costsight.adapters.sql.storage import truncate_all

    await truncate_all(postgres_database)
    return postgres_database


@pytest.fixture
async def postgres_storage(postgres_url: str) -> AsyncIterator[object]:
    from costsight.adapters.sql.storage import SqlStorage

    storage = await SqlStorage.open(postgres_url)
    yield storage
    await storage.aclose()


@pytest.fixture(params=BACKENDS)
def storage(request: pytest.FixtureRequest) -> object:
    """The dispatcher: one Storage per backend mark. Sync on purpose (AnyIO fixtures)."""
    return request.getfixturevalue(f"{request.param}_storage")


@pytest.fixture(params=SQL_BACKENDS)
def sql_url(request: pytest.FixtureRequest) -> str:
    """URL of an empty, migrated SQL database (SQLite file or Postgres)."""
    return request.getfixturevalue(f"{request.param}_url")
