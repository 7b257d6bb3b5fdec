"""A separate admin connection to the test database, for killing backends from outside."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.leader_postgres import asyncpg_dsn

_STATE = "SELECT state, query FROM pg_stat_activity WHERE pid = $1"


@asynccontextmanager
async def admin_connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    try:
        yield conn
    finally:
        await conn.close()


async def server_pid(connection: AsyncConnection) -> int:
    """The backend pid of a SQLAlchemy AsyncConnection on asyncpg."""
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None, "the connection was invalidated"
    return int(driver.get_server_pid())


async def wait_for_query(admin: asyncpg.Connection, pid: int, prefix: str | tuple[str, ...], *,
                         timeout: float = 30) -> str:
    """Poll pg_stat_activity until backend ``pid`` is running a statement starting with
    ``prefix`` (or one of several; case-insensitive); returns that statement's text."""
    prefixes = tuple(p.upper() for p in ((prefix,) if isinstance(prefix, str) else prefix))
    with anyio.fail_after(timeout):
        while True:
            row = await admin.fetchrow(_STATE, pid)
            if row is not None and row["state"] == "active" and \
                    row["query"].lstrip().upper().startswith(prefixes):
                return str(row["query"])
            await anyio.sleep(0.001)


async def terminate(admin: asyncpg.Connection, pid: int, *, timeout: float = 10) -> None:
    """pg_terminate_backend(pid), then wait until the backend has really gone."""
    assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    with anyio.fail_after(timeout):
        while True:
            if not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                                        pid):
                return
            await anyio.sleep(0.005)
