"""Postgres staging across the batches of one transaction (an ingest's whole file): the staging
table holds one batch at a time, whatever came before it in the transaction, and a bulk
write's pending rollup rows live exactly as long as their transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from costsight.adapters.sql.cost_staging import stage
from costsight.adapters.sql.rollup_pending import pending
from costsight.adapters.sql.storage import SqlStorage
from costsight.testing.contract.builders import TENANT, at, cost

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
