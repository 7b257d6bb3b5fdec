"""Postgres staging across the batches of one transaction (an ingest's whole file): the staging
table holds one batch at a time, whatever came before it in the transaction, and a bulk
write's pending rollup rows live exactly as long as their transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text

from costsight.adapters.sql.cost_staging import stage
from costsight.adapters.sql.rollup_pending import pending
from costsight.adapters.sql.storage import SqlStorage
from costsight.testing.contract.builders import OTHER_TENANT, TENANT, at, cost

pytestmark = pytest.mark.postgres


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(postgres_url)
    yield storage
    await storage.aclose()


def _batch(first: int) -> list[Any]:
    return [cost(created_at=at(9, k % 24, k % 60), request_id=f"r{k}")
            for k in range(first, first + 400)]


async def _pages(uow: Any, table: str) -> int:
    return int((await uow.connection.execute(
        text(f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int")
    )).scalar_one())


async def test_the_stage_holds_one_batch_however_many_came_before(store: SqlStorage) -> None:
    async with store.unit_of_work() as uow:
        await uow.costs.record_costs(_batch(0), bulk=True)
        one_batch = await _pages(uow, stage.name)
        for k in range(1, 6):
            await uow.costs.record_costs(_batch(400 * k), bulk=True)
        # Deleted rows of earlier batches would stay in the table until the transaction ends.
        assert 0 < await _pages(uow, stage.name) <= one_batch
        await uow.commit()


async def test_pending_rollup_rows_live_as_long_as_their_transaction(store: SqlStorage) -> None:
    exists = text(f"SELECT to_regclass('{pending.name}') IS NOT NULL")
    async with store.unit_of_work() as uow:
        await uow.costs.record_costs(_batch(0))
        assert (await uow.connection.execute(exists)).scalar_one() is False  # not bulk
        await uow.costs.record_costs(_batch(400), bulk=True)
        assert (await uow.connection.execute(exists)).scalar_one() is True
        await uow.commit()
        assert (await uow.connection.execute(exists)).scalar_one() is False
        assert await uow.rollups.verify(TENANT) == []


async def test_bulk_batches_take_each_tenant_lock_once_per_transaction(
        store: SqlStorage) -> None:
    locks: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "pg_advisory_xact_lock" in statement:
            locks.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", listen)
    try:
        async with store.unit_of_work() as uow:
            for k in range(3):
                await uow.costs.record_costs(_batch(400 * k), bulk=True)
            assert len(locks) == 1  # one tenant, taken by the first batch
            await uow.costs.record_costs(
                [cost(tenant_id=OTHER_TENANT, created_at=at(9), request_id=f"o{k}")
                 for k in range(100)], bulk=True)
            assert len(locks) == 2  # the new tenant only
            await uow.commit()
            await uow.costs.record_costs(_batch(2000), bulk=True)
            assert len(locks) == 3  # a new transaction takes it again
            await uow.costs.record_costs(_batch(2400))
            assert len(locks) == 4  # a plain write always takes its locks
            await uow.commit()
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", listen)
    assert await _verified(store) == []


async def _verified(store: SqlStorage) -> list[Any]:
    async with store.unit_of_work() as uow:
        return [*await uow.rollups.verify(TENANT), *await uow.rollups.verify(OTHER_TENANT)]
