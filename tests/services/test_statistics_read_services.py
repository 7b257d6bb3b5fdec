"""Budget status and the read queries behind the MCP tools, on every backend."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from costsight.core.ports import JobLock
from costsight.core.services.budget_status import BudgetState, BudgetStatusService, period_status
from costsight.core.services.queries import ReadQueries
from costsight.core.timeutil import FixedClock
from tests.contract.builders import OTHER_TENANT, T0, TENANT, feature_tag
from tests.mcp.seed import seed_metering


async def test_budget_status(storage: Any) -> None:
    await seed_metering(storage)
    report = await BudgetStatusService(storage, FixedClock(T0)).budget_status(TENANT)
    assert (report.as_of, report.day, report.month_start, report.inactive_budgets) == (
        "2026-03-10T12:00:00+00:00", "2026-03-10", "2026-03-01", 1)
    rows = {(r.budget_type.value, r.entity_id): r for r in report.budgets}
    assert list(rows) == [("feature", "chat.reply"), ("tenant", ""), ("user", "u1")]
    tenant = rows[("tenant", "")]
    assert (tenant.daily.spend_cents, tenant.daily.usage_pct, tenant.daily.status) == (
        Decimal("10"), 50.0, BudgetState.OK)
    assert (tenant.monthly.spend_cents, tenant.monthly.usage_pct) == (Decimal("11.75"), 11.75)
    feature = rows[("feature", "chat.reply")]
    assert (feature.daily.status, feature.monthly.status, feature.status) == (
        BudgetState.NO_LIMIT, BudgetState.WARNING, BudgetState.WARNING)
    assert rows[("user", "u1")].status is BudgetState.EXCEEDED


async def test_budget_status_of_a_tenant_without_budgets(storage: Any) -> None:
    await seed_metering(storage)
    report = await BudgetStatusService(storage, FixedClock(T0)).budget_status(OTHER_TENANT)
    assert (report.budgets, report.inactive_budgets) == ([], 0)


@pytest.mark.parametrize(("limit", "spend", "warn", "usage", "state"), [
    (None, "5", 80, 0.0, BudgetState.NO_LIMIT),
    ("100", "79.99", 80, 79.99, BudgetState.OK),
    ("100", "80", 80, 80.0, BudgetState.WARNING),
    ("100", "100", 80, 100.0, BudgetState.EXCEEDED),
    ("3", "1", 30, 33.33, BudgetState.WARNING),
    ("0", "0", 80, 0.0, BudgetState.OK),
    ("0", "0.000001", 80, 100.0, BudgetState.EXCEEDED),
])
def test_period_status(limit: str | None, spend: str, warn: int, usage: float,
                       state: BudgetState) -> None:
    out = period_status(None if limit is None else Decimal(limit), Decimal(spend), warn)
    assert (out.usage_pct, out.status, out.has_limit) == (usage, state, limit is not None)


async def test_feature_tags_are_keyset_paged(storage: Any) -> None:
    async with storage.unit_of_work() as uow:
        for i in range(7):
            await uow.costs.create_feature_tag(feature_tag(f"ns.t{i}", is_active=i != 3))
        await uow.commit()
    queries = ReadQueries(storage, FixedClock(T0))
    seen: list[str] = []
    cursor = None
    while True:
        page = await queries.feature_tags(TENANT, include_inactive=False, limit=2, cursor=cursor)
        seen.extend(t.tag for t in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["ns.t0", "ns.t1", "ns.t2", "ns.t4", "ns.t5", "ns.t6"]


async def test_leader_status_lists_every_job_lock(storage: Any) -> None:
    lease = await storage.leader.try_acquire(JobLock.PATTERN_CYCLE, timeout=2)
    assert lease is not None
    try:
        status = await ReadQueries(storage, FixedClock(T0)).leader_status()
    finally:
        await storage.leader.release(lease)
    assert status.backend == storage.backend
    assert [(lock.name, lock.held) for lock in status.locks] == [
        (lock.name, lock is JobLock.PATTERN_CYCLE) for lock in JobLock]
