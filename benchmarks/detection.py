"""Detection scaling: one anomaly pass at 10 / 100 / 1,000 (full: and 10,000) entities.

Each size is its own tenant in one Postgres database, seeded through the port
(``benchmarks/detection_seed.py``): N users (one feature each, N/10 registered features),
30 days and today of ``calls_per_day`` calls per user and day (a realistic density: 50 in the
quick and full runs, so 1,000 entities hold 1.55M calls; 5 % of users spike on the last two
days), N/10 user budgets, every feature budgeted, one tenant budget. costsight runs
``AnomalyCycle.run`` (reads, detectors, breach / drift / anomaly writes, commit) as of the last
day, after a warm-up pass as of the day before (so streaks, trackers and open anomalies exist).

The baseline is the original's access pattern written as raw SQL on the same engine: list the
entities, then one query per user, per feature and per budget for the same aggregates. It only
reads - no detectors, no writes - so the speedup it is compared with is a lower bound;
``ours_preview_ms`` times ``AnomalyCycle.preview`` (the same reads and detectors, no writes).
SQL round trips of both are counted with a ``before_cursor_execute`` listener.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from benchmarks.databases import asyncpg_dsn, postgres_database
from benchmarks.detection_seed import seed_detection_tenant, tenant_of
from benchmarks.measure import StatementCounter, goal, log, median_of, rnd
from benchmarks.workload import END
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.application import Application
from costsight.core.timeutil import FixedClock

#: The most statements one pass may send, whatever the entity count: 5 reads (per-entity usage
#: summaries, the tenant's daily usage, budget spend, breach streaks, drift trackers), 1 breach
#: upsert, 1 tracker upsert, and for the day- and the month-window anomalies each 1 lookup +
#: 1 insert + 1 update.
ROUND_TRIP_BOUND = 13
HISTORY_DAYS = 30
AS_OF = END - timedelta(hours=4)
TODAY = AS_OF.replace(hour=0, minute=0, second=0, microsecond=0)
FIRST = TODAY - timedelta(days=HISTORY_DAYS)
MONTH = TODAY.replace(day=1)

_DAILY = ("SELECT created_at::date, sum(cost_micros), count(*), "
          "sum(CASE WHEN is_retry THEN 1 ELSE 0 END), sum(input_tokens) FROM cost_records "
          "WHERE tenant_id = $1 AND created_at >= $2 AND created_at <= $3")
PER_ENTITY_SQL = {
    "users": "SELECT DISTINCT user_id FROM cost_records WHERE tenant_id = $1 "
             "AND created_at >= $2 AND created_at <= $3 AND user_id IS NOT NULL",
    "features": "SELECT DISTINCT feature_tag FROM cost_records WHERE tenant_id = $1 "
                "AND created_at >= $2 AND created_at <= $3 AND feature_tag IS NOT NULL",
    "user_daily": f"{_DAILY} AND user_id = $4 GROUP BY 1",
    "feature_daily": f"{_DAILY} AND feature_tag = $4 GROUP BY 1",
    "tenant_daily": f"{_DAILY} GROUP BY 1",
    "budgets": "SELECT budget_type, entity_id FROM cost_budgets "
               "WHERE tenant_id = $1 AND is_active",
    "tenant_spend": "SELECT sum(CASE WHEN created_at >= $2 THEN cost_micros ELSE 0 END), "
                    "sum(cost_micros) FROM cost_records WHERE tenant_id = $1 "
                    "AND created_at >= $3 AND created_at <= $4",
    "drift": "SELECT * FROM cost_drift_tracking WHERE tenant_id = $1",
}
PER_ENTITY_SQL["user_spend"] = PER_ENTITY_SQL["tenant_spend"] + " AND user_id = $5"
PER_ENTITY_SQL["feature_spend"] = PER_ENTITY_SQL["tenant_spend"] + " AND feature_tag = $5"


_CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"


async def _analyze(url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _per_entity_pass(storage: SqlStorage, tenant: str) -> int:
    """The original's pattern: entity lists, then one query per entity and per budget."""
    sql = PER_ENTITY_SQL
    fetched = 0
    async with storage.engine.connect() as conn:
        # Each per-entity query gets a plan for its own parameters: a prepared statement's
        # generic plan (after 5 executions) may scan the whole tenant for one user, which
        # would slow the baseline down and inflate the speedup. Not counted as a round trip.
        await conn.exec_driver_sql(_CUSTOM_PLANS)
        users = (await conn.exec_driver_sql(sql["users"], (tenant, FIRST, AS_OF))).all()
        features = (await conn.exec_driver_sql(sql["features"], (tenant, FIRST, AS_OF))).all()
        for (user,) in users:
            fetched += len((await conn.exec_driver_sql(
                sql["user_daily"], (tenant, FIRST, AS_OF, user))).all())
        for (feature,) in features:
            fetched += len((await conn.exec_driver_sql(
                sql["feature_daily"], (tenant, FIRST, AS_OF, feature))).all())
        fetched += len((await conn.exec_driver_sql(
            sql["tenant_daily"], (tenant, FIRST, AS_OF))).all())
        for kind, entity in (await conn.exec_driver_sql(sql["budgets"], (tenant,))).all():
            if kind == "tenant":
                params: tuple[Any, ...] = (tenant, TODAY, MONTH, AS_OF)
            else:
                params = (tenant, TODAY, MONTH, AS_OF, entity)
            fetched += len((await conn.exec_driver_sql(sql[f"{kind}_spend"], params)).all())
        fetched += len((await conn.exec_driver_sql(sql["drift"], (tenant,))).all())
        await conn.rollback()
    return fetched


async def detect_scaling(sizes: list[int], repeats: int, seed: int, baseline_max: int,
                         calls_per_day: int) -> dict[str, Any]:
    """Time and round trips of one pass per size; the per-entity baseline up to baseline_max."""
    out: dict[str, Any] = {"sizes": sizes, "calls_per_entity_per_day": calls_per_day,
                           "history_days": HISTORY_DAYS, "round_trips": {},
                           "per_entity_round_trips": {}, "ours_ms": {}, "ours_preview_ms": {},
                           "per_entity_ms": {}, "speedup_vs_per_entity": {},
                           "anomalies_found": {}, "cost_rows": {}, "seeding": {}}
    async with postgres_database("detect") as url:
        storage = await SqlStorage.open(url)
        counter = StatementCounter(storage.engine)
        app = Application(storage, clock=FixedClock(AS_OF), load_entrypoints=False)
        try:
            for size in sizes:
                seeded = await seed_detection_tenant(storage, size, seed, calls_per_day, FIRST,
                                                     HISTORY_DAYS, AS_OF)
                out["cost_rows"][str(size)] = seeded["rows"]
                out["seeding"][str(size)] = seeded
                log(f"  detect seed {size:>6} entities: {seeded['rows']:,} rows through the "
                    f"port in {seeded['seconds']} s ({seeded['rows_per_s']:,} rows/s)")
            await _analyze(url)
            for size in sizes:
                tenant, key = tenant_of(size), str(size)
                await app.anomaly_cycle.run(tenant, as_of=AS_OF - timedelta(days=1))
                with counter.counting():
                    result = await app.anomaly_cycle.run(tenant, as_of=AS_OF)
                if result.errors:
                    raise RuntimeError(f"anomaly pass failed: {result.errors}")
                out["round_trips"][key] = counter.count
                out["anomalies_found"][key] = len(result.anomalies)

                async def ours(tenant: str = tenant) -> None:
                    await app.anomaly_cycle.run(tenant, as_of=AS_OF)

                async def preview(tenant: str = tenant) -> None:
                    await app.anomaly_cycle.preview(tenant, as_of=AS_OF)

                if size <= baseline_max:
                    with counter.counting():
                        await _per_entity_pass(storage, tenant)
                    out["per_entity_round_trips"][key] = sum(
                        1 for sql, _ in counter.executed if sql != _CUSTOM_PLANS)

                    async def baseline(tenant: str = tenant) -> None:
                        await _per_entity_pass(storage, tenant)

                    ours_s, preview_s, base_s = await median_of(repeats, ours, preview, baseline)
                    out["per_entity_ms"][key] = rnd(base_s * 1000, 1)
                    out["speedup_vs_per_entity"][key] = rnd(base_s / ours_s, 1)
                else:
                    ours_s, preview_s = await median_of(repeats, ours, preview)
                out["ours_ms"][key] = rnd(ours_s * 1000, 1)
                out["ours_preview_ms"][key] = rnd(preview_s * 1000, 1)
                log(f"  detect {size:>6} entities: ours {ours_s * 1000:.0f} ms in "
                    f"{out['round_trips'][key]} statements; per-entity "
                    f"{out['per_entity_ms'].get(key, '-')} ms in "
                    f"{out['per_entity_round_trips'].get(key, '-')} statements")
        finally:
            await storage.aclose()
    bounded = max(out["round_trips"].values()) <= ROUND_TRIP_BOUND
    speedup = out["speedup_vs_per_entity"].get("1000")
    out["speedup_vs_per_entity_at_1000"] = speedup
    out["round_trip_bound"] = ROUND_TRIP_BOUND
    out["round_trips_constant"] = bounded
    exact = (out["per_entity_ms"]["1000"] / out["ours_ms"]["1000"]  # judged unrounded
             if speedup is not None else None)
    out["goals"] = {"speedup_vs_per_entity_at_1000": goal(exact, ">=", 20),
                    "round_trips_constant": {"value": bounded, "goal": f"<= {ROUND_TRIP_BOUND} "
                                             "statements at every size", "met": bounded}}
    out["goal"] = (f"round trips constant (at most {ROUND_TRIP_BOUND} at every size); "
                   "speedup >= 20 at 1,000 entities")
    out["met"] = bounded and speedup is not None and speedup >= 20
    return out

