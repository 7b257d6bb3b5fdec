"""EXPLAIN of the statistics reads on the partitioned cost_records (partition pruning).

``python -m benchmarks.partition_explain [ROWS]``: a new Postgres database (migrated; monthly
partitions for the workload's months), ROWS records (default 300,000) of the benchmark
workload written through ``record_costs`` in batches of 10,000 (the staged path), then
``EXPLAIN (ANALYZE, BUFFERS)`` of every statement of ``cost_statistics`` and of a user
breakdown for the largest tenant over a 30-day window that ends inside an hour (as of a
clock instant), so the rollups serve whole days and hours and raw rows serve the edges.
Prints the ingest rate, the partitions and their row counts, and each plan.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import asyncpg

from benchmarks.databases import asyncpg_dsn, postgres_database, register_tags
from benchmarks.measure import StatementCounter
from benchmarks.workload import END, build_workload, to_new_record
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.statistics import Dimension, Resolution, TimeWindow
from costsight.core.services.statistics import StatisticsService
from costsight.core.timeutil import FixedClock

AS_OF = END - timedelta(hours=10, minutes=14, seconds=48)  # inside an hour
WINDOW = TimeWindow(start=AS_OF - timedelta(days=30), end=AS_OF)
BATCH = 10_000


async def _ingest(storage: SqlStorage, rows: int) -> float:
    workload = build_workload()
    started = time.perf_counter()
    batch = []
    for row in workload.rows(rows):
        batch.append(to_new_record(row))
        if len(batch) == BATCH:
            async with storage.unit_of_work() as uow:
                await uow.costs.record_costs(batch)
                await uow.commit()
            batch = []
    if batch:
        async with storage.unit_of_work() as uow:
            await uow.costs.record_costs(batch)
            await uow.commit()
    return rows / (time.perf_counter() - started)


async def _explain(url: str, captured: list[tuple[str, tuple[Any, ...]]]) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url), server_settings={"timezone": "UTC"})
    try:
        await conn.execute("ANALYZE")
        parts = await conn.fetch("SELECT tableoid::regclass::text AS p, count(*) "
                                 "FROM cost_records GROUP BY 1 ORDER BY 1")
        print("rows per partition:", ", ".join(f"{r[0]} {r[1]:,}" for r in parts))
        for sql, params in captured:
            if "cost_records" not in sql:
                continue
            print("\n--", " ".join(sql.split())[:160], "...")
            for line in await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *params):
                print("  ", line[0])
    finally:
        await conn.close()


async def main(rows: int) -> None:
    workload = build_workload()
    async with postgres_database("partitions") as url:
        storage = await SqlStorage.open(url)
        try:
            created = await storage.ensure_partitions(2, now=datetime(2026, 1, 1, tzinfo=UTC))
            print("partitions created for the workload:", ", ".join(created))
            await register_tags(url, workload.feature_tags())
            rate = await _ingest(storage, rows)
            print(f"ingest through record_costs (staged, {BATCH:,} per batch): "
                  f"{rate:,.0f} rows/s for {rows:,} rows")
            service = StatisticsService(storage, FixedClock(AS_OF))
            counter = StatementCounter(storage.engine)
            tenant = workload.largest_tenant
            with counter.counting():
                await service.cost_statistics(tenant, WINDOW, Resolution.DAY)
                await service.cost_breakdown(tenant, WINDOW, Dimension.USER, 10)
            captured = list(counter.executed)
        finally:
            await storage.aclose()
        print(f"window {WINDOW.start.isoformat()} .. {WINDOW.end.isoformat()}, "
              f"tenant {tenant}")
        await _explain(url, captured)


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)
