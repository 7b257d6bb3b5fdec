"""Every detection read is a constant number of statements, whatever the number of entities."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.costs import BudgetType
from costsight.testing.contract.builders import (
    DAY0,
    T0,
    TENANT,
    breach,
    budget,
    completed_run,
    cost,
    create_tags,
    failed_run,
    feature_tag,
    in_uow,
    record,
    upsert_budgets,
    upsert_runs,
)

SINCE = T0 - timedelta(days=7)


@pytest.fixture
async def store(sql_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(sql_url)
    yield storage
    await storage.aclose()


async def _seed(storage: SqlStorage, n: int) -> None:
    """n users, n features, n budgets of each kind, n workers, n breaching entities."""
    await create_tags(storage, *(feature_tag(f"f.{i}") for i in range(n)))
    await upsert_budgets(storage, budget(BudgetType.TENANT, daily_limit_cents=Decimal(5)),
                         *(budget(BudgetType.USER, f"u{i}", daily_limit_cents=Decimal(1))
                           for i in range(n)),
                         *(budget(BudgetType.FEATURE, f"f.{i}", daily_limit_cents=Decimal(1))
                           for i in range(n)))
    await record(storage, *(cost(user_id=f"u{i}", feature_tag=f"f.{i}",
                                 created_at=T0 - timedelta(days=i % 5, minutes=i))
                            for i in range(3 * n)))
    runs = []
    for i in range(n):
        for k in range(4):
            runs.append(completed_run(i * 10 + k, worker_id=f"w{i}",
                                      created_at=T0 - timedelta(hours=k)))
            runs.append(failed_run(1000 + i * 10 + k, worker_id=f"w{i}",
                                   created_at=T0 - timedelta(hours=k)))
    await upsert_runs(storage, *runs)
    await in_uow(storage, lambda uow: uow.cost_anomalies.record_breaches(
        [breach(f"u{i}", DAY0 - timedelta(days=k)) for i in range(n) for k in range(3)]))


READS: dict[str, Callable[[Any], Awaitable[Any]]] = {
    "daily_usage": lambda uow: uow.cost_anomalies.daily_usage(
        TENANT, list(EntityType), DAY0 - timedelta(days=28), T0),
    "entity_usage_summaries": lambda uow: uow.cost_anomalies.entity_usage_summaries(
        TENANT, list(EntityType), baseline_first=DAY0 - timedelta(days=14),
        baseline_last=DAY0 - timedelta(days=2), day=DAY0, until=T0),
    "budget_spend": lambda uow: uow.cost_anomalies.budget_spend(TENANT, DAY0, T0),
    "breach_streaks": lambda uow: uow.cost_anomalies.breach_streaks(TENANT, "ABSOLUTE_SPIKE", DAY0),
    "drift_trackers": lambda uow: uow.cost_anomalies.drift_trackers(TENANT),
    "pattern_failed_runs": lambda uow: uow.patterns.failed_runs(TENANT, SINCE, T0, 100),
    "pattern_cost_runs": lambda uow: uow.patterns.recent_cost_runs(TENANT, SINCE, T0, 3),
    "prediction_totals": lambda uow: uow.predictions.worker_run_totals(TENANT, SINCE, T0),
    "prediction_failed_runs": lambda uow: uow.predictions.recent_failed_runs(
        TENANT, SINCE, T0, 5),
    "prediction_cost_runs": lambda uow: uow.predictions.recent_cost_runs(TENANT, SINCE, T0, 3),
    "failure_patterns": lambda uow: uow.predictions.failure_patterns(TENANT, SINCE, T0),
}


async def _statements(storage: SqlStorage,
                      read: Callable[[Any], Awaitable[Any]]) -> tuple[list[str], Any]:
    statements: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    async with storage.unit_of_work() as uow:
        event.listen(storage.engine.sync_engine, "before_cursor_execute", on_execute)
        try:
            result = await read(uow)
        finally:
            event.remove(storage.engine.sync_engine, "before_cursor_execute", on_execute)
    return statements, result


async def _count(storage: SqlStorage, read: Callable[[Any], Awaitable[Any]]) -> tuple[int, Any]:
    statements, result = await _statements(storage, read)
    return len(statements), result


@pytest.mark.parametrize("name", sorted(READS))
async def test_detection_read_is_one_statement_for_any_number_of_entities(
        store: SqlStorage, name: str) -> None:
    await _seed(store, 2)
    small, small_result = await _count(store, READS[name])
    await _seed_more(store)
    large, large_result = await _count(store, READS[name])
    assert small == large == 1
    if name not in ("drift_trackers", "failure_patterns"):
        assert len(large_result) > len(small_result)


async def _seed_more(storage: SqlStorage) -> None:
    # Distinct names from the first seeding: 30 more of everything.
    await create_tags(storage, *(feature_tag(f"g.{i}") for i in range(30)))
    await upsert_budgets(storage, *(budget(BudgetType.USER, f"v{i}", daily_limit_cents=Decimal(1))
                                    for i in range(30)))
    await record(storage, *(cost(user_id=f"v{i}", feature_tag=f"g.{i}",
                                 created_at=T0 - timedelta(days=i % 5, minutes=i))
                            for i in range(90)))
    runs = []
    for i in range(30):
        for k in range(4):
            runs.append(completed_run(5000 + i * 10 + k, worker_id=f"x{i}",
                                      created_at=T0 - timedelta(hours=k)))
            runs.append(failed_run(9000 + i * 10 + k, worker_id=f"x{i}",
                                   created_at=T0 - timedelta(hours=k)))
    await upsert_runs(storage, *runs)
    await in_uow(storage, lambda uow: uow.cost_anomalies.record_breaches(
        [breach(f"v{i}", DAY0 - timedelta(days=k)) for i in range(30) for k in range(3)]))
