"""Demo feature tags, budgets (one overrun planted per incident tenant), provenance, audit."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from costsight.core.domain.audit import AuditDecision, AuditRecord, EnvelopeClass
from costsight.core.domain.costs import BudgetType, BudgetUpsert, NewCostRecord, NewFeatureTag
from costsight.core.domain.provenance import NewProvenance
from costsight.core.timeutil import day_start
from costsight.demo.catalog import MICRO, MODEL_PRICES, TENANTS, WEEKDAY_FACTOR, call_cost_cents
from costsight.demo.workers import demo_uuid

PROVENANCE_PER_TENANT = 30
PROVENANCE_DAYS = 10
#: V2 / V1 cost ratio range per tenant: acme and initech agree, globex's V2 drifts upwards.
V2_FACTORS = {"acme": (0.99, 1.03), "globex": (1.15, 1.70), "initech": (0.995, 1.01)}
AUDIT_PER_TENANT = 8
AUDIT_REASONS = {
    AuditDecision.APPLIED: "no conflicting envelope active",
    AuditDecision.REJECTED: "conflicts with an active SAFETY envelope",
    AuditDecision.PREEMPTED: "preempted by a higher-priority envelope",
}


def feature_tags() -> list[NewFeatureTag]:
    return [NewFeatureTag(tenant_id=t.tenant_id, tag=f.tag, display_name=f.display_name,
                          description=f"{f.display_name} on {f.model}")
            for t in TENANTS for f in t.features]


def weekday_feature_spend(tenant_id: str, tag: str) -> Decimal:
    """Expected spend of a feature on an ordinary weekday (mean tokens, list prices)."""
    tenant = next(t for t in TENANTS if t.tenant_id == tenant_id)
    feature = next(f for f in tenant.features if f.tag == tag)
    calls = sum(u.calls.get(tag, 0) for u in tenant.users)
    return calls * call_cost_cents(feature.model, feature.input_tokens, feature.output_tokens)


def _tenant_weekday_spend(tenant_id: str) -> Decimal:
    tenant = next(t for t in TENANTS if t.tenant_id == tenant_id)
    return sum((weekday_feature_spend(tenant_id, f.tag) for f in tenant.features), Decimal(0))


def budgets(costs: Sequence[NewCostRecord], end: datetime) -> list[BudgetUpsert]:
    """acme: a daily support.reply budget the retry loop blows through; globex: a monthly
    tenant budget already 11 % over at ``end``; initech: a generous tenant budget."""
    month_start = day_start(end.date().replace(day=1))
    globex_mtd = sum((r.cost_cents or Decimal(0) for r in costs
                      if r.tenant_id == "globex" and month_start <= r.created_at <= end),
                     Decimal(0))
    initech_daily = _tenant_weekday_spend("initech")
    avg_week = Decimal(repr(sum(WEEKDAY_FACTOR) / 7))
    return [
        BudgetUpsert(tenant_id="acme", budget_type=BudgetType.FEATURE, entity_id="support.reply",
                     daily_limit_cents=_cents(weekday_feature_spend("acme", "support.reply")
                                              * Decimal("1.5")),
                     warn_threshold_pct=80),
        BudgetUpsert(tenant_id="globex", budget_type=BudgetType.TENANT,
                     monthly_limit_cents=_cents(globex_mtd * Decimal("0.9")),
                     warn_threshold_pct=75),
        BudgetUpsert(tenant_id="initech", budget_type=BudgetType.TENANT,
                     daily_limit_cents=_cents(initech_daily * 4),
                     monthly_limit_cents=_cents(initech_daily * avg_week * 31 * 3),
                     warn_threshold_pct=80),
    ]


def _cents(amount: Decimal) -> Decimal:
    return max(amount.quantize(Decimal("0.01")), Decimal("0.01"))


def provenance_rows(rng: random.Random, last_day: date, end: datetime) -> list[NewProvenance]:
    """V1/V2 cost simulator pairs: recent shadow runs of V2 beside the production V1."""
    rows: list[NewProvenance] = []
    models = sorted(MODEL_PRICES)
    for tenant in TENANTS:
        low, high = V2_FACTORS[tenant.tenant_id]
        for i in range(PROVENANCE_PER_TENANT):
            at = day_start(last_day - timedelta(days=rng.randrange(PROVENANCE_DAYS))) \
                + timedelta(seconds=rng.uniform(0, 72_000))
            v1 = Decimal(rng.randint(50, 5_000)) / 10
            v2 = (v1 * Decimal(repr(rng.uniform(low, high)))).quantize(MICRO)
            plan = {"tenant": tenant.tenant_id, "plan": f"plan-{i:03d}",
                    "model": models[i % len(models)], "steps": rng.randint(3, 12)}
            if at > end:
                continue
            rows.append(NewProvenance(
                tenant_id=tenant.tenant_id, variant_slug="v2", source="sandbox",
                run_id=demo_uuid(f"{tenant.tenant_id}/costsim/{i}"),
                model_version="costsim-2.3.1", adapter_version="v2-adapter-0.9",
                commit_sha=hashlib.sha1(f"demo-{i % 3}".encode()).hexdigest()[:12],
                v1_cost=v1, v2_cost=v2, payload=plan,
                runtime_ms=rng.randint(20, 400), created_at=at))
    return rows


def audit_records(rng: random.Random, last_day: date, end: datetime) -> list[AuditRecord]:
    """Coordination decisions about envelopes, a few per tenant over the last week."""
    records: list[AuditRecord] = []
    classes = list(EnvelopeClass)
    decisions = list(AuditDecision)
    for tenant in TENANTS:
        for i in range(AUDIT_PER_TENANT):
            at = day_start(last_day - timedelta(days=rng.randrange(7))) \
                + timedelta(seconds=rng.uniform(0, 72_000))
            decision = decisions[i % len(decisions)]
            envelope_class = classes[rng.randrange(len(classes))]
            if at > end:
                continue
            records.append(AuditRecord(
                audit_id=f"demo-{tenant.tenant_id}-{i:04d}",
                envelope_id=f"env-{tenant.tenant_id}-{i:03d}",
                envelope_class=envelope_class, decision=decision,
                reason=AUDIT_REASONS[decision], decision_timestamp=at,
                conflicting_envelope_id=(f"env-{tenant.tenant_id}-safety"
                                         if decision is AuditDecision.REJECTED else None),
                preempting_envelope_id=(f"env-{tenant.tenant_id}-priority"
                                        if decision is AuditDecision.PREEMPTED else None),
                active_envelopes_count=rng.randint(1, 4), tenant_id=tenant.tenant_id))
    return records
