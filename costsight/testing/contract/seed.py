"""Write one tenant's data through every write port, and read back everything every port shows.

``write_everything`` gives two tenants data of the same shape. Natural keys repeat across them
(request ids, signatures, input hashes, run-id-free audit shapes), so a dedupe missing its
tenant filter shows up; the VALUES a set-valued read returns differ (user ids, feature tags,
worker ids: see ``NAMES``), so a read missing its tenant filter returns extra values and
changes the first tenant's snapshot. ``snapshot`` reads every read method of every port for
one tenant, with fixed windows and instants, and returns plain comparable data grouped by port.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from pydantic import BaseModel

from costsight.core.domain.anomalies import AnomalyFilter, AnomalyType, EntityType, Severity
from costsight.core.domain.audit import AuditFilter
from costsight.core.domain.costs import BudgetType
from costsight.core.domain.patterns import FeedbackFilter
from costsight.core.domain.predictions import PredictionFilter
from costsight.core.domain.provenance import ProvenanceFilter
from costsight.core.domain.statistics import Dimension, Resolution
from costsight.core.ports import UnitOfWork
from costsight.testing.contract.builders import (
    DAY0,
    MIDNIGHT,
    OTHER_TENANT,
    T0,
    TENANT,
    at,
    audit,
    breach,
    budget,
    completed_run,
    cost,
    d,
    detected,
    drift_tracker,
    failed_run,
    feature_tag,
    feedback,
    prediction,
    provenance,
    window,
    worker_run,
)

PORTS = ["analytics", "costs", "anomalies", "patterns", "predictions", "provenance", "audit"]


@dataclass(frozen=True)
class Names:
    """The set-valued names of one tenant's data: users, feature tags, workers, models, and
    the workflow and skill of its first record."""

    users: tuple[str, str]
    tags: tuple[str, str]
    workers: tuple[str, str]
    models: tuple[str, str]
    workflow: str
    skill: str


#: Disjoint per tenant, so ``dimension_values``, tag lists and per-worker reads see a leak.
NAMES = {
    TENANT: Names(users=("u1", "u2"), tags=("chat.reply", "search.query"),
                  workers=("worker-a", "worker-b"), models=("gpt-4o", "claude-3"),
                  workflow="wf-1", skill="sk-1"),
    OTHER_TENANT: Names(users=("v7", "v8"), tags=("mail.send", "index.build"),
                        workers=("worker-x", "worker-y"), models=("mistral-l", "llama-3"),
                        workflow="wf-9", skill="sk-9"),
}


def names_of(tenant: str) -> Names:
    """The tenant's names (any other tenant uses the first tenant's)."""
    return NAMES.get(tenant, NAMES[TENANT])
DAY = window(at(9, 0), at(11, 0))
SINCE, UNTIL = at(9, 0), at(10, 23)


async def write_everything(uow: UnitOfWork, tenant: str, *, run_base: int, scale: int = 1) -> None:
    """Write a small, complete data set of ``tenant``; run ids start at ``run_base`` (ids are
    global keys) and every amount is multiplied by ``scale`` so tenants differ in values."""
    k = Decimal(scale)
    n = names_of(tenant)
    (u1, u2), (tag1, tag2), (wa, wb) = n.users, n.tags, n.workers
    costs = uow.costs
    await costs.create_feature_tag(feature_tag(tag1, tenant_id=tenant))
    await costs.create_feature_tag(feature_tag(tag2, tenant_id=tenant,
                                               is_active=False))
    runs = [completed_run(run_base + i, str(10 * (i + 1) * scale), tenant_id=tenant,
                          worker_id=wa, created_at=at(10, 1 + i), total_tokens=100)
            for i in range(3)]
    runs += [failed_run(run_base + 3, tenant_id=tenant, worker_id=wb,
                        created_at=at(10, 5), error="timeout 42"),
             worker_run(run_base + 4, tenant_id=tenant, worker_id=wb,
                        created_at=at(10, 6))]
    await costs.upsert_worker_runs(runs)
    await costs.record_costs([
        cost(tenant_id=tenant, user_id=u1, feature_tag=tag1, request_id="req-1",
             worker_run_id=runs[0].id, model=n.models[0], workflow_id=n.workflow, skill_id=n.skill,
             cost_cents=Decimal("1.25") * k, created_at=at(10, 1)),
        cost(tenant_id=tenant, user_id=u2, feature_tag=tag2, request_id="req-2",
             model=n.models[1], cost_cents=Decimal("2.5") * k, created_at=at(9, 8),
             is_retry=True),
        cost(tenant_id=tenant, model=n.models[0], cost_cents=Decimal("0.75") * k,
             created_at=at(10, 3)),
    ])
    await costs.upsert_budget(budget(BudgetType.TENANT, tenant_id=tenant,
                                     daily_limit_cents=Decimal(100) * k))
    await costs.upsert_budget(budget(BudgetType.USER, u1, tenant_id=tenant,
                                     monthly_limit_cents=Decimal(500) * k))
    anomalies = uow.cost_anomalies
    await anomalies.record_breaches([breach(u1, d(9), tenant_id=tenant),
                                     breach(u1, d(10), tenant_id=tenant)])
    await anomalies.save_drift_trackers([drift_tracker(tenant_id=tenant,
                                                       drift_days_count=scale)])
    await uow.anomaly_records.upsert_anomalies(
        [detected(tenant_id=tenant, entity_id=u1, current_value_cents=Decimal(300) * k),
         detected(tenant_id=tenant, anomaly_type=AnomalyType.BUDGET_WARNING,
                  severity=Severity.MEDIUM, entity_type="tenant", period="daily",
                  usage_pct=85.0, threshold_ratio=0.8, deviation_pct=-15.0)],
        since=MIDNIGHT, now=T0)
    await uow.pattern_feedback.upsert_feedback(
        [feedback("sig-1", tenant_id=tenant, occurrence_count=2 + scale),
         feedback(f"cost_spike_{wa}", tenant_id=tenant, pattern_type="cost_spike")],
        open_since=T0 - timedelta(hours=24), now=at(10, 10))
    await uow.prediction_records.upsert_predictions(
        [prediction(wb, tenant_id=tenant, confidence_score=0.5 + 0.1 * scale),
         prediction(wa, tenant_id=tenant, prediction_type="cost_overrun",
                    confidence_score=0.9)],
        now=at(10, 11))
    await uow.provenance.write_batch([
        provenance(1, tenant_id=tenant, v2_cost=Decimal(100 + scale), created_at=at(10, 1)),
        provenance(2, tenant_id=tenant, variant_slug="v1", created_at=at(10, 2)),
    ])
    await uow.audit.append(audit(f"{tenant}-audit-1", tenant_id=tenant, decision_timestamp=T0))
    await uow.audit.append(audit(f"{tenant}-audit-2", tenant_id=tenant, decision="REJECTED",
                                 decision_timestamp=at(10, 13)))


def _dump(items: object) -> object:
    if isinstance(items, BaseModel):
        return items.model_dump()
    if isinstance(items, list | tuple):
        return [_dump(i) for i in items]
    if isinstance(items, dict):
        return {k: _dump(v) for k, v in items.items()}
    return items


async def snapshot(uow: UnitOfWork, tenant: str) -> dict[str, object]:
    """Every read of every port for ``tenant``, as plain data keyed by port then method."""
    a = uow.analytics
    analytics: dict[str, object] = {
        "cost_metrics": await a.cost_metrics(tenant, DAY, Resolution.HOUR),
        "run_usage": await a.run_usage(tenant, DAY, Resolution.DAY),
        "worker_executions": await a.worker_executions(tenant, DAY, Resolution.DAY),
        "cost_spend": await a.cost_spend(tenant, DAY, Resolution.DAY),
        **{f"breakdown_{dim.value}": await a.cost_breakdown(tenant, DAY, dim)
           for dim in Dimension},
        **{f"values_{dim.value}": await a.dimension_values(tenant, dim, None, 50, None)
           for dim in Dimension},
        **{f"values_{dim.value}_in_window": await a.dimension_values(tenant, dim, DAY, 50, None)
           for dim in Dimension},
    }
    c = uow.costs
    costs: dict[str, object] = {
        "tags": await c.list_feature_tags(tenant),
        "tag": await c.get_feature_tag(tenant, names_of(tenant).tags[0]),
        "active_tags": await c.list_feature_tags(tenant, include_inactive=False),
        "budgets": await c.list_budgets(tenant),
        "active_budgets": await c.list_budgets(tenant, active_only=True),
    }
    an, records = uow.cost_anomalies, uow.anomaly_records
    anomaly_list = await records.list_anomalies(tenant, AnomalyFilter(), limit=50)
    anomalies: dict[str, object] = {
        "daily_usage": await an.daily_usage(tenant, list(EntityType), d(9), T0),
        "budget_spend": await an.budget_spend(tenant, DAY0, T0),
        "streaks": sorted((await an.breach_streaks(
            tenant, AnomalyType.ABSOLUTE_SPIKE.value, DAY0)).items()),
        "drift": await an.drift_trackers(tenant),
        "list": anomaly_list,
        "get": [await records.get_anomaly(tenant, x.id) for x in anomaly_list.items],
    }
    p, fb = uow.patterns, uow.pattern_feedback
    feedback_list = await fb.list_feedback(tenant, FeedbackFilter(), limit=50)
    patterns: dict[str, object] = {
        "failed_runs": await p.failed_runs(tenant, SINCE, UNTIL, 50),
        "cost_runs": await p.recent_cost_runs(tenant, SINCE, UNTIL, 10),
        "list": feedback_list,
        "stats": await fb.feedback_stats(tenant),
        "get": [await fb.get_feedback(tenant, x.id) for x in feedback_list.items],
    }
    pr, stored = uow.predictions, uow.prediction_records
    prediction_list = await stored.list_predictions(
        tenant, PredictionFilter(include_expired=True), now=T0, limit=50)
    predictions: dict[str, object] = {
        "failure_patterns": await pr.failure_patterns(tenant, SINCE, UNTIL),
        "totals": await pr.worker_run_totals(tenant, SINCE, UNTIL),
        "failed_runs": await pr.recent_failed_runs(tenant, SINCE, UNTIL, 10),
        "cost_runs": await pr.recent_cost_runs(tenant, SINCE, UNTIL, 10),
        "list": prediction_list,
        "stats": await stored.prediction_stats(tenant, include_expired=True, now=T0),
        "get": [await stored.get_prediction(tenant, x.id) for x in prediction_list.items],
    }
    pv = uow.provenance
    provenance_reads: dict[str, object] = {
        "query": await pv.query(tenant, ProvenanceFilter(), limit=50),
        "count": await pv.count(tenant, ProvenanceFilter()),
        "drift": await pv.drift_stats(tenant),
        "duplicate": await pv.is_duplicate(tenant, "hash-0001"),
    }
    audit_reads: dict[str, object] = {
        "list": await uow.audit.list_records(tenant, AuditFilter(), limit=50)}
    return {name: _dump(reads) for name, reads in zip(PORTS, [
        analytics, costs, anomalies, patterns, predictions, provenance_reads, audit_reads],
        strict=True)}
