"""The tenant writer locks on Postgres: every tenant of a write locked in one statement, held to
the end of the transaction, and taken in ascending key order (so overlapping writers queue
instead of deadlocking)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import asyncpg
import pytest
from sqlalchemy import text

from costsight.adapters.sql.dialects import (
    TENANT_WRITERS_LOCK_CLASS,
    PostgresDialect,
    tenant_lock_key,
)
from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.uow import SqlUnitOfWork

pytestmark = pytest.mark.postgres

#: pg_locks shows the two-int form's keys as oid (unsigned 32-bit)
_HELD = """SELECT objid::bigint, granted FROM pg_locks
           WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2 AND pid = $2"""


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(postgres_url)
    yield storage
    await storage.aclose()


def _oid(key: int) -> int:
    return key % 2**32


async def _locks(admin: asyncpg.Connection, pid: int) -> dict[int, bool]:
    rows = await admin.fetch(_HELD, TENANT_WRITERS_LOCK_CLASS, pid)
    return {row["objid"]: row["granted"] for row in rows}


async def _until_waiting(admin: asyncpg.Connection, pid: int, key: int) -> None:
    """Poll pg_locks (another session's state) until ``pid`` waits for ``key``; 10 s at most."""
    for _ in range(500):
        if (await _locks(admin, pid)).get(key) is False:
            return
        await anyio.sleep(0.02)
    pytest.fail(f"backend {pid} never waited for lock key {key}")


async def _pid(uow: SqlUnitOfWork) -> int:
    return int((await uow.connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_every_tenant_is_locked_in_ascending_order_until_commit(
        store: SqlStorage, postgres_url: str) -> None:
    tenants = [f"tenant-{k}" for k in range(12)]
    low, mid, high = sorted(tenants, key=tenant_lock_key)[::5][:3]
    dialect = PostgresDialect()
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with store.unit_of_work() as first:
            await dialect.lock_tenants(first.connection, [mid])
            first_pid = await _pid(first)
            async with store.unit_of_work() as second:
                second_pid = await _pid(second)
                async with anyio.create_task_group() as tg:
                    # Asked in descending order: taken ascending, so it holds low and waits on
                    # mid, and has not touched high.
                    tg.start_soon(dialect.lock_tenants, second.connection, [high, mid, low])
                    await _until_waiting(admin, second_pid, _oid(tenant_lock_key(mid)))
                    assert await _locks(admin, second_pid) == {
                        _oid(tenant_lock_key(low)): True, _oid(tenant_lock_key(mid)): False}
                    assert await _locks(admin, first_pid) == {_oid(tenant_lock_key(mid)): True}
                    await first.commit()  # releases mid: the waiting statement takes the rest
                assert await _locks(admin, second_pid) == {
                    _oid(tenant_lock_key(t)): True for t in (low, mid, high)}
                await second.commit()
            assert await _locks(admin, second_pid) == {}
    finally:
        await admin.close()
