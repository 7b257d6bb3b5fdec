"""Statistics density: the same 30-day question after the window holds 10x more calls.

One tenant (the workload's largest profile: its users, features and models) alone in a fresh
Postgres database. ``calls`` calls in the 30 days before END go in through the port
(``uow.costs.record_costs`` in committed batches), then ``ANALYZE``, then the question
stats_postgres asks (``StatisticsService.cost_statistics`` by day + ``cost_breakdown`` by
user, top 10) is timed; then 9x ``calls`` more calls in the same window, over the same users,
models and features, go in the same way, ``ANALYZE``, and the question is timed again.
``ratio`` = median after / median before (the two points cannot be interleaved: medians of
repeats at each point, after one warm-up). The hand-written aggregates over raw rows are timed
interleaved with costsight at each point, to show what a raw scan's time does meanwhile.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from benchmarks.databases import asyncpg_dsn, postgres_database, register_tags
from benchmarks.ingest import CostsightWriter
from benchmarks.measure import goal, log, median_of, rnd
from benchmarks.stats import ask_raw_sql, ask_statistics
from benchmarks.workload import END, Workload, build_workload
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.statistics import TimeWindow
from costsight.core.services.statistics import StatisticsService
from costsight.core.timeutil import FixedClock

DAYS = 30
FACTOR = 10
GOAL = 2.0
WINDOW = TimeWindow(start=END - timedelta(days=DAYS), end=END)
_CHUNK = 100_000


async def _write(writer: CostsightWriter, workload: Workload, offset: int, count: int) -> float:
    """Rows ``offset .. offset + count - 1`` through the port; seconds spent writing."""
    spent, done = 0.0, 0
    while done < count:
        size = min(_CHUNK, count - done)
        spent += await writer.write(list(workload.rows(size, offset=offset + done)))
        done += size
    return spent


async def _measure(url: str, tenant: str, repeats: int) -> dict[str, Any]:
    raw = await asyncpg.connect(asyncpg_dsn(url), server_settings={"timezone": "UTC"})
    storage = await SqlStorage.open(url, read_only=True, create_schema=False)
    try:
        await raw.execute("ANALYZE")
        calls, users, models, features = await raw.fetchrow(
            "SELECT count(*), count(DISTINCT user_id), count(DISTINCT model), "
            "count(DISTINCT feature_tag) FROM cost_records "
            "WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3",
            tenant, WINDOW.start, WINDOW.end)
        service = StatisticsService(storage, FixedClock(END))

        async def ours() -> None:
            await ask_statistics(service, tenant, WINDOW)

        async def hand_written() -> None:
            await ask_raw_sql(raw, tenant, WINDOW)

        ours_s, raw_s = await median_of(repeats, ours, hand_written)
    finally:
        await storage.aclose()
        await raw.close()
    return {"calls": calls, "users": users, "models": models, "features": features,
            "ours_ms": rnd(ours_s * 1000, 1), "raw_sql_ms": rnd(raw_s * 1000, 1),
            "ratio_vs_raw_sql": rnd(ours_s / raw_s)}


async def stats_density(seed: int, calls: int, repeats: int, batch_size: int) -> dict[str, Any]:
    """Time the 30-day statistics at ``calls`` and at 10x ``calls`` in the same window."""
    workload = build_workload(seed, tenants=1, days=DAYS)
    tenant = workload.tenants[0].tenant_id
    async with postgres_database("density") as url:
        await register_tags(url, workload.feature_tags())
        writer = CostsightWriter(await SqlStorage.open(url), batch_size)
        try:
            write_before = await _write(writer, workload, 0, calls)
            before = await _measure(url, tenant, repeats)
            log(f"  density at {calls:,} calls: ours {before['ours_ms']} ms, "
                f"raw {before['raw_sql_ms']} ms")
            write_after = await _write(writer, workload, calls, (FACTOR - 1) * calls)
            after = await _measure(url, tenant, repeats)
            log(f"  density at {FACTOR * calls:,} calls: ours {after['ours_ms']} ms, "
                f"raw {after['raw_sql_ms']} ms")
        finally:
            await writer.aclose()
    if writer.inserted != FACTOR * calls or after["calls"] != FACTOR * calls:
        raise RuntimeError(f"stored {writer.inserted} ({after['calls']} in the window) of "
                           f"{FACTOR * calls} calls")
    ratio = rnd(after["ours_ms"] / before["ours_ms"])
    return {"tenant": tenant, "window_days": DAYS, "calls_before": calls,
            "calls_after": FACTOR * calls, "factor": FACTOR, "repeats": repeats,
            "batch_size": batch_size, "before": before, "after": after,
            "write_rows_per_s": {"before": round(calls / write_before),
                                 "after": round((FACTOR - 1) * calls / write_after)},
            "ratio": ratio,
            "ratio_means": "median seconds of the same 30-day statistics (cost_statistics by "
                           "day + cost_breakdown by user, top 10) with 10x the calls in the "
                           "window, divided by the median before",
            "raw_sql_ratio": rnd(after["raw_sql_ms"] / before["raw_sql_ms"]),
            "goals": {"ratio": goal(ratio, "<=", GOAL)},
            "goal": f"<= {GOAL:g}", "met": ratio <= GOAL}
