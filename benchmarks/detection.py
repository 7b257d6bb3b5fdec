"""Detection scaling: one anomaly pass at 10 / 100 / 1,000 / 10,000 entities.

Each size is its own tenant in one Postgres database: N users (one feature each, N/10
registered features), 30 days of daily spend per user (5 % of users spike on the last two
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

import random
from datetime import timedelta
from typing import Any

import asyncpg

from benchmarks.databases import asyncpg_dsn, postgres_database
from benchmarks.measure import StatementCounter, log, median_of, rnd
from benchmarks.workload import COLUMNS, END
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


def tenant_of(size: int) -> str:
    return f"detect-{size}"


async def _seed(url: str, size: int, seed: int) -> int:
    rng = random.Random(seed * 7919 + size)
    tenant = tenant_of(size)
    features = max(1, size // 10)
    rows = []
    for u in range(size):
        base = int(rng.lognormvariate(0, 0.8) * 20_000_000)  # about 20 cents a day
        spikes = rng.random() < 0.05
        for d in range(HISTORY_DAYS + 1):
            day = FIRST + timedelta(days=d)
            factor = 3.0 if spikes and d >= HISTORY_DAYS - 1 else rng.uniform(0.85, 1.15)
            rows.append((f"cr_{rng.getrandbits(64):016x}", tenant, f"u{u}", f"f.{u % features}",
                         None, None, None, None, "gpt-4o-mini", 1500, 300,
                         int(base * factor), rng.random() < 0.03, day + timedelta(hours=12)))
    tags = [(f"ft_{size:06d}{f:010d}", tenant, f"f.{f}", f"f {f}") for f in range(features)]
    budgets = [(f"cb_{size:06d}t", tenant, "tenant", "", 10**12, None)]
    budgets += [(f"cb_{size:06d}u{u:08d}", tenant, "user", f"u{u}", 25_000_000, None)
                for u in range(0, size, 10)]
    budgets += [(f"cb_{size:06d}f{f:08d}", tenant, "feature", f"f.{f}", None, 10**11)
                for f in range(features)]
    conn = await asyncpg.connect(asyncpg_dsn(url), server_settings={"timezone": "UTC"})
    try:
        async with conn.transaction():
            await conn.copy_records_to_table("cost_records", records=rows, columns=list(COLUMNS))
            await conn.copy_records_to_table(
                "feature_tags", records=tags, columns=["id", "tenant_id", "tag", "display_name"])
            await conn.copy_records_to_table(
                "cost_budgets", records=budgets,
                columns=["id", "tenant_id", "budget_type", "entity_id", "daily_limit_micros",
                         "monthly_limit_micros"])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return len(rows)


async def _per_entity_pass(storage: SqlStorage, tenant: str) -> int:
    """The original's pattern: entity lists, then one query per entity and per budget."""
    sql = PER_ENTITY_SQL
    fetched = 0
    async with storage.engine.connect() as conn:
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


async def detect_scaling(sizes: list[int], repeats: int, seed: int,
                         baseline_max: int) -> dict[str, Any]:
    """Time and round trips of one pass per size; the per-entity baseline up to baseline_max."""
    out: dict[str, Any] = {"sizes": sizes, "round_trips": {}, "per_entity_round_trips": {},
                           "ours_ms": {}, "ours_preview_ms": {}, "per_entity_ms": {}, "speedup_vs_per_entity": {},
                           "anomalies_found": {}, "cost_rows": {}}
    async with postgres_database("detect") as url:
        for size in sizes:
            out["cost_rows"][str(size)] = await _seed(url, size, seed)
        storage = await SqlStorage.open(url)
        counter = StatementCounter(storage.engine)
        app = Application(storage, clock=FixedClock(AS_OF), load_entrypoints=False)
        try:
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
                    out["per_entity_round_trips"][key] = counter.count

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
    out["goal"] = (f"round trips constant (at most {ROUND_TRIP_BOUND} at every size); "
                   "speedup >= 20 at 1,000 entities")
    out["met"] = bounded and speedup is not None and speedup >= 20
    return out

