"""Postgres leader election: failover when the leader's connection dies, and a precise is_held."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import anyio
import asyncpg
import pytest

from costsight.adapters.sql.leader_postgres import PostgresLeaderElection, asyncpg_dsn
from costsight.core.ports.leader_election import JobLock, Lease

pytestmark = pytest.mark.postgres

LOCK = JobLock.CANARY_RUNNER
_HOLDER_PID = """
SELECT pid FROM pg_locks
 WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1 AND objsubid = 1
   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


async def _acquire_within(election: PostgresLeaderElection, *, seconds: float) -> Lease:
    """Retry try_acquire until it succeeds; fail the test after ``seconds``."""
    with anyio.fail_after(seconds):
        while True:
            lease = await election.try_acquire(LOCK)
            if lease is not None:
                return lease
            await anyio.sleep(0.05)


@pytest.fixture
async def admin(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection to the test database, for poking at the server directly."""
    conn = await asyncpg.connect(asyncpg_dsn(postgres_url))
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def elections(postgres_url: str) -> AsyncIterator[list[PostgresLeaderElection]]:
    made = [PostgresLeaderElection(postgres_url, holder=f"node-{i}") for i in range(5)]
    try:
        yield made
    finally:
        for election in made:
            await election.aclose()


async def test_the_lock_fails_over_when_the_leaders_backend_is_terminated(
        elections: list[PostgresLeaderElection], admin: asyncpg.Connection) -> None:
    first, second = elections[:2]
    lease = await first.try_acquire(LOCK)
    assert lease is not None
    assert await second.try_acquire(LOCK) is None

    pid = await admin.fetchval(_HOLDER_PID, int(LOCK))
    assert pid is not None
    assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)

    # The server drops the backend asynchronously: retry until the lock is free.
    taken = await _acquire_within(second, seconds=10)
    assert taken.fencing_token > lease.fencing_token
    assert not await first.still_leader(lease)
    assert not await first.release(lease)
    assert await second.still_leader(taken)
    assert await second.release(taken)


async def test_release_unlocks_on_the_server(
        elections: list[PostgresLeaderElection], admin: asyncpg.Connection) -> None:
    first = elections[0]
    lease = await first.try_acquire(LOCK)
    assert lease is not None
    assert await admin.fetchval(_HOLDER_PID, int(LOCK)) is not None
    assert await first.release(lease)
    assert await admin.fetchval(_HOLDER_PID, int(LOCK)) is None
    row = await admin.fetchrow("SELECT holder, fencing_token FROM leader_leases WHERE lock_id = $1",
                               int(LOCK))
    assert row["holder"] is None and row["fencing_token"] == lease.fencing_token


async def test_concurrent_contenders_elect_exactly_one_leader(
        elections: list[PostgresLeaderElection]) -> None:
    leases = []

    async def contend(election: PostgresLeaderElection) -> None:
        leases.append(await election.try_acquire(LOCK))

    async with anyio.create_task_group() as tg:
        for election in elections:
            tg.start_soon(contend, election)
    winners = [lease for lease in leases if lease is not None]
    assert len(winners) == 1
    assert await elections[0].is_held(LOCK)


async def test_a_timed_out_acquisition_returns_none_and_leaks_no_lock(
        elections: list[PostgresLeaderElection], admin: asyncpg.Connection) -> None:
    first, second = elections[:2]
    # Block the fencing-token write so the acquisition stalls after taking the advisory lock.
    blocker = admin.transaction()
    await blocker.start()
    await admin.execute("LOCK TABLE leader_leases IN EXCLUSIVE MODE")
    try:
        assert await first.try_acquire(LOCK, timeout=0.5) is None
    finally:
        await blocker.rollback()
    # The stalled connection was thrown away, so its advisory lock went with it.
    taken = await _acquire_within(second, seconds=10)
    assert await second.release(taken)


async def test_is_held_ignores_a_key_with_another_upper_half(
        elections: list[PostgresLeaderElection], admin: asyncpg.Connection) -> None:
    first = elections[0]
    same_low_bits = (1 << 32) | int(LOCK)
    assert await admin.fetchval("SELECT pg_try_advisory_lock($1::bigint)", same_low_bits)
    assert await admin.fetchval("SELECT pg_try_advisory_lock(0, $1::int)", int(LOCK))
    try:
        objids = await admin.fetch(
            "SELECT classid::bigint AS hi, objsubid FROM pg_locks "
            "WHERE locktype = 'advisory' AND objid = $1 AND granted", int(LOCK))
        assert sorted((r["hi"], r["objsubid"]) for r in objids) == [(0, 2), (1, 1)]

        assert not await first.is_held(LOCK)
        lease = await first.try_acquire(LOCK)  # a different key: free to take
        assert lease is not None
        assert await first.is_held(LOCK)
        assert await first.release(lease)
    finally:
        await admin.execute("SELECT pg_advisory_unlock_all()")


async def test_is_held_ignores_a_lock_held_in_another_database(
        elections: list[PostgresLeaderElection], postgres_url: str, admin: asyncpg.Connection
) -> None:
    first = elections[0]
    other_db = f"{postgres_url.rpartition('/')[2]}_other_{uuid.uuid4().hex[:6]}"
    other_url = f"{postgres_url.rpartition('/')[0]}/{other_db}"
    await admin.execute(f'CREATE DATABASE "{other_db}"')
    try:
        elsewhere = await asyncpg.connect(asyncpg_dsn(other_url))
        try:
            assert await elsewhere.fetchval("SELECT pg_try_advisory_lock($1::bigint)", int(LOCK))
            visible = await admin.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1",
                int(LOCK))
            assert visible == 1  # pg_locks shows it cluster-wide: the filter must drop it
            assert not await first.is_held(LOCK)
        finally:
            await elsewhere.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{other_db}" WITH (FORCE)')

