"""Worker breakdown: a 30-day spend breakdown by worker, costsight vs a raw aggregate.

One tenant (the workload's largest profile) alone in a fresh Postgres database: ``calls`` calls
over the 30 days before END, in created_at order cut into runs of ``CALLS_PER_RUN`` calls, run
k of worker ``worker-{k % WORKERS}``. The calls go in through the port first, then the runs
(a run may be recorded after its calls); every ``UNRECORDED``-th run is never recorded, so its
calls read as worker ``unknown``. After ``ANALYZE``, ``AnalyticsPort.cost_breakdown`` by worker
over the 30 days up to an as-of instant four hours into the last day is timed against the same
question as one hand-written aggregate over the raw rows joined to the runs (medians of
interleaved repeats); both answers must be equal, worker by worker, to the micro-cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import asyncpg

from benchmarks.databases import asyncpg_dsn, postgres_database, register_tags
from benchmarks.ingest import CostsightWriter
from benchmarks.ingest_ordered import CREATED_AT, ArrivalOrder
from benchmarks.measure import goal, log, median_of, rnd
from benchmarks.workload import COLUMNS, END, Row, build_workload
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.costs import RunStatus, WorkerRun
from costsight.core.domain.statistics import Dimension, TimeWindow
from costsight.core.money import micros_to_cents

DAYS = 30
CALLS_PER_RUN = 20
WORKERS = 40
UNRECORDED = 17
#: The as-of instant: four hours into the last day (the window's end is a partial day).
AS_OF = END - timedelta(hours=20)
WINDOW = TimeWindow(start=AS_OF - timedelta(days=DAYS), end=AS_OF)
_CHUNK = 100_000
RAW_SQL = ("SELECT coalesce(wr.worker_id, 'unknown'), sum(cr.cost_micros), count(*), "
           "sum(cr.input_tokens), sum(cr.output_tokens) FROM cost_records cr "
           "LEFT JOIN worker_runs wr ON wr.id = cr.worker_run_id AND wr.tenant_id = cr.tenant_id "
           "WHERE cr.tenant_id = $1 AND cr.created_at >= $2 AND cr.created_at < $3 GROUP BY 1")


#: the positions of a workload row's tenant and worker run
_TENANT, _RUN = COLUMNS.index("tenant_id"), COLUMNS.index("worker_run_id")


def _with_runs(ordered: Iterable[Row]) -> list[Row]:
    """Rows in created_at order, each given the run of its position."""
    return [(*row[:_RUN], f"run-{k // CALLS_PER_RUN:08d}", *row[_RUN + 1:])
            for k, row in enumerate(ordered)]


def _runs(rows: list[Row]) -> list[WorkerRun]:
    first: dict[str, Row] = {}
    for row in rows:
        first.setdefault(row[_RUN], row)
    return [WorkerRun(id=run, tenant_id=row[_TENANT], worker_id=f"worker-{k % WORKERS}",
                      status=RunStatus.COMPLETED, created_at=row[CREATED_AT])
            for k, (run, row) in enumerate(sorted(first.items())) if k % UNRECORDED]


async def worker_breakdown(seed: int, calls: int, repeats: int,
                           batch_size: int) -> dict[str, Any]:
    """Time the 30-day worker breakdown at ``calls`` calls against a raw aggregate."""
    workload = build_workload(seed, tenants=1, days=DAYS)
    tenant = workload.tenants[0].tenant_id
    rows = _with_runs(ArrivalOrder(workload, calls).rows(calls))
    runs = _runs(rows)
    async with postgres_database("workers") as url:
        await register_tags(url, workload.feature_tags())
        writer = CostsightWriter(await SqlStorage.open(url), batch_size)
        try:
            for k in range(0, len(rows), _CHUNK):
                await writer.write(rows[k:k + _CHUNK])
            async with writer.storage.unit_of_work() as uow:
                await uow.costs.upsert_worker_runs(runs)
                await uow.commit()
        finally:
            await writer.aclose()
        log(f"  worker_breakdown: {calls:,} calls in {len(runs):,} recorded runs stored")
        return await _measure(url, tenant, repeats, len(runs))


async def _measure(url: str, tenant: str, repeats: int, runs: int) -> dict[str, Any]:
    raw = await asyncpg.connect(asyncpg_dsn(url), server_settings={"timezone": "UTC"})
    storage = await SqlStorage.open(url, read_only=True, create_schema=False)
    try:
        await raw.execute("ANALYZE")
        answers: dict[str, Any] = {}

        async def ours() -> None:
            async with storage.unit_of_work() as uow:
                answers["ours"] = await uow.analytics.cost_breakdown(tenant, WINDOW,
                                                                     Dimension.WORKER)

        async def hand_written() -> None:
            answers["raw"] = await raw.fetch(RAW_SQL, tenant, WINDOW.start, WINDOW.end)

        ours_s, raw_s = await median_of(repeats, ours, hand_written)
        calls = await raw.fetchval(
            "SELECT count(*) FROM cost_records WHERE tenant_id = $1 AND created_at >= $2 "
            "AND created_at < $3", tenant, WINDOW.start, WINDOW.end)
    finally:
        await storage.aclose()
        await raw.close()
    mine = {b.key: (b.spend_cents, b.requests, b.input_tokens, b.output_tokens)
            for b in answers["ours"]}
    theirs = {r[0]: (micros_to_cents(r[1]), r[2], r[3], r[4]) for r in answers["raw"]}
    if mine != theirs:
        raise RuntimeError("the worker breakdown differs from the raw aggregate")
    ratio = rnd(ours_s / raw_s)
    return {"calls": calls, "runs_recorded": runs, "workers": len(mine),
            "ours_ms": rnd(ours_s * 1000, 1), "raw_sql_ms": rnd(raw_s * 1000, 1),
            "ratio_vs_raw_sql": ratio, "goals": {"ratio_vs_raw_sql": goal(ratio, "report")},
            "goal": "report", "met": None}
