"""One small, hand-computed dataset written through the write ports (tenant-a and tenant-b).

The reference instant is T0 = Tuesday 2026-03-10 12:00 UTC. Numbers the tests check:

cost records of tenant-a (spend 11.75 cents):
  03-09 10:00  gpt-4o       100/50 tokens   1.5 c   user u1  feature chat.reply  run 1, wf1, s1
  03-09 11:00  gpt-4o-mini  200/100         0.25 c  user u2  feature chat.reply
  03-10 09:00  claude-3-5   1000/500        10 c    user u1  feature search.query
tenant-b: one record of 999 cents on 03-09.

worker runs of tenant-a: run 1 completed 03-09 10:00 (500 tokens), run 2 queued 03-09 12:00,
run 3 failed 03-10 08:00 (100 tokens).
budgets of tenant-a: tenant (daily 20, monthly 100), feature chat.reply (monthly 2, warn 50),
user u1 (daily 5), user u2 inactive.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from costsight.core.domain.anomalies import AnomalyStatus, AnomalyType, Severity
from costsight.core.domain.costs import BudgetType
from tests.contract.builders import (
    OTHER_TENANT,
    T0,
    TENANT,
    at,
    audit,
    budget,
    completed_run,
    cost,
    detected,
    failed_run,
    feature_tag,
    feedback,
    prediction,
    provenance,
    worker_run,
)


async def seed_metering(storage: Any) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.create_feature_tag(feature_tag("chat.reply"))
        await uow.costs.create_feature_tag(feature_tag("search.query"))
        await uow.costs.create_feature_tag(feature_tag("old.thing", is_active=False))
        await uow.costs.upsert_worker_runs([
            completed_run(1, "4", created_at=at(9, 10), total_tokens=500),
            worker_run(2, created_at=at(9, 12)),
            failed_run(3, created_at=at(10, 8), total_tokens=100),
        ])
        await uow.costs.record_costs([
            cost(created_at=at(9, 10), user_id="u1", feature_tag="chat.reply",
                 worker_run_id=completed_run(1).id, workflow_id="wf1", skill_id="s1"),
            cost(created_at=at(9, 11), model="gpt-4o-mini", input_tokens=200, output_tokens=100,
                 cost_cents=Decimal("0.25"), user_id="u2", feature_tag="chat.reply"),
            cost(created_at=at(10, 9), model="claude-3-5-sonnet", input_tokens=1000,
                 output_tokens=500, cost_cents=Decimal("10"), user_id="u1",
                 feature_tag="search.query", request_id="req-1"),
            cost(tenant_id=OTHER_TENANT, created_at=at(9, 10), cost_cents=Decimal("999")),
        ])
        await uow.costs.upsert_budget(budget(daily_limit_cents=Decimal("20"),
                                             monthly_limit_cents=Decimal("100")))
        await uow.costs.upsert_budget(budget(BudgetType.FEATURE, "chat.reply",
                                             monthly_limit_cents=Decimal("2"),
                                             warn_threshold_pct=50))
        await uow.costs.upsert_budget(budget(BudgetType.USER, "u1", daily_limit_cents=Decimal("5")))
        await uow.costs.upsert_budget(budget(BudgetType.USER, "u2", daily_limit_cents=Decimal("5"),
                                             is_active=False))
        await uow.commit()


async def seed_findings(storage: Any) -> dict[str, str]:
    """Anomalies, feedback, predictions, provenance and audit records; returns named ids."""
    async with storage.unit_of_work() as uow:
        spike, drift, other = await uow.anomaly_records.upsert_anomalies([
            detected(entity_id="u1", message="u1 spike"),
            detected(anomaly_type=AnomalyType.SUSTAINED_DRIFT, severity=Severity.MEDIUM,
                     entity_type="tenant", entity_id=TENANT, deviation_pct=30.0,
                     threshold_ratio=1.25, derived_cause="TRAFFIC_GROWTH",
                     message="tenant drift"),
            detected(tenant_id=OTHER_TENANT, entity_id="ub", message="other tenant"),
        ], since=T0 - timedelta(days=1), now=T0 - timedelta(hours=2))
        await uow.anomaly_records.set_anomaly_status(TENANT, drift.id, AnomalyStatus.ACKNOWLEDGED,
                                               T0 - timedelta(hours=1))
        fb_fail, fb_cost = await uow.pattern_feedback.upsert_feedback([
            feedback("sig-1"),
            feedback("cost_spike_worker-a", pattern_type="cost_spike", severity="warning",
                     description="worker-a newest run 80% above its mean"),
        ], open_since=T0 - timedelta(days=1), now=T0 - timedelta(hours=3))
        await uow.pattern_feedback.acknowledge_feedback(TENANT, fb_cost.id, by="ops", at=T0)
        await uow.prediction_records.upsert_predictions([
            prediction("worker-a", confidence_score=0.9),
            prediction("worker-b", prediction_type="cost_overrun", confidence_score=0.4,
                       prediction_value={"overrun_pct": 40}),
            prediction("worker-c", expires_at=T0 - timedelta(hours=1)),
        ], now=T0 - timedelta(days=2))
        await uow.provenance.write_batch([
            provenance(1, v1_cost=Decimal("100"), v2_cost=Decimal("101"),
                       created_at=T0 - timedelta(hours=5)),
            provenance(2, v1_cost=Decimal("100"), v2_cost=Decimal("150"),
                       created_at=T0 - timedelta(hours=4)),
            provenance(3, variant_slug="canary", source="canary", v1_cost=Decimal("100"),
                       v2_cost=Decimal("90"), created_at=T0 - timedelta(hours=3)),
            provenance(4, v2_cost=None, created_at=T0 - timedelta(hours=2)),
        ])
        await uow.audit.append(audit("a-1", decision_timestamp=T0 - timedelta(hours=3)))
        await uow.audit.append(audit("a-2", envelope_id="env-2", envelope_class="SAFETY",
                                     decision="PREEMPTED", reason="Preempted by higher-priority "
                                     "envelope", preempting_envelope_id="env-9",
                                     decision_timestamp=T0 - timedelta(hours=2)))
        await uow.audit.append(audit("a-3", tenant_id=OTHER_TENANT))
        await uow.commit()
    return {"spike": spike.id, "drift": drift.id, "other_tenant_anomaly": other.id,
            "feedback_failure": fb_fail.id, "feedback_cost": fb_cost.id}


async def seed_database(url: str, *, findings: bool = False) -> str:
    """Seed the SQL database at ``url`` (already migrated) through the ports; returns ``url``."""
    from costsight.bootstrap import open_storage

    storage = await open_storage(url)
    try:
        await seed_metering(storage)
        if findings:
            await seed_findings(storage)
    finally:
        await storage.aclose()
    return url
