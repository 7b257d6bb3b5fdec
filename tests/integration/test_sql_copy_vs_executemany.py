"""The staged batch path (COPY on Postgres, driver executemany into a TEMP table on SQLite) and
the small-batch executemany path store identical rows and report identical results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import String, func, select, type_coerce

from costsight.adapters.sql.rollup_tables import ROLLUP_TABLES
from costsight.adapters.sql.storage import SqlStorage, truncate_all
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.costs import NewCostRecord
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    T0,
    TENANT,
    cost,
    create_tags,
    feature_tag,
)
from tests.reliability.workload import rollup_differences


@pytest.fixture
async def pg(sql_url: str) -> AsyncIterator[SqlStorage]:
    """A storage on either SQL backend (named for the Postgres-only original)."""
    storage = await SqlStorage.open(sql_url)
    yield storage
    await storage.aclose()


def _batch() -> list[NewCostRecord]:
    """Every normalisation case: known/inactive/foreign/unclassified/null tags, duplicate
    request ids inside the batch and against stored rows, two tenants, no request id."""
    out = []
    tags = ["chat.reply", "chat.old", "search.query", "unclassified", None, "nope.never"]
    for i in range(40):
        out.append(cost(
            tenant_id=OTHER_TENANT if i % 4 == 2 else TENANT,
            request_id=None if i % 7 == 0 else f"req-{i % 25}",
            feature_tag=tags[i % len(tags)],
            user_id=None if i % 5 == 0 else f"user-{i % 4}",
            workflow_id=f"wf-{i % 2}", skill_id=None, worker_run_id=f"run-{i}",
            model=f"model-{i % 3}", input_tokens=i * 10, output_tokens=i,
            cost_cents=(Decimal(i) / 7).quantize(Decimal("0.000001")) if i % 2
            else Decimal("0.000001") * i,
            created_at=T0 + timedelta(seconds=i, microseconds=i),
            is_retry=i % 4 == 0,
        ))
    return out


async def _seed_tags(storage: SqlStorage) -> None:
    await create_tags(storage, feature_tag("chat.reply"),
                      feature_tag("chat.old", is_active=False),
                      feature_tag("search.query", tenant_id=OTHER_TENANT))


async def _store(storage: SqlStorage, threshold: int) -> tuple[list[Any], Any, Any]:
    first, second = _batch()[:10], _batch()
    results = []
    async with storage.unit_of_work() as uow:
        uow.costs.records.copy_threshold = threshold
        for batch in (first, second):
            results.append(await uow.costs.record_costs(batch))
        await uow.commit()
    async with storage.unit_of_work() as uow:
        rows = (await uow.connection.execute(select(*_stored_columns(uow)))).all()
    stored = sorted((tuple(row) for row in rows), key=repr)
    return stored, results[0], results[1]


def _stored_columns(uow: Any) -> list[Any]:
    """Every column but the id; on SQLite also each value as stored (text, not parsed) and its
    storage class, so a timestamp or money value written differently cannot pass unseen."""
    columns = [c for c in cost_records.c if c.name != "id"]
    if uow.connection.dialect.name != "sqlite":
        return columns
    return [*columns, *(type_coerce(c, String()) for c in columns),
            *(func.typeof(c) for c in columns)]


async def test_copy_and_executemany_store_identical_rows(pg: SqlStorage, sql_url: str) -> None:
    await _seed_tags(pg)
    via_copy, copy_first, copy_second = await _store(pg, threshold=1)
    await truncate_all(sql_url)
    await _seed_tags(pg)
    via_many, many_first, many_second = await _store(pg, threshold=10**9)

    batch = _batch()
    keyed = {(r.tenant_id, r.request_id) for r in batch if r.request_id is not None}
    # Records without a request id are never deduplicated: the first 10 are stored twice.
    unkeyed = sum(r.request_id is None for r in batch) + sum(
        r.request_id is None for r in batch[:10])
    assert len(via_copy) == len(keyed) + unkeyed
    assert via_copy == via_many
    assert len(via_copy) == copy_first.inserted + copy_second.inserted
    for a, b in ((copy_first, many_first), (copy_second, many_second)):
        assert a.inserted == b.inserted
        assert a.duplicate_request_ids == b.duplicate_request_ids
    # Sanity: the second batch repeats the first one's request ids, and itself.
    assert copy_second.duplicates > 0
    feature_values = {row[2] for row in via_copy}
    assert feature_values == {"chat.reply", "search.query", "unclassified", None}


async def _rollups(storage: SqlStorage) -> list[list[tuple[Any, ...]]]:
    async with storage.unit_of_work() as uow:
        return [sorted((tuple(r) for r in await uow.connection.execute(select(table))), key=repr)
                for table in ROLLUP_TABLES]


async def test_both_paths_leave_identical_rollups_that_verify(pg: SqlStorage,
                                                              sql_url: str) -> None:
    """Two tenants, duplicates in and across batches, tags normalised: the staged path's
    rollups (every tenant upserted at once on SQLite) equal the small-batch path's, and
    ``rollups verify`` finds no difference with the raw rows."""
    await _seed_tags(pg)
    await _store(pg, threshold=1)
    staged = await _rollups(pg)
    assert await rollup_differences(pg) == []
    await truncate_all(sql_url)
    await _seed_tags(pg)
    await _store(pg, threshold=10**9)
    assert await _rollups(pg) == staged
    assert {row[0] for row in staged[0]} == {TENANT, OTHER_TENANT}


async def test_copy_path_reports_inserted_ids_in_input_order(pg: SqlStorage) -> None:
    batch = [cost(request_id=f"r{i}") for i in range(5)] + [cost(request_id="r0")]
    async with pg.unit_of_work() as uow:
        uow.costs.records.copy_threshold = 1
        result = await uow.costs.record_costs(batch)
        stored = (await uow.connection.execute(
            select(cost_records.c.id, cost_records.c.request_id))).all()
        await uow.commit()
    assert result.duplicate_request_ids == ["r0"]
    by_id = dict(stored)
    assert [by_id[i] for i in result.inserted_ids] == [f"r{i}" for i in range(5)]


async def test_copy_path_rolls_back_with_the_unit(pg: SqlStorage) -> None:
    async with pg.unit_of_work() as uow:
        uow.costs.records.copy_threshold = 1
        await uow.costs.record_costs([cost(request_id="gone")])
    async with pg.unit_of_work() as uow:
        count = len((await uow.connection.execute(select(cost_records.c.id))).all())
    assert count == 0


async def test_copy_path_works_again_after_commit_on_the_same_connection(pg: SqlStorage) -> None:
    """The staging table is dropped at commit and recreated; cached statements must cope."""
    total = 0
    for round_ in range(4):
        async with pg.unit_of_work() as uow:
            uow.costs.records.copy_threshold = 1
            result = await uow.costs.record_costs(
                [cost(request_id=f"r{round_}-{i}") for i in range(3)])
            if round_ == 1:
                await uow.commit()  # a second COPY in the same unit after a commit
                result2 = await uow.costs.record_costs([cost(request_id=f"again-{round_}")])
                total += result2.inserted
            await uow.commit()
        total += result.inserted
    async with pg.unit_of_work() as uow:
        stored = len((await uow.connection.execute(select(cost_records.c.id))).all())
    assert stored == total == 13
