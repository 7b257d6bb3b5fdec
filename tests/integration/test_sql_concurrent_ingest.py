"""Concurrent retried ingests of the same calls store each call exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.costs import RecordResult
from costsight.testing.contract.builders import completed_run, cost
from tests.reliability.workload import rollup_differences

WRITERS = 6
CALLS = 60


@pytest.fixture
async def stores(sql_url: str) -> AsyncIterator[list[SqlStorage]]:
    """Independent storages (own engines and pools) on one database, like separate processes."""
    opened = [await SqlStorage.open(sql_url) for _ in range(3)]
    yield opened
    for storage in opened:
        await storage.aclose()


async def test_concurrent_retries_store_every_call_once(stores: list[SqlStorage]) -> None:
    results: list[tuple[int, RecordResult]] = []

    async def writer(n: int) -> None:
        storage = stores[n % len(stores)]
        # Each writer retries an overlapping slice, in its own order; half use COPY on Postgres.
        batch = [cost(request_id=f"call-{i}") for i in range(CALLS) if (i + n) % 4 != 0]
        if n % 2:
            batch.reverse()
        async with storage.unit_of_work() as uow:
            uow.costs.records.copy_threshold = 1 if n % 2 else 10**9
            result = await uow.costs.record_costs(batch)
            await uow.commit()
        results.append((len(batch), result))

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for n in range(WRITERS):
                tg.start_soon(writer, n)

    async with stores[0].unit_of_work() as uow:
        per_request = (await uow.connection.execute(
            select(cost_records.c.request_id, func.count()).group_by(cost_records.c.request_id)
        )).all()
    assert len(per_request) == CALLS
    assert {count for _, count in per_request} == {1}
    assert sum(r.inserted for _, r in results) == CALLS
    assert await rollup_differences(stores[0]) == []  # no call counted twice in the rollups
    for size, result in results:
        assert result.inserted + result.duplicates == size


async def test_multi_batch_units_in_opposite_orders_do_not_deadlock(
        stores: list[SqlStorage]) -> None:
    """Unit A writes batch X then Y, unit B writes Y then X: without serialising the writers
    Postgres would see each wait on the other's unique-index entries."""
    x = [cost(request_id=f"x-{i}") for i in range(40)]
    y = [cost(request_id=f"y-{i}") for i in range(40)]
    inserted: list[int] = []

    async def writer(n: int, first: list, second: list) -> None:
        async with stores[n].unit_of_work() as uow:
            got = (await uow.costs.record_costs(first)).inserted
            await anyio.sleep(0.2)  # both units now hold entries the other one needs
            got += (await uow.costs.record_costs(second)).inserted
            await uow.commit()
        inserted.append(got)

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            tg.start_soon(writer, 0, x, y)
            tg.start_soon(writer, 1, y, x)
    assert sorted(inserted) == [0, 80]
    assert await rollup_differences(stores[0]) == []


async def test_concurrent_worker_run_replays_do_not_conflict(stores: list[SqlStorage]) -> None:
    """Replays of the same runs race between "is it stored?" and the insert; serialised
    writers see each other's commits, so every replay succeeds and each run is stored once."""
    runs = [completed_run(i) for i in range(30)]
    outcomes: list[tuple[int, int]] = []

    async def writer(n: int) -> None:
        batch = runs if n % 2 else list(reversed(runs))
        async with stores[n % len(stores)].unit_of_work() as uow:
            result = await uow.costs.upsert_worker_runs(batch)
            await anyio.sleep(0.05)
            await uow.commit()
        outcomes.append((result.inserted, result.unchanged))

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for n in range(WRITERS):
                tg.start_soon(writer, n)
    assert sum(inserted for inserted, _ in outcomes) == len(runs)
    assert all(inserted + unchanged == len(runs) for inserted, unchanged in outcomes)


@pytest.mark.postgres
async def test_writers_of_different_tenants_do_not_wait_for_each_other(postgres_url: str) -> None:
    """Each writer holds only its tenants' locks until it ends: another tenant's write goes
    through meanwhile; a second writer of the same tenant waits (here: until lock_timeout)."""
    first, second = await SqlStorage.open(postgres_url), await SqlStorage.open(postgres_url)
    try:
        async with first.unit_of_work() as holding:
            await holding.costs.record_costs([cost(tenant_id="tenant-a", request_id="a-1")])
            with anyio.fail_after(10):
                async with second.unit_of_work() as other:
                    await other.connection.execute(text("SET LOCAL lock_timeout = '2s'"))
                    await other.costs.record_costs([cost(tenant_id="tenant-b", request_id="b-1")])
                    await other.commit()
            with pytest.raises(DBAPIError, match="lock timeout"):
                async with second.unit_of_work() as same:
                    await same.connection.execute(text("SET LOCAL lock_timeout = '300ms'"))
                    await same.costs.record_costs([cost(tenant_id="tenant-a", request_id="a-2")])
            await holding.commit()
        assert await rollup_differences(first) == []
    finally:
        await first.aclose()
        await second.aclose()
