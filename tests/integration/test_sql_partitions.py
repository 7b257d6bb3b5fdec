"""cost_records partitioned by month on Postgres (one table on SQLite); request ids stored once
across partitions; the migration from 0006 keeps every row and every answer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from costsight.adapters.sql.engine import create_engine
from costsight.adapters.sql.migrate import alembic_config, current_revision, upgrade
from costsight.adapters.sql.partitions import (
    ADOPT_MONTHS_BACK,
    DEFAULT_PARTITION,
    add_months,
    partition_name,
)
from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.tables import cost_records, cost_request_ids
from costsight.core.domain.costs import NewCostRecord
from costsight.core.domain.statistics import Dimension, Resolution
from costsight.testing.contract.builders import TENANT, cost, window
from tests.backends import _admin_execute, _pg_url_for

JAN_2060 = datetime(2060, 1, 15, 12, tzinfo=UTC)
FEB_2060 = datetime(2060, 2, 15, 12, tzinfo=UTC)


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(postgres_url)
    yield storage
    await storage.aclose()


async def _scalar(storage: SqlStorage, sql: str, **params: Any) -> Any:
    async with storage.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def _partitions(storage: SqlStorage) -> set[str]:
    async with storage.engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'cost_records'::regclass"))
        return {r[0] for r in rows}


async def _rows_by_partition(storage: SqlStorage) -> dict[str, int]:
    async with storage.engine.connect() as conn:
        rows = await conn.execute(text(
            "SELECT tableoid::regclass::text, count(*) FROM cost_records GROUP BY 1"))
        return {r[0]: r[1] for r in rows}


async def _record(storage: SqlStorage, records: list[NewCostRecord], *,
                  threshold: int | None = None) -> Any:
    async with storage.unit_of_work() as uow:
        if threshold is not None:
            uow.costs.records.copy_threshold = threshold
        result = await uow.costs.record_costs(records)
        await uow.commit()
    return result


async def _verify(storage: SqlStorage, tenant: str = TENANT) -> list[Any]:
    async with storage.unit_of_work() as uow:
        return await uow.rollups.verify(tenant)


@pytest.mark.postgres
async def test_cost_records_is_partitioned_by_range_of_created_at(pg: SqlStorage) -> None:
    strategy = await _scalar(pg, "SELECT p.partstrat::text FROM pg_partitioned_table p "
                                 "WHERE p.partrelid = 'cost_records'::regclass")
    assert strategy == "r"
    key = await _scalar(pg, "SELECT pg_get_partkeydef('cost_records'::regclass)")
    assert key == "RANGE (created_at)"
    this_month = date.today().replace(day=1)
    names = await _partitions(pg)
    assert DEFAULT_PARTITION in names
    # `costsight migrate` (the fixture's upgrade) created this month and 3 ahead.
    assert {partition_name(add_months(this_month, k)) for k in range(4)} <= names


@pytest.mark.postgres
async def test_rows_land_in_their_months_partition_and_outliers_in_default(
        pg: SqlStorage) -> None:
    assert set(await pg.ensure_partitions(1, now=JAN_2060)) >= {"cost_records_p2060_01",
                                                                 "cost_records_p2060_02"}
    far = datetime(2199, 6, 1, tzinfo=UTC)
    await _record(pg, [cost(created_at=JAN_2060), cost(created_at=JAN_2060),
                       cost(created_at=FEB_2060), cost(created_at=far)])
    assert await _rows_by_partition(pg) == {"cost_records_p2060_01": 2,
                                            "cost_records_p2060_02": 1,
                                            DEFAULT_PARTITION: 1}
    assert await _verify(pg) == []


@pytest.mark.postgres
async def test_ensure_partitions_is_idempotent_and_creates_months_ahead(pg: SqlStorage) -> None:
    now = datetime(2070, 11, 3, tzinfo=UTC)
    created = await pg.ensure_partitions(3, now=now)
    assert created == ["cost_records_p2070_11", "cost_records_p2070_12",
                       "cost_records_p2071_01", "cost_records_p2071_02"]
    assert await pg.ensure_partitions(3, now=now) == []
    assert await pg.ensure_partitions(now=now + timedelta(days=31)) == ["cost_records_p2071_03"]
    with pytest.raises(ValueError, match="months_ahead"):
        await pg.ensure_partitions(-1, now=now)


@pytest.mark.postgres
async def test_a_month_whose_rows_are_in_default_gets_them_moved_into_its_partition(
        pg: SqlStorage) -> None:
    month = datetime(2080, 5, 20, 8, tzinfo=UTC)
    await _record(pg, [cost(created_at=month, request_id=f"m{k}", cost_cents=Decimal(k))
                       for k in range(5)] + [cost(created_at=month + timedelta(days=40))])
    assert (await _rows_by_partition(pg))[DEFAULT_PARTITION] == 6
    spend = window(datetime(2080, 5, 1, tzinfo=UTC), datetime(2080, 7, 15, tzinfo=UTC))
    async with pg.unit_of_work() as uow:
        before = await uow.analytics.cost_spend(TENANT, spend, Resolution.DAY)
    assert await pg.ensure_partitions(0, now=month) == ["cost_records_p2080_05"]
    assert await _rows_by_partition(pg) == {"cost_records_p2080_05": 5, DEFAULT_PARTITION: 1}
    async with pg.unit_of_work() as uow:
        assert await uow.analytics.cost_spend(TENANT, spend, Resolution.DAY) == before
    # The moved rows keep their claims: a replay stores nothing.
    again = await _record(pg, [cost(created_at=month, request_id=f"m{k}") for k in range(5)])
    assert again.inserted == 0
    assert await _verify(pg) == []


@pytest.mark.postgres
async def test_a_backfilled_past_month_left_in_default_gets_its_partition(
        pg: SqlStorage) -> None:
    """History written after its month has passed lands in DEFAULT; the next maintenance
    (migrate, the worker's tick) adopts months up to ADOPT_MONTHS_BACK old, not older ones."""
    now = datetime(2090, 6, 10, tzinfo=UTC)
    backfill = datetime(2090, 2, 15, 9, tzinfo=UTC)
    ancient = now - timedelta(days=31 * (ADOPT_MONTHS_BACK + 2))
    await _record(pg, [cost(created_at=backfill, cost_cents=Decimal(k)) for k in range(3)]
                  + [cost(created_at=ancient)])
    assert (await _rows_by_partition(pg)) == {DEFAULT_PARTITION: 4}
    created = await pg.ensure_partitions(1, now=now)
    assert created == ["cost_records_p2090_02", "cost_records_p2090_06", "cost_records_p2090_07"]
    assert await _rows_by_partition(pg) == {"cost_records_p2090_02": 3, DEFAULT_PARTITION: 1}
    assert await pg.ensure_partitions(1, now=now) == []
    assert await _verify(pg) == []


@pytest.mark.parametrize("threshold", [1, 10_000], ids=["staged", "values"])
async def test_a_replay_across_two_months_stores_each_request_id_once(
        sql_url: str, threshold: int) -> None:
    storage = await SqlStorage.open(sql_url)
    try:
        await storage.ensure_partitions(1, now=JAN_2060)
        first = await _record(storage, [cost(created_at=JAN_2060, request_id=f"r{k}")
                                        for k in range(10)], threshold=threshold)
        assert first.inserted == 10
        # The same request ids, a month later (another partition), and twice in one batch.
        replay = [cost(created_at=FEB_2060, request_id=f"r{k}") for k in range(10)]
        replay += [cost(created_at=FEB_2060, request_id="new"),
                   cost(created_at=JAN_2060, request_id="new"), cost(created_at=FEB_2060)]
        second = await _record(storage, replay, threshold=threshold)
        assert second.inserted == 2
        assert sorted(second.duplicate_request_ids) == sorted(
            [f"r{k}" for k in range(10)] + ["new"])
        async with storage.engine.connect() as conn:
            stored = (await conn.execute(select(func.count()).select_from(cost_records))).scalar()
            claims = (await conn.execute(
                select(func.count()).select_from(cost_request_ids))).scalar()
            new_at = (await conn.execute(select(cost_records.c.created_at).where(
                cost_records.c.request_id == "new"))).scalar()
        assert (stored, claims, new_at) == (12, 11, FEB_2060)
        if storage.backend == "postgresql":
            assert await _rows_by_partition(storage) == {"cost_records_p2060_01": 10,
                                                         "cost_records_p2060_02": 2}
        assert await _verify(storage) == []
    finally:
        await storage.aclose()


# -- the migration from 0006 ------------------------------------------------------------------

SPAN = window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
MONTHS = [datetime(2026, 1, 31, 20, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC),
          datetime(2026, 3, 10, 12, tzinfo=UTC)]


def _seed_records() -> list[NewCostRecord]:
    records = [cost(created_at=MONTHS[k % 3] + timedelta(minutes=k), user_id=f"u{k % 4}",
                    request_id=f"req-{k}" if k % 5 else None,
                    cost_cents=Decimal(k) if k % 2 else None, is_retry=k % 7 == 0)
               for k in range(90)]
    return [*records, cost(created_at=datetime(2199, 1, 1, tzinfo=UTC), request_id="outlier")]


async def _answers(storage: SqlStorage) -> list[Any]:
    async with storage.unit_of_work() as uow:
        return [await uow.analytics.cost_spend(TENANT, SPAN, Resolution.DAY),
                await uow.analytics.cost_breakdown(TENANT, SPAN, Dimension.USER),
                await uow.analytics.cost_breakdown(TENANT, SPAN, Dimension.MODEL),
                await uow.analytics.cost_metrics(TENANT, window(MONTHS[0], MONTHS[2]),
                                                 Resolution.HOUR)]


def _downgrade_sync(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0006")


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[str]:
    """A database of its own (migrations are run back and forth on it)."""
    if request.param == "sqlite":
        request.applymarker(pytest.mark.sqlite)
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
        return
    request.getfixturevalue("postgres_database")  # skips without a server
    name = f"costsight_part_{uuid.uuid4().hex[:10]}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url_for(name)
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_the_migration_from_0006_keeps_every_row_and_every_answer(fresh_url: str) -> None:
    await upgrade(fresh_url)
    storage = await SqlStorage.open(fresh_url)
    try:
        assert (await _record(storage, _seed_records(), threshold=20)).inserted == 91
        before = await _answers(storage)
    finally:
        await storage.aclose()
    engine = create_engine(fresh_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade_sync)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM cost_records"))).scalar() == 91
            if engine.dialect.name == "postgresql":
                assert (await conn.execute(text(
                    "SELECT count(*) FROM pg_partitioned_table"))).scalar() == 0
    finally:
        await engine.dispose()
    assert await current_revision(fresh_url) == "0006"
    await upgrade(fresh_url)
    storage = await SqlStorage.open(fresh_url)
    try:
        assert await _verify(storage) == []
        assert await _answers(storage) == before
        assert await _scalar(storage, "SELECT count(*) FROM cost_records") == 91
        assert await _scalar(storage, "SELECT count(*) FROM cost_request_ids") == 73
        if storage.backend == "postgresql":
            where = await _rows_by_partition(storage)
            assert where == {"cost_records_p2026_01": 30, "cost_records_p2026_02": 30,
                             "cost_records_p2026_03": 30, DEFAULT_PARTITION: 1}
        replay = await _record(storage, _seed_records())
        assert replay.inserted == 18  # the records without a request id, stored again
        assert len(replay.duplicate_request_ids) == 73
    finally:
        await storage.aclose()


async def test_the_worker_job_creates_the_months_ahead_of_its_tick(sql_url: str) -> None:
    from costsight.bootstrap import bootstrap
    from costsight.cli.worker_cmd import partition_job

    storage = await SqlStorage.open(sql_url)
    try:
        app = await bootstrap(storage=storage, load_entrypoints=False)
        job = partition_job(app)
        tick = datetime(2090, 12, 1, 0, 5, tzinfo=UTC)
        expected = ([] if storage.backend == "sqlite" else
                    ["cost_records_p2090_12", "cost_records_p2091_01", "cost_records_p2091_02",
                     "cost_records_p2091_03"])
        assert await job.run(tick) == {"created": expected}
        assert await job.run(tick) == {"created": []}
    finally:
        await storage.aclose()


async def test_a_request_id_purged_by_retention_stays_claimed(sql_url: str) -> None:
    storage = await SqlStorage.open(sql_url)
    try:
        await _record(storage, [cost(created_at=JAN_2060, request_id="old"),
                                cost(created_at=FEB_2060, request_id="young")])
        async with storage.unit_of_work() as uow:
            assert await uow.raw_retention.delete_raw_before(TENANT, FEB_2060, batch=10) == 1
            await uow.commit()
        replay = await _record(storage, [cost(created_at=JAN_2060, request_id="old")])
        assert (replay.inserted, replay.duplicate_request_ids) == (0, ["old"])
        assert await _scalar(storage, "SELECT count(*) FROM cost_records") == 1
    finally:
        await storage.aclose()
