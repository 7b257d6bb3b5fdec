"""SQLite leader election: leases expire and are taken over; the old holder is then refused."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from costsight.adapters.sql.engine import create_engine
from costsight.adapters.sql.leader_sqlite import SqliteLeaderElection
from costsight.adapters.sql.tables import leader_leases
from costsight.core.errors import ValidationError
from costsight.core.ports.leader_election import JobLock
from costsight.core.timeutil import FixedClock

pytestmark = pytest.mark.sqlite

LOCK = JobLock.PREDICTION_CYCLE
LEASE = 15


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
async def engines(sqlite_url: str) -> AsyncIterator[list[AsyncEngine]]:
    """Independent engines on one database file, as separate processes would have."""
    made = [create_engine(sqlite_url) for _ in range(5)]
    try:
        yield made
    finally:
        for engine in made:
            await engine.dispose()


def _contenders(engines: list[AsyncEngine], clock: FixedClock) -> list[SqliteLeaderElection]:
    return [SqliteLeaderElection(engine, holder=f"node-{i}", lease_seconds=LEASE, clock=clock)
            for i, engine in enumerate(engines)]


async def test_an_expired_lease_is_taken_over_and_the_old_holder_refused(
        engines: list[AsyncEngine], clock: FixedClock) -> None:
    first, second = _contenders(engines, clock)[:2]
    lease = await first.try_acquire(LOCK)
    assert lease is not None
    assert lease.expires_at == clock.now() + timedelta(seconds=LEASE)

    clock.advance(timedelta(seconds=LEASE - 1))
    assert await second.try_acquire(LOCK) is None
    assert await second.is_held(LOCK)

    clock.advance(timedelta(seconds=1))  # exactly at expiry: free
    assert not await second.is_held(LOCK)
    taken = await second.try_acquire(LOCK)
    assert taken is not None
    assert taken.fencing_token == lease.fencing_token + 1

    assert not await first.still_leader(lease)
    assert not await first.release(lease)
    assert await second.is_held(LOCK)
    assert await second.still_leader(taken)
    assert await second.release(taken)
    assert not await second.is_held(LOCK)


async def test_still_leader_renews_the_lease(
        engines: list[AsyncEngine], clock: FixedClock) -> None:
    first, second = _contenders(engines, clock)[:2]
    lease = await first.try_acquire(LOCK)
    assert lease is not None
    for _ in range(3):  # well past the original expiry, kept alive by renewals
        clock.advance(timedelta(seconds=LEASE - 1))
        assert await first.still_leader(lease)
        assert await second.try_acquire(LOCK) is None

    async with engines[0].connect() as conn:
        expires_at = (await conn.execute(
            select(leader_leases.c.expires_at).where(leader_leases.c.lock_id == LOCK)
        )).scalar_one()
    assert expires_at == clock.now() + timedelta(seconds=LEASE)
    assert await first.release(lease)


async def test_a_late_but_unchallenged_holder_keeps_its_lease(
        engines: list[AsyncEngine], clock: FixedClock) -> None:
    first, _ = _contenders(engines, clock)[:2]
    lease = await first.try_acquire(LOCK)
    assert lease is not None
    clock.advance(timedelta(seconds=LEASE * 3))
    assert not await first.is_held(LOCK)
    # Nobody took the lock over (same token), so renewing is safe and re-establishes it.
    assert await first.still_leader(lease)
    assert await first.is_held(LOCK)
    assert await first.release(lease)


async def test_the_same_contender_cannot_acquire_twice(
        engines: list[AsyncEngine], clock: FixedClock) -> None:
    first = _contenders(engines, clock)[0]
    lease = await first.try_acquire(LOCK)
    assert lease is not None
    assert await first.try_acquire(LOCK) is None
    assert await first.release(lease)


async def test_a_forged_lease_is_refused(engines: list[AsyncEngine], clock: FixedClock) -> None:
    first, second = _contenders(engines, clock)[:2]
    lease = await first.try_acquire(LOCK)
    assert lease is not None
    forged = lease.model_copy(update={"holder": second.holder})
    assert not await second.release(forged)
    assert not await second.still_leader(forged)
    assert not await first.release(lease.model_copy(update={"fencing_token": 99}))
    assert await first.still_leader(lease)
    assert await first.release(lease)


async def test_concurrent_contenders_elect_exactly_one_leader(
        engines: list[AsyncEngine], clock: FixedClock) -> None:
    leases = []

    async def contend(election: SqliteLeaderElection) -> None:
        leases.append(await election.try_acquire(LOCK))

    async with anyio.create_task_group() as tg:
        for election in _contenders(engines, clock):
            tg.start_soon(contend, election)
    winners = [lease for lease in leases if lease is not None]
    assert len(winners) == 1
    assert winners[0].fencing_token == 1


async def test_acquisition_is_bounded_by_its_timeout(
        engines: list[AsyncEngine], clock: FixedClock) -> None:
    election = _contenders(engines, clock)[1]
    async with engines[0].begin() as blocker:  # another writer holds SQLite's write lock
        await blocker.execute(update(leader_leases).values(holder=None))
        started = time.monotonic()
        assert await election.try_acquire(LOCK, timeout=0.3) is None
        assert time.monotonic() - started < 3  # not the 30 s busy timeout
    lease = await election.try_acquire(LOCK)  # the engine is still usable afterwards
    assert lease is not None
    assert await election.release(lease)


async def test_a_backend_error_means_not_leader(clock: FixedClock, tmp_path: Path) -> None:
    # A database without the leader_leases table: acquisition fails, logged, no exception.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        election = SqliteLeaderElection(engine, clock=clock)
        assert await election.try_acquire(LOCK) is None
    finally:
        await engine.dispose()


def test_bad_settings_are_rejected(clock: FixedClock) -> None:
    engine = create_engine("sqlite+aiosqlite://")
    with pytest.raises(ValidationError, match="lease_seconds"):
        SqliteLeaderElection(engine, lease_seconds=0, clock=clock)
    with pytest.raises(ValidationError, match="holder"):
        SqliteLeaderElection(engine, holder="x" * 129, clock=clock)
