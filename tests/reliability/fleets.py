"""Randomised multi-tenant data (hypothesis) seeded through the write ports, and what each
tenant must then see: tenants share user ids, request ids, feature tags, input hashes and
worker names on purpose, so a read that forgets its tenant filter shows up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from costsight.core.domain.costs import BudgetType
from tests.contract.builders import (
    MIDNIGHT,
    T0,
    audit,
    budget,
    completed_run,
    cost,
    detected,
    feature_tag,
    feedback,
    prediction,
    provenance,
)

START = MIDNIGHT - timedelta(days=1)  # 2026-03-09 00:00 UTC; data spans two days
TAGS = ("chat.reply", "search.query", "billing.invoice")
USERS = ("u1", "u2", "u3", None)
REQUESTS = ("req-1", "req-2", "req-3", None)
HASHES = ("hash-0001", "hash-0002", "hash-0003")

#: Tenant ids are opaque: case, prefixes, LIKE wildcards, quotes and non-ASCII must not matter.
TRICKY_TENANTS = ("a", "A", "a%", "a_", "ab", "tenant'; DROP TABLE cost_records; --",
                  "ténant", "テナント", "t.1", "t 1")
tenant_ids = st.one_of(
    st.sampled_from(TRICKY_TENANTS),
    st.text(alphabet="abcAB01-_%.'é ", min_size=1, max_size=16).filter(
        lambda s: s == s.strip() and s != ""),
)


@dataclass(frozen=True)
class CostSpec:
    user: str | None
    model: str
    tag: str | None
    request: str | None
    cents: Decimal
    hour: int


@dataclass
class TenantData:
    tenant: str
    index: int
    costs: list[CostSpec]
    tags: dict[str, bool]
    daily_limit: Decimal | None
    anomaly_users: list[str]
    hashes: list[str]
    audits: int
    with_findings: bool
    anomaly_ids: list[str] = field(default_factory=list)

    def stored_costs(self) -> list[CostSpec]:
        """What storage keeps: the first record of each request id (records without one all)."""
        seen: set[str] = set()
        kept = []
        for spec in self.costs:
            if spec.request is not None:
                if spec.request in seen:
                    continue
                seen.add(spec.request)
            kept.append(spec)
        return kept

    def spend(self) -> Decimal:
        return sum((c.cents for c in self.stored_costs()), Decimal(0))

    def spend_by_user(self) -> dict[str, Decimal]:
        by: dict[str, Decimal] = {}
        for c in self.stored_costs():
            key = c.user or "unknown"
            by[key] = by.get(key, Decimal(0)) + c.cents
        return by

    def audit_ids(self) -> list[str]:
        return [f"{self.index}-audit-{k}" for k in range(self.audits)]


cost_specs = st.builds(
    CostSpec,
    user=st.sampled_from(USERS), model=st.sampled_from(("gpt-4o", "claude-3-5-sonnet")),
    tag=st.sampled_from((*TAGS, None)), request=st.sampled_from(REQUESTS),
    cents=st.integers(0, 100_000).map(lambda n: Decimal(n).scaleb(-2)),
    hour=st.integers(0, 47),
)


@st.composite
def fleets(draw: st.DrawFn) -> list[TenantData]:
    names = draw(st.lists(tenant_ids, min_size=3, max_size=3, unique=True))
    return [TenantData(
        tenant=name, index=i,
        costs=draw(st.lists(cost_specs, max_size=8)),
        tags=draw(st.dictionaries(st.sampled_from(TAGS), st.booleans(), max_size=3)),
        daily_limit=draw(st.none() | st.integers(1, 10_000).map(Decimal)),
        anomaly_users=draw(st.lists(st.sampled_from(USERS[:3]), unique=True, max_size=2)),
        hashes=draw(st.lists(st.sampled_from(HASHES), unique=True, max_size=3)),
        audits=draw(st.integers(0, 2)),
        with_findings=draw(st.booleans()),
    ) for i, name in enumerate(names)]


async def seed(storage: Any, data: TenantData) -> None:
    """Write one tenant's data through the write ports, in one unit of work."""
    t = data.tenant
    async with storage.unit_of_work() as uow:
        for tag, active in data.tags.items():
            await uow.costs.create_feature_tag(feature_tag(tag, tenant_id=t, is_active=active))
        runs = [completed_run(data.index * 10 + n, tenant_id=t, created_at=START
                              + timedelta(hours=n)) for n in range(2)]
        await uow.costs.upsert_worker_runs(runs)
        await uow.costs.record_costs([
            cost(tenant_id=t, user_id=c.user, model=c.model, feature_tag=c.tag,
                 request_id=c.request, cost_cents=c.cents,
                 created_at=START + timedelta(hours=c.hour)) for c in data.costs])
        if data.daily_limit is not None:
            await uow.costs.upsert_budget(budget(BudgetType.TENANT, tenant_id=t,
                                                 daily_limit_cents=data.daily_limit))
        stored = await uow.anomaly_records.upsert_anomalies(
            [detected(tenant_id=t, entity_id=u) for u in data.anomaly_users],
            since=MIDNIGHT, now=T0)
        data.anomaly_ids = [a.id for a in stored]
        if data.with_findings:
            await uow.pattern_feedback.upsert_feedback([feedback("sig-1", tenant_id=t)],
                                               open_since=MIDNIGHT, now=T0)
            await uow.prediction_records.upsert_predictions([prediction("worker-a", tenant_id=t)],
                                                     now=T0)
        if data.hashes:
            await uow.provenance.write_batch([
                provenance(n, tenant_id=t, input_hash=h, created_at=START + timedelta(hours=n))
                for n, h in enumerate(data.hashes)])
        for audit_id in data.audit_ids():
            await uow.audit.append(audit(audit_id, tenant_id=t))
        await uow.commit()
