"""Statistics: StatisticsService (cost statistics + a top-10 breakdown) vs the same aggregates
as hand-written SQL on a raw asyncpg connection, over the benchmark's own database.

costsight runs ``cost_statistics`` (spend per day, spend by model, by feature: three
statements in one unit of work) and ``cost_breakdown(user, top 10)`` (one statement); the raw
side sends the same four aggregates, already-open connection, no result models. Both are
timed interleaved (median of ``repeats``), for the largest tenant (about a third of the rows)
and the smallest one (about 4 %), over the whole 60-day history.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from benchmarks.databases import asyncpg_dsn
from benchmarks.measure import StatementCounter, goal, log, median_of, rnd
from benchmarks.workload import DAYS, END, Workload
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.statistics import Dimension, Resolution, TimeWindow
from costsight.core.services.statistics import StatisticsService
from costsight.core.timeutil import FixedClock

_MEASURES = "sum(cost_micros), count(*), sum(input_tokens), sum(output_tokens)"
_WHERE = "tenant_id = $1 AND created_at >= $2 AND created_at < $3"
RAW_SQL = (
    f"SELECT date_trunc('day', created_at), {_MEASURES} FROM cost_records "
    f"WHERE {_WHERE} GROUP BY 1",
    f"SELECT coalesce(model, 'unknown'), {_MEASURES} FROM cost_records "
    f"WHERE {_WHERE} GROUP BY 1 ORDER BY 2 DESC",
    f"SELECT coalesce(feature_tag, 'untagged'), {_MEASURES} FROM cost_records "
    f"WHERE {_WHERE} GROUP BY 1 ORDER BY 2 DESC",
    f"SELECT coalesce(user_id, 'unknown'), {_MEASURES} FROM cost_records "
    f"WHERE {_WHERE} GROUP BY 1 ORDER BY 2 DESC",
)
#: ours / hand-written SQL over raw rows for the largest tenant (issue 11: rollups make
#: costsight answer from whole buckets, so it should beat a raw scan by 10x).
GOAL = 0.1
WINDOW = TimeWindow(start=END - timedelta(days=DAYS), end=END)
#: The MCP tools' default window.
LAST_WEEK = TimeWindow(start=END - timedelta(days=7), end=END)


async def ask_statistics(service: StatisticsService, tenant: str, window: TimeWindow) -> None:
    """costsight's side of the question: statistics by day + a top-10 breakdown by user."""
    await service.cost_statistics(tenant, window, Resolution.DAY)
    await service.cost_breakdown(tenant, window, Dimension.USER, 10)


async def ask_raw_sql(raw: asyncpg.Connection, tenant: str, window: TimeWindow) -> None:
    """The same question as the four hand-written aggregates over raw rows."""
    for sql in RAW_SQL:
        await raw.fetch(sql, tenant, window.start, window.end)


class StatsBench:
    """Measures ours vs raw at each ingest checkpoint; keeps the statements for EXPLAIN."""

    def __init__(self, workload: Workload, repeats: int) -> None:
        self.workload = workload
        self.repeats = repeats
        self.points: list[dict[str, Any]] = []
        self.captured: list[tuple[str, str, tuple[Any, ...]]] = []

    async def at_checkpoint(self, url: str, rows: int) -> None:
        raw = await asyncpg.connect(asyncpg_dsn(url), server_settings={"timezone": "UTC"})
        storage = await SqlStorage.open(url, read_only=True, create_schema=False)
        try:
            # Statistics for every table either side reads (raw rows, rollups), as
            # stats_density and detect_scaling take them.
            await raw.execute("ANALYZE")
            service = StatisticsService(storage, FixedClock(END))
            point: dict[str, Any] = {"rows": rows}
            for label, tenant in (("largest_tenant", self.workload.largest_tenant),
                                  ("smallest_tenant", self.workload.smallest_tenant)):
                tenant_rows = await raw.fetchval(
                    "SELECT count(*) FROM cost_records WHERE tenant_id = $1", tenant)

                async def ours(tenant: str = tenant) -> None:
                    await ask_statistics(service, tenant, WINDOW)

                async def hand_written(tenant: str = tenant) -> None:
                    await ask_raw_sql(raw, tenant, WINDOW)

                ours_s, raw_s = await median_of(self.repeats, ours, hand_written)
                point[label] = {"tenant_rows": tenant_rows, "ours_ms": rnd(ours_s * 1000, 1),
                                "raw_sql_ms": rnd(raw_s * 1000, 1),
                                "ratio_vs_raw_sql": rnd(ours_s / raw_s)}
            self.points.append(point)
            log(f"  stats at {rows:,} rows: " + ", ".join(
                f"{k} ours {v['ours_ms']} ms / raw {v['raw_sql_ms']} ms"
                for k, v in point.items() if isinstance(v, dict)))
            self.captured = await _capture(storage, self.workload)
        finally:
            await storage.aclose()
            await raw.close()

    def result(self, headline: int | None = None) -> dict[str, Any]:
        """The ratio at ``headline`` rows (default: the last checkpoint); all in ``growth``."""
        last = next((p for p in self.points if p["rows"] == headline), self.points[-1])
        ratio = last["largest_tenant"]["ratio_vs_raw_sql"]
        return {"rows": last["rows"], "repeats": self.repeats,
                "ratio_vs_raw_sql": ratio,
                "ours_ms": last["largest_tenant"]["ours_ms"],
                "raw_sql_ms": last["largest_tenant"]["raw_sql_ms"],
                "smallest_tenant": last["smallest_tenant"],
                "growth": self.points,
                "goals": {"ratio_vs_raw_sql": goal(ratio, "<=", GOAL)},
                "goal": f"<= {GOAL}", "met": ratio <= GOAL}


async def _capture(storage: SqlStorage,
                   workload: Workload) -> list[tuple[str, str, tuple[Any, ...]]]:
    """The SQL (and parameters) of each analytics read, for EXPLAIN."""
    reads = {
        "cost_spend (series)": lambda u, t: u.analytics.cost_spend(t, WINDOW, Resolution.DAY),
        "cost_spend (series, 7-day window)": lambda u, t: u.analytics.cost_spend(
            t, LAST_WEEK, Resolution.DAY),
        "cost_breakdown model": lambda u, t: u.analytics.cost_breakdown(
            t, WINDOW, Dimension.MODEL),
        "cost_breakdown worker": lambda u, t: u.analytics.cost_breakdown(
            t, WINDOW, Dimension.WORKER),
        "cost_breakdown workflow": lambda u, t: u.analytics.cost_breakdown(
            t, WINDOW, Dimension.WORKFLOW),
        "dimension_values user (no window)": lambda u, t: u.analytics.dimension_values(
            t, Dimension.USER, None, 50, None),
    }
    counter = StatementCounter(storage.engine)
    out = []
    for label, read in reads.items():
        for which, tenant in (("largest", workload.largest_tenant),
                              ("smallest", workload.smallest_tenant)):
            async with storage.unit_of_work() as uow:
                with counter.counting():
                    await read(uow, tenant)
            sql, params = counter.executed[-1]
            out.append((f"{label} [{which} tenant]", sql, params))
    return out
