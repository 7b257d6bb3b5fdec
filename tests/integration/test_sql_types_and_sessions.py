"""UtcDateTime, read-only sessions, UTC buckets, audit savepoints and exact drift statistics."""

from __future__ import annotations

import statistics
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, StatementError

from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.provenance import drift_verdict
from costsight.core.domain.statistics import Resolution
from costsight.testing.contract.builders import T0, TENANT, at, audit, cost, provenance, window


@pytest.fixture
async def store(sql_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(sql_url)
    yield storage
    await storage.aclose()


def _row(created_at: datetime, record_id: str = "cr_x") -> dict:
    return {"id": record_id, "tenant_id": TENANT, "model": "m", "cost_micros": 1,
            "created_at": created_at}


async def test_naive_datetime_is_refused_on_bind(store: SqlStorage) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(StatementError, match="naive datetime .* refused"):
            await uow.connection.execute(insert(cost_records).values(
                _row(datetime(2026, 3, 10, 12))))


async def test_offsets_are_stored_as_utc_and_read_back_aware(store: SqlStorage) -> None:
    plus_two = datetime(2026, 3, 10, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    async with store.unit_of_work() as uow:
        await uow.connection.execute(insert(cost_records).values(_row(plus_two, "cr_a")))
        await uow.connection.execute(insert(cost_records).values(
            _row(datetime(2026, 3, 10, 12, 0, 0, 123457, tzinfo=UTC), "cr_b")))
        rows = (await uow.connection.execute(
            select(cost_records.c.id, cost_records.c.created_at)
            .order_by(cost_records.c.created_at))).all()
    assert [r.id for r in rows] == ["cr_a", "cr_b"]
    assert rows[0].created_at == datetime(2026, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)
    assert rows[0].created_at.tzinfo is UTC


async def test_read_only_storage_refuses_writes(sql_url: str) -> None:
    storage = await SqlStorage.open(sql_url, read_only=True)
    try:
        async with storage.unit_of_work() as uow:
            assert await uow.costs.list_feature_tags(TENANT) == []
            with pytest.raises(DBAPIError, match="(?i)read.only|readonly|query_only"):
                await uow.costs.record_costs([cost(request_id="r1")])
    finally:
        await storage.aclose()


@pytest.mark.sqlite
async def test_sqlite_connections_keep_durability_and_cache_in_memory(sqlite_url: str) -> None:
    """WAL with synchronous=NORMAL (durability as before), and memory-only settings: a 64 MiB
    page cache and TEMP tables (the staging tables) in memory."""
    storage = await SqlStorage.open(sqlite_url)
    try:
        async with storage.unit_of_work() as uow:
            conn = uow.connection
            values = {p: (await conn.exec_driver_sql(f"PRAGMA {p}")).scalar_one()
                      for p in ("journal_mode", "synchronous", "wal_autocheckpoint",
                                "cache_size", "temp_store")}
    finally:
        await storage.aclose()
    assert values == {"journal_mode": "wal", "synchronous": 1, "wal_autocheckpoint": 1000,
                      "cache_size": -65536, "temp_store": 2}


async def test_hour_buckets_are_utc_hours(store: SqlStorage) -> None:
    async with store.unit_of_work() as uow:
        await uow.costs.record_costs([
            cost(created_at=at(10, 23, 59, 59)), cost(created_at=at(11, 0, 0, 0)),
            cost(created_at=at(11, 0, 30)),
        ])
        series = await uow.analytics.cost_metrics(TENANT, window(at(10, 23), at(11, 2)),
                                                  Resolution.HOUR)
    assert [(b.ts, b.requests) for b in series] == [
        (at(10, 23), 1), (at(11, 0), 2), (at(11, 1), 0)]


@pytest.mark.postgres
async def test_postgres_buckets_ignore_the_database_time_zone(postgres_url: str) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    storage = await SqlStorage.open(postgres_url)
    try:
        async with storage.unit_of_work() as uow:
            await uow.connection.execute(
                text(f'ALTER DATABASE "{database}" SET timezone TO \'Pacific/Kiritimati\''))
            await uow.commit()
        await storage.engine.dispose()  # new connections pick up the database default
        async with storage.unit_of_work() as uow:
            await uow.costs.record_costs([cost(created_at=at(10, 23, 30))])
            series = await uow.analytics.cost_metrics(TENANT, window(at(10, 0), at(12, 0)),
                                                      Resolution.DAY)
            usage = await uow.cost_anomalies.daily_usage(TENANT, ["tenant"], at(10).date(), T0 +
                                                    timedelta(days=2))
    finally:
        async with storage.unit_of_work() as uow:
            await uow.connection.execute(text(f'ALTER DATABASE "{database}" RESET timezone'))
            await uow.commit()
        await storage.aclose()
    assert [(b.ts, b.requests) for b in series] == [(at(10, 0), 1), (at(11, 0), 0)]
    assert [u.day for u in usage] == [at(10).date()]


async def test_failed_audit_append_keeps_the_business_writes(store: SqlStorage) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.audit.append(audit("a-1")) is True
        await uow.costs.record_costs([cost(request_id="before")])
        assert await uow.audit.append(audit("a-1")) is False  # duplicate audit_id
        await uow.costs.record_costs([cost(request_id="after")])
        await uow.commit()
    async with store.unit_of_work() as uow:
        ids = (await uow.connection.execute(select(cost_records.c.request_id))).scalars()
        assert sorted(ids) == ["after", "before"]


def _exact_stats(pairs: list[tuple[Decimal, Decimal]]) -> tuple[float, float, float, float]:
    deltas = [v2 - v1 for v1, v2 in pairs]
    fractions = [Fraction(d) for d in deltas]
    avg = float(sum(fractions) / len(fractions))
    return (avg, float(min(deltas)), float(max(deltas)), statistics.stdev(fractions))


async def test_drift_stats_are_exact_and_verdicts_match_the_domain(store: SqlStorage) -> None:
    pairs = [(Decimal("100"), Decimal("101")), (Decimal("100"), Decimal("125")),
             (Decimal("100"), Decimal("150")), (Decimal("100"), Decimal("200")),
             (Decimal("0"), Decimal("5")), (Decimal("0.5"), Decimal("0.4")),
             (Decimal("12000"), Decimal("13001")), (Decimal("99999999.999999"), Decimal("1")),
             (Decimal("3"), Decimal("3.000001"))]
    records = [provenance(i, v1_cost=v1, v2_cost=v2) for i, (v1, v2) in enumerate(pairs)]
    records.append(provenance(99, v1_cost=None, v2_cost=Decimal(5)))  # not counted
    async with store.unit_of_work() as uow:
        await uow.provenance.write_batch(records)
        stats = await uow.provenance.drift_stats(TENANT)
    expected_verdicts: dict[str, int] = {}
    for v1, v2 in pairs:
        verdict = drift_verdict(v1, v2).value
        expected_verdicts[verdict] = expected_verdicts.get(verdict, 0) + 1
    avg, low, high, stddev = _exact_stats(pairs)
    assert stats.total == len(pairs)
    assert (stats.avg_delta, stats.min_delta, stats.max_delta) == (avg, low, high)
    assert stats.stddev_delta == stddev
    assert stats.verdicts == expected_verdicts
