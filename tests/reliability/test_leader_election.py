"""One leader per job: failover among three contenders when the leader's Postgres backend is
terminated, never two leaders at once over 1,000 contended terms (Postgres and SQLite), and an
SQLite lease of a hung process that expires, is taken over, and whose stale token is refused.

(tests/integration/test_leader_*.py cover single-step takeover, is_held precision and timeouts.)
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from sqlalchemy import select

from costsight.adapters.sql.engine import create_engine
from costsight.adapters.sql.leader_postgres import PostgresLeaderElection
from costsight.adapters.sql.leader_sqlite import SqliteLeaderElection
from costsight.adapters.sql.tables import leader_leases
from costsight.core.ports.leader_election import JobLock, Lease
from costsight.core.timeutil import SystemClock
from tests.reliability.contention import LeadershipRecord, check_one_leader_at_a_time, contend
from tests.reliability.postgres_admin import admin_connection, terminate
from tests.reliability.processes import REPO, module_command, stop

LOCK = JobLock.ALERT_WORKER
POLL = 0.5
#: Acquiring takes a fresh connection; allow it on top of the poll interval.
ACQUIRE_SLACK = 1.0
TERMS = 1_000

_HOLDER_PID = """
SELECT pid FROM pg_locks
 WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1 AND objsubid = 1
   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


class Contender:
    """A worker's election loop: every POLL seconds, renew the lease or try to take the lock."""

    def __init__(self, election: PostgresLeaderElection, log: list[tuple[float, str, int]]):
        self.election = election
        self.log = log
        self.lease: Lease | None = None
        self.scope = anyio.CancelScope()

    async def run(self) -> None:
        with self.scope:
            while True:
                if self.lease is not None and not await self.election.still_leader(self.lease):
                    self.lease = None
                if self.lease is None:
                    self.lease = await self.election.try_acquire(LOCK, timeout=2)
                    if self.lease is not None:
                        self.log.append((time.monotonic(), self.election.holder,
                                         self.lease.fencing_token))
                await anyio.sleep(POLL)


@pytest.fixture
async def pg_elections(postgres_url: str) -> AsyncIterator[list[PostgresLeaderElection]]:
    made = [PostgresLeaderElection(postgres_url, holder=f"node-{i}") for i in range(3)]
    try:
        yield made
    finally:
        for election in made:
            await election.aclose()


async def _new_leader_after(log: list[tuple[float, str, int]], count: int,
                            timeout: float) -> tuple[float, str, int]:
    with anyio.fail_after(timeout):
        while True:
            if len(log) > count:
                return log[count]
            await anyio.sleep(0.01)


@pytest.mark.postgres
async def test_three_contenders_fail_over_within_the_poll_interval(
        postgres_url: str, pg_elections: list[PostgresLeaderElection]) -> None:
    log: list[tuple[float, str, int]] = []
    contenders = {e.holder: Contender(e, log) for e in pg_elections}
    stale: list[Lease] = []
    async with admin_connection(postgres_url) as admin, anyio.create_task_group() as tg:
        for contender in contenders.values():
            tg.start_soon(contender.run)
        await _new_leader_after(log, 0, timeout=10)
        for failover in range(2):  # node X -> node Y -> node Z
            _, holder, token = log[-1]
            leader = contenders[holder]
            assert leader.lease is not None and leader.lease.fencing_token == token
            stale.append(leader.lease)
            # The leader stalls (its loop stops) and the server drops its connection.
            leader.scope.cancel()
            pid = await admin.fetchval(_HOLDER_PID, int(LOCK))
            killed_at = time.monotonic()
            await terminate(admin, pid)
            taken_at, new_holder, new_token = await _new_leader_after(
                log, failover + 1, timeout=POLL + ACQUIRE_SLACK + 5)
            assert new_holder != holder
            assert new_token == token + 1
            assert taken_at - killed_at <= POLL + ACQUIRE_SLACK, \
                f"failover took {taken_at - killed_at:.2f}s with a {POLL}s poll interval"
            assert len(log) == failover + 2  # exactly one new leader
        tg.cancel_scope.cancel()
    # Stale leases are refused: their connections died with the terminated backends.
    for lease in stale:
        owner = next(e for e in pg_elections if e.holder == lease.holder)
        assert not await owner.still_leader(lease)
        assert not await owner.release(lease)
    assert len({holder for _, holder, _ in log}) == 3


@pytest.mark.postgres
async def test_never_two_leaders_over_a_thousand_terms_on_postgres(
        postgres_url: str, pg_elections: list[PostgresLeaderElection]) -> None:
    record = LeadershipRecord()
    with anyio.fail_after(120):
        async with anyio.create_task_group() as tg:
            for i, election in enumerate(pg_elections):
                tg.start_soon(contend, election, election.holder, LOCK, record, TERMS, i)
    check_one_leader_at_a_time(record)
    assert len(record.terms) >= TERMS
    async with admin_connection(postgres_url) as admin:
        row = await admin.fetchrow(
            "SELECT holder, fencing_token FROM leader_leases WHERE lock_id = $1", int(LOCK))
    assert row["holder"] is None and row["fencing_token"] == max(t.token for t in record.terms)
    print(f"postgres: {len(record.terms)} terms in {record.attempts} attempts")


@pytest.mark.sqlite
async def test_never_two_leaders_over_a_thousand_terms_on_sqlite(sqlite_url: str) -> None:
    engines = [create_engine(sqlite_url) for _ in range(3)]
    elections = [SqliteLeaderElection(engine, holder=f"node-{i}", lease_seconds=30)
                 for i, engine in enumerate(engines)]
    record = LeadershipRecord()
    try:
        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                for i, election in enumerate(elections):
                    tg.start_soon(contend, election, election.holder, LOCK, record, TERMS, i)
        async with engines[0].connect() as conn:
            row = (await conn.execute(select(leader_leases).where(
                leader_leases.c.lock_id == int(LOCK)))).one()
    finally:
        for engine in engines:
            await engine.dispose()
    check_one_leader_at_a_time(record)
    assert len(record.terms) >= TERMS
    assert row.holder is None and row.fencing_token == max(t.token for t in record.terms)
    print(f"sqlite: {len(record.terms)} terms in {record.attempts} attempts")


@pytest.mark.sqlite
async def test_a_hung_processes_sqlite_lease_expires_and_its_token_is_refused(
        sqlite_url: str, tmp_path: Path) -> None:
    lease_seconds = 1.5
    engine = create_engine(sqlite_url)
    successor = SqliteLeaderElection(engine, holder="successor", lease_seconds=30)
    impostor = SqliteLeaderElection(engine, holder="hung-holder", lease_seconds=30)
    holder = await anyio.open_process(
        module_command("tests.reliability.lease_holder", sqlite_url, str(int(LOCK)),
                       str(lease_seconds)), cwd=REPO)
    try:
        assert holder.stdout is not None
        with anyio.fail_after(20):
            line = (await holder.stdout.receive()).decode().strip()
        stale = Lease.model_validate(json.loads(line))
        assert stale.holder == "hung-holder" and stale.expires_at is not None
        holder.kill()  # it never renews nor releases
        await holder.wait()

        with anyio.fail_after(lease_seconds + 10):
            while True:
                taken = await successor.try_acquire(LOCK)
                if taken is not None:
                    break
                await anyio.sleep(0.1)
        taken_at = SystemClock().now()  # the clock both elections use
        assert taken_at >= stale.expires_at  # not a moment before the lease ran out
        assert (taken_at - stale.expires_at).total_seconds() <= 2.0
        assert taken.fencing_token == stale.fencing_token + 1

        # The hung holder's lease is stale even presented by an election with its name.
        assert not await impostor.still_leader(stale)
        assert not await impostor.release(stale)
        assert await successor.still_leader(taken)
        assert await successor.release(taken)
    finally:
        await stop(holder)
        await engine.dispose()
