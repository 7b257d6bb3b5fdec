"""The transactional outbox: every cycle writes a notification with a new or escalated
finding in the same unit of work; a re-run on the same state writes none; a rollback writes
neither the finding nor its notification. On every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from costsight.core.domain.alerts import FindingKind, NewAlertRoute
from costsight.core.domain.anomalies import AnomalyFilter
from costsight.core.domain.costs import BudgetType, BudgetUpsert, RunStatus, WorkerRun
from costsight.core.services import anomaly_cycle as anomaly_cycle_module
from costsight.core.services.alert_outbox import enqueue_findings
from tests.alerts.helpers import notifications
from tests.plugins.seeding import budgets, cost, cycles, record, runs

AS_OF = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)


async def route(storage: object, name: str = "ops", **fields: object) -> None:
    new = NewAlertRoute.model_validate({"tenant_id": "t1", "name": name,
                                        "url": "https://hooks.example.com/" + name, **fields})
    async with storage.unit_of_work() as uow:
        await uow.alert_routes.upsert_route(new, now=AS_OF)
        await uow.commit()


async def spend_against_budget(storage: object, cents: str, hour: int) -> None:
    await record(storage, [cost("t1", AS_OF.replace(hour=hour), cents, user="u1")])


async def test_a_new_then_escalated_anomaly_notifies_once_per_severity(storage) -> None:
    await route(storage, "all")
    await route(storage, "high-only", min_severity="high")
    await route(storage, "patterns-only", anomaly_types=[])
    await route(storage, "off", enabled=False)
    await budgets(storage, [BudgetUpsert(tenant_id="t1", budget_type=BudgetType.USER,
                                         entity_id="u1", daily_limit_cents=1000)])
    await spend_against_budget(storage, "850", 9)  # 85%: a MEDIUM budget warning
    anomalies, _, _ = cycles(storage, AS_OF)
    first = await anomalies.run("t1")
    assert [(a.anomaly_type.value, a.severity.value) for a in first.anomalies] == [
        ("BUDGET_WARNING", "MEDIUM")]
    assert first.notifications == 1
    [n] = await notifications(storage, "t1")
    assert (n.route_name, n.finding.kind, n.finding.finding_id, n.finding.severity.value) == (
        "all", FindingKind.ANOMALY, first.anomalies[0].id, "medium")

    again = await anomalies.run("t1")  # same state: nothing new
    assert again.notifications == 0 and len(await notifications(storage, "t1")) == 1

    await spend_against_budget(storage, "60", 10)  # 91%: the same anomaly, now HIGH
    later, _, _ = cycles(storage, AS_OF + timedelta(minutes=5))
    escalated = await later.run("t1")
    assert [a.id for a in escalated.anomalies] == [first.anomalies[0].id]
    assert escalated.notifications == 2
    rows = sorted((x.route_name, x.finding.severity.value) for x in await notifications(storage, "t1"))
    assert rows == [("all", "high"), ("all", "medium"), ("high-only", "high")]
    assert (await later.run("t1")).notifications == 0


async def test_a_rolled_back_cycle_writes_neither_finding_nor_notification(
        storage, monkeypatch: pytest.MonkeyPatch) -> None:
    await route(storage)
    await budgets(storage, [BudgetUpsert(tenant_id="t1", budget_type=BudgetType.USER,
                                         entity_id="u1", daily_limit_cents=1000)])
    await spend_against_budget(storage, "950", 9)
    written = []

    async def then_fail(uow, findings, now):
        written.extend(await enqueue_findings(uow, findings, now))
        raise RuntimeError("the process dies before commit")

    monkeypatch.setattr(anomaly_cycle_module, "enqueue_findings", then_fail)
    anomalies, _, _ = cycles(storage, AS_OF)
    with pytest.raises(RuntimeError):
        await anomalies.run("t1")
    assert len(written) == 1  # it was written inside the unit, then rolled back with it
    assert await notifications(storage, "t1") == []
    async with storage.unit_of_work() as uow:
        page = await uow.anomaly_records.list_anomalies("t1", AnomalyFilter(), limit=10)
    assert page.items == []


def _run(worker: str, n: int, status: str, minutes_ago: int, error: str | None = None
         ) -> WorkerRun:
    return WorkerRun(id=f"00000000-0000-4000-8000-{n:012d}", tenant_id="t1", worker_id=worker,
                     status=RunStatus(status), created_at=AS_OF - timedelta(minutes=minutes_ago),
                     error=error)


async def test_prediction_and_pattern_cycles_notify_once(storage) -> None:
    await route(storage)
    failed = [_run("w1", i, "failed", 5 + i, error="Timeout calling tool") for i in range(6)]
    await runs(storage, failed + [_run("w1", 100, "completed", 30)])
    _, predictions, patterns = cycles(storage, AS_OF)
    found = await patterns.run("t1")
    predicted = await predictions.run("t1")
    assert found.feedback and predicted.predictions
    assert found.notifications == len(found.feedback)
    assert predicted.notifications == len(predicted.predictions)
    kinds = sorted({n.finding.kind.value for n in await notifications(storage, "t1")})
    assert kinds == ["pattern", "prediction"]
    assert (await patterns.run("t1")).notifications == 0
    assert (await predictions.run("t1")).notifications == 0
