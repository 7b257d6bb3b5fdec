"""Staged cost-record batches: path choice, stored ids and timestamps, and (SQLite) a TEMP
staging table that never carries a row beyond its batch and takes the write lock first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.dialects import sqlite

from costsight.adapters.sql.cost_staging import sqlite_timestamp, stage
from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.tables import cost_records
from costsight.adapters.sql.types import UtcDateTime
from costsight.core.ids import COST_RECORD, is_id
from costsight.testing.contract.builders import T0, TENANT, cost
from tests.integration.sqlite_locks import StatementLog, write_lock_held


@pytest.fixture
async def store(sql_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(sql_url)
    yield storage
    await storage.aclose()


@pytest.fixture
async def lite(sqlite_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(sqlite_url)
    yield storage
    await storage.aclose()


async def test_staged_batch_stores_exactly_the_ids_it_reports(store: SqlStorage) -> None:
    batch = [cost(request_id=f"r{i}") for i in range(300)] + [cost(request_id="r7")]
    async with store.unit_of_work() as uow:
        uow.costs.records.copy_threshold = 1
        result = await uow.costs.record_costs(batch)
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = dict((await uow.connection.execute(
            select(cost_records.c.id, cost_records.c.request_id))).all())
    assert result.duplicate_request_ids == ["r7"]
    assert set(result.inserted_ids) == set(stored) and len(result.inserted_ids) == 300
    assert all(is_id(i, COST_RECORD) for i in result.inserted_ids)
    assert [stored[i] for i in result.inserted_ids] == [f"r{i}" for i in range(300)]


# -- SQLite timestamps as UtcDateTime stores them ----------------------------------------------

@pytest.mark.parametrize("value", [
    T0,
    datetime(2026, 3, 1, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 0, 0, 7, tzinfo=UTC),
    datetime(5, 1, 2, 3, 4, 5, tzinfo=UTC),  # SQLAlchemy pads the year to 4 digits
    datetime(2026, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2025, 12, 31, 22, 0, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("UTC")),
])
def test_sqlite_timestamp_is_the_text_utcdatetime_binds(value: datetime) -> None:
    dialect = sqlite.dialect()
    naive_utc = UtcDateTime().process_bind_param(value, dialect)
    bind = sqlite.DATETIME().bind_processor(dialect)
    assert bind is not None
    assert sqlite_timestamp(value) == bind(naive_utc)


def test_sqlite_timestamp_refuses_a_naive_datetime_like_utcdatetime() -> None:
    with pytest.raises(ValueError, match="naive datetime .* refused"):
        sqlite_timestamp(datetime(2026, 1, 1, 12, 0))


# -- which path ----------------------------------------------------------------------------------

async def _statements_of(storage: SqlStorage, size: int, *,
                         tag: str = "batch") -> list[str]:
    """Statements of one ``record_costs`` of ``threshold + size`` records with request ids."""
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    async with storage.unit_of_work() as uow:
        n = uow.costs.records.copy_threshold + size
        event.listen(uow.connection.sync_connection, "before_cursor_execute", capture)
        result = await uow.costs.record_costs(
            [cost(request_id=f"{tag}-{size}-{i}") for i in range(n)])
        await uow.commit()
    assert result.inserted == n
    return seen


async def test_batches_from_the_threshold_on_are_staged_smaller_ones_are_not(
        store: SqlStorage) -> None:
    below = await _statements_of(store, -1)
    at = await _statements_of(store, 0)
    assert not any(stage.name in s for s in below)
    assert any(stage.name in s for s in at)


@pytest.mark.parametrize(("small", "large"), [(-15, -1), (0, 3000)], ids=["values", "staged"])
async def test_record_costs_is_a_fixed_set_of_statements_lock_first(
        store: SqlStorage, small: int, large: int) -> None:
    """However many records: the writers' lock first (an advisory lock on Postgres, the write
    lock on SQLite), one INSERT into cost_records, and the same statements otherwise."""
    few = await _statements_of(store, small, tag="few")
    many = await _statements_of(store, large, tag="many")
    # The multi-row VALUES statement renders one group per row: compare what precedes it.
    assert [s.split(" VALUES ")[0] for s in few] == [s.split(" VALUES ")[0] for s in many]
    lock = "pg_advisory_xact_lock" if store.backend == "postgresql" else "BEGIN IMMEDIATE"
    assert lock in few[0]
    # (on the Postgres staged path, inside the WITH statement that also upserts the rollups)
    into_records = [s for s in few if "INSERT INTO COST_RECORDS " in s.upper()]
    assert len(into_records) == 1


# -- SQLite: the TEMP staging table -----------------------------------------------------------

async def _staged(uow: Any) -> int:
    return (await uow.connection.execute(select(func.count()).select_from(stage))).scalar_one()


@pytest.mark.sqlite
async def test_sqlite_stage_is_empty_after_each_batch_and_across_units(
        lite: SqlStorage) -> None:
    total = 0
    for round_ in range(3):
        async with lite.unit_of_work() as uow:
            for part in range(2):
                result = await uow.costs.record_costs(
                    [cost(request_id=f"r{round_}-{part}-{i}") for i in range(50)])
                total += result.inserted
                assert await _staged(uow) == 0
            if round_ != 1:
                await uow.commit()
            else:
                total -= 100  # rolled back
        async with lite.unit_of_work() as uow:
            stored = (await uow.connection.execute(
                select(func.count()).select_from(cost_records))).scalar_one()
            assert stored == total
    assert total == 200


@pytest.mark.sqlite
async def test_sqlite_rows_left_in_the_stage_are_never_inserted(lite: SqlStorage) -> None:
    """A batch that failed half-way and was caught leaves rows behind: the next one clears them."""
    async with lite.unit_of_work() as uow:
        await uow.costs.record_costs([cost(request_id=f"first-{i}") for i in range(20)])
        leftover = {"ord": 0, "id": "cr_leftover00000000", "tenant_id": TENANT,
                    "request_id": "leftover", "model": "gpt-4o", "input_tokens": 1,
                    "output_tokens": 1, "cost_micros": 1, "is_retry": False, "created_at": T0,
                    "cache_read_tokens": 0, "cache_write_tokens": 0, "reasoning_tokens": 0,
                    "cost_source": "reported"}
        await uow.connection.execute(insert(stage), [leftover])
        result = await uow.costs.record_costs([cost(request_id=f"next-{i}") for i in range(20)])
        await uow.commit()
        requests = set((await uow.connection.execute(
            select(cost_records.c.request_id))).scalars())
    assert result.inserted == 20
    assert "leftover" not in requests and len(requests) == 40


@pytest.mark.sqlite
async def test_sqlite_stage_is_private_to_its_connection(lite: SqlStorage,
                                                         sqlite_url: str) -> None:
    other = await SqlStorage.open(sqlite_url)
    try:
        async with lite.unit_of_work() as uow:
            await uow.costs.record_costs([cost(request_id=f"r{i}") for i in range(20)])
            async with other.unit_of_work() as foreign:
                names = (await foreign.connection.exec_driver_sql(
                    "SELECT name FROM sqlite_temp_master")).scalars().all()
            assert stage.name not in names
            await uow.commit()
    finally:
        await other.aclose()


@pytest.mark.sqlite
async def test_sqlite_staged_batch_without_request_ids_holds_the_write_lock(
        lite: SqlStorage, sqlite_url: str) -> None:
    """No request id: no explicit serialisation, yet the staging's first statement (a write)
    takes the write lock, so a second writer waits for the commit instead of failing."""
    other = await SqlStorage.open(sqlite_url)
    log: list[str] = []
    asking = StatementLog(other.engine, "second", log)

    async def late_writer() -> None:
        async with other.unit_of_work() as uow:
            await uow.costs.record_costs([cost(request_id="late")])
            await uow.commit()
        log.append("second:committed")

    try:
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                async with lite.unit_of_work() as uow:
                    result = await uow.costs.record_costs([cost() for _ in range(40)])
                    assert result.inserted == 40
                    assert write_lock_held(sqlite_url)  # the staged batch took the lock
                    tg.start_soon(late_writer)
                    await asking.asked.wait()
                    assert write_lock_held(sqlite_url)
                    assert log == ["second:asks"]  # waiting on the write lock, not failed
                    log.append("first:commits")
                    await uow.commit()
        assert log == ["second:asks", "first:commits", "second:got", "second:committed"]
    finally:
        await other.aclose()
