"""Test configuration: AnyIO on asyncio, and the backend fixtures."""

from __future__ import annotations

import pytest

from tests.backends import (  # noqa: F401 - fixtures
    memory_storage,
    postgres_database,
    postgres_storage,
    postgres_url,
    sql_url,
    sqlite_storage,
    sqlite_template,
    sqlite_url,
    storage,
)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    # SQLAlchemy async, asyncpg and aiosqlite run on asyncio only.
    return "asyncio"
