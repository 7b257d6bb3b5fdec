"""Atomic batches under faults: a writer whose Postgres backend is terminated mid-batch leaves
no row of that batch behind, and a retry of the same batch completes with exact totals. The
same holds for a detection cycle's unit of work killed just before its commit.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, Self

import anyio
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.tables import cost_anomalies, cost_breach_history, cost_drift_tracking
from costsight.core.application import Application
from costsight.core.domain.costs import NewCostRecord
from costsight.core.ports.leader_election import LeaderElectionPort
from costsight.core.timeutil import FixedClock
from tests.contract.builders import T0, TENANT, at, cost
from tests.mcp.seed import seed_metering
from tests.reliability.postgres_admin import (
    admin_connection,
    server_pid,
    terminate,
    wait_for_query,
)
from tests.reliability.workload import expected_total, record, rollup_differences, stored_totals

pytestmark = pytest.mark.postgres

BASELINE = range(0, 1_000)
BATCH = range(1_000, 41_000)


async def _record(storage: SqlStorage, records: list[NewCostRecord]) -> Any:
    async with storage.unit_of_work() as uow:
        result = await uow.costs.record_costs(records)
        await uow.commit()
    return result


async def test_a_copy_batch_killed_in_flight_leaves_no_row(postgres_url: str) -> None:
    storage = await SqlStorage.open(postgres_url)
    try:
        await _record(storage, [record(i) for i in BASELINE])
        before = await stored_totals(storage)
        assert before == (len(BASELINE), len(BASELINE), expected_total(BASELINE))

        batch = [record(i) for i in BATCH]
        pid_ready = anyio.Event()
        pid = 0
        failure: BaseException | None = None

        async def writer() -> None:
            nonlocal pid, failure
            try:
                async with storage.unit_of_work() as uow:
                    pid = await server_pid(uow.connection)
                    pid_ready.set()
                    await uow.costs.record_costs(batch)
                    await uow.commit()
            except Exception as exc:  # the point of the test: the writer's connection dies
                failure = exc
            finally:
                pid_ready.set()

        async with admin_connection(postgres_url) as admin:
            with anyio.fail_after(60):
                async with anyio.create_task_group() as tg:
                    tg.start_soon(writer)
                    await pid_ready.wait()
                    # The batch is in flight in either of its two big statements: the COPY
                    # into the stage (fast: asyncpg streams it without pausing, so a poll
                    # often misses it) or the INSERT ... SELECT from the stage, which on
                    # Postgres is one statement of data-modifying CTEs opening with the
                    # staged rows (``WITH src AS``; it names cost_records_stage too).
                    in_flight = await wait_for_query(
                        admin, pid, ("COPY", "INSERT INTO cost_records ", "WITH src AS"))
                    await terminate(admin, pid)
        assert "cost_records_stage" in in_flight
        assert isinstance(failure, DBAPIError), repr(failure)  # the connection died

        assert await stored_totals(storage) == before  # nothing of the killed batch
        assert await rollup_differences(storage) == []  # nor of its rollup upserts

        retried = await _record(storage, batch)  # the same calls, replayed
        assert (retried.inserted, retried.duplicates) == (len(BATCH), 0)
        total = len(BASELINE) + len(BATCH)
        assert await stored_totals(storage) == (total, total, expected_total(range(total)))
        assert await rollup_differences(storage) == []
    finally:
        await storage.aclose()


class _KillBeforeCommit:
    """A unit of work whose ``commit`` first has its own backend terminated (from outside)."""

    def __init__(self, inner: Any, url: str, kills: list[int]) -> None:
        self._inner, self._url, self._kills = inner, url, kills

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._inner.__aexit__(*exc_info)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def commit(self) -> None:
        pid = await server_pid(self._inner.connection)
        async with admin_connection(self._url) as admin:
            await terminate(admin, pid)
        self._kills.append(pid)
        await self._inner.commit()


class _FaultyStorage:
    """The SQL storage, except that units of work die just before they commit."""

    def __init__(self, inner: SqlStorage, url: str) -> None:
        self._inner, self._url = inner, url
        self.kills: list[int] = []
        self.backend = inner.backend

    @property
    def leader(self) -> LeaderElectionPort:
        return self._inner.leader

    def new_leader_election(self, holder: str | None = None) -> LeaderElectionPort:
        return self._inner.new_leader_election(holder)

    def unit_of_work(self) -> _KillBeforeCommit:
        return _KillBeforeCommit(self._inner.unit_of_work(), self._url, self.kills)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def _finding_rows(storage: SqlStorage) -> tuple[int, int, int]:
    async with storage.unit_of_work() as uow:
        counts = []
        for table in (cost_anomalies, cost_breach_history, cost_drift_tracking):
            counts.append(int((await uow.connection.execute(
                select(func.count()).select_from(table))).scalar_one()))
    return counts[0], counts[1], counts[2]


async def _seed_spike_and_budgets(storage: SqlStorage) -> None:
    await seed_metering(storage)  # u1 spends 10 cents today against a 5-cent daily budget
    history = [cost(created_at=at(10, 9) - timedelta(days=day), user_id="u1",
                    cost_cents=Decimal("1")) for day in range(2, 16)]
    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs(history)
        await uow.commit()


async def test_a_cycle_killed_before_commit_persists_nothing(postgres_url: str) -> None:
    storage = await SqlStorage.open(postgres_url)
    try:
        await _seed_spike_and_budgets(storage)
        clock = FixedClock(T0)
        healthy = Application(storage, clock=clock, load_entrypoints=False)
        expected = {(a.anomaly_type, a.entity_id, a.period)
                    for a in await healthy.anomaly_cycle.preview(TENANT, as_of=T0)}
        assert expected, "the seeded data must produce findings"

        faulty = _FaultyStorage(storage, postgres_url)
        doomed = Application(faulty, clock=clock, load_entrypoints=False)
        with anyio.fail_after(60), pytest.raises(Exception) as killed:
            await doomed.anomaly_cycle.run(TENANT, as_of=T0)
        assert len(faulty.kills) == 1, killed.value
        assert isinstance(killed.value, DBAPIError), repr(killed.value)
        assert await _finding_rows(storage) == (0, 0, 0)

        first = await healthy.anomaly_cycle.run(TENANT, as_of=T0)
        assert {(a.anomaly_type, a.entity_id, a.period) for a in first.anomalies} == expected
        stored = await _finding_rows(storage)
        assert stored[0] == len(expected) and stored[1] >= 1

        again = await healthy.anomaly_cycle.run(TENANT, as_of=T0)  # a retry updates in place
        assert {a.id for a in again.anomalies} == {a.id for a in first.anomalies}
        assert await _finding_rows(storage) == stored
    finally:
        await storage.aclose()
