"""Postgres: the COPY batch path and the executemany path store identical rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from adapters.sql.storage import SqlStorage, truncate_all
from adapters.sql.tables import cost_records
from core.domain.costs import NewCostRecord
from tests.contract.builders import OTHER_TENANT, T0, TENANT, cost, create_tags, feature_tag

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(postgres_url)
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
        rows = (await uow.connection.execute(select(cost_records))).mappings().all()
    stored = sorted(
        (tuple(v for k, v in row.items() if k != "id") for row in rows), key=repr)
    return stored, results[0], results[1]


async def test_copy_and_executemany_store_identical_rows(pg: SqlStorage,
                                                         postgres_url: str) -> None:
    await _seed_tags(pg)
    via_copy, copy_first, copy_second = await _store(pg, threshold=1)
    await truncate_all(postgres_url)
    await _seed_tags(pg)
    via_many, many_first, many_second = await _store(pg, threshold=10**9)

    assert via_copy == via_many
    assert len(via_copy) == copy_first.inserted + copy_second.inserted
    for a, b in ((copy_first, many_first), (copy_second, many_second)):
        assert a.inserted == b.inserted
        assert a.duplicate_request_ids == b.duplicate_request_ids
    # Sanity: the second batch repeats the first one's request ids, and itself.
    assert copy_second.duplicates > 0
    feature_values = {row[2] for row in via_copy}
    assert feature_values == {"chat.reply", "search.query", "unclassified", None}


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
