"""A detection pass costs a constant number of SQL statements: 10 or 1,000 users, features,
budgets and workers make no difference (no per-entity queries)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from costsight.core.domain.costs import BudgetType, BudgetUpsert, RunStatus, WorkerRun
from tests.backends import SQL_BACKENDS
from tests.plugins.seeding import budgets, cost, cycles, record, runs, tags

AS_OF = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)
SIZES = {"small": 10, "big": 1000}


@pytest.fixture(params=SQL_BACKENDS)
def sql_storage(request: pytest.FixtureRequest) -> object:
    return request.getfixturevalue(f"{request.param}_storage")


@contextmanager
def counting(storage: object) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = storage.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def at(days: int, hour: int = 12) -> datetime:
    return (AS_OF + timedelta(days=days)).replace(hour=hour)


async def seed(storage: object, tenant: str, n: int) -> None:
    """n users, n features, n user budgets and n workers, every one of them anomalous."""
    await tags(storage, tenant, [f"f{i}.x" for i in range(n)])
    spend = {-5: "100", -4: "100", -3: "100", -1: "200", 0: "200"}
    await record(storage, [cost(tenant, at(d), c, user=f"u{i}", feature=f"f{i}.x")
                           for i in range(n) for d, c in spend.items()])
    await budgets(storage, [BudgetUpsert(tenant_id=tenant, budget_type=BudgetType.USER,
                                         entity_id=f"u{i}", daily_limit_cents=150)
                            for i in range(n)])
    worker_runs = []
    for i in range(n):
        for j, c in enumerate(["300", "100", "100", "100", "100", "100"]):
            worker_runs.append(WorkerRun(
                id=f"{tenant}-{i}-{j}", tenant_id=tenant, worker_id=f"w{i}",
                status=RunStatus.COMPLETED, cost_cents=c,
                created_at=AS_OF - timedelta(minutes=10 * (j + 1))))
        worker_runs += [WorkerRun(id=f"{tenant}-{i}-f{k}", tenant_id=tenant, worker_id=f"w{i}",
                                  status=RunStatus.FAILED, error=f"timeout after {k} seconds",
                                  created_at=AS_OF - timedelta(minutes=5 + k))
                        for k in range(3)]
    await runs(storage, worker_runs)


async def test_statement_count_does_not_grow_with_entities(sql_storage: object) -> None:
    counts: dict[str, dict[str, int]] = {}
    found: dict[str, dict[str, int]] = {}
    for tenant, n in SIZES.items():
        await seed(sql_storage, tenant, n)
        anomaly_cycle, _, _ = cycles(sql_storage, at(-1, 23))
        await anomaly_cycle.run(tenant)  # yesterday's breaches, so today's spikes fire
        anomaly_cycle, prediction_cycle, pattern_cycle = cycles(sql_storage, AS_OF)
        counts[tenant], found[tenant] = {}, {}
        with counting(sql_storage) as statements:
            result = await anomaly_cycle.run(tenant)
        counts[tenant]["anomalies"], found[tenant]["anomalies"] = len(statements), len(result.anomalies)
        with counting(sql_storage) as statements:
            result = await prediction_cycle.run(tenant)
        counts[tenant]["predictions"], found[tenant]["predictions"] = (
            len(statements), len(result.predictions))
        with counting(sql_storage) as statements:
            result = await pattern_cycle.run(tenant)
        counts[tenant]["patterns"], found[tenant]["patterns"] = len(statements), len(result.feedback)
    # every entity was found (users + features spike, budgets exceed; workers fail and spike)
    assert found["small"] == {"anomalies": 10 * 3 + 1, "predictions": 10 * 2, "patterns": 10 + 1}
    assert found["big"] == {"anomalies": 1000 * 3 + 1, "predictions": 1000 * 2,
                            "patterns": 1000 + 1}
    assert counts["small"] == counts["big"], counts
