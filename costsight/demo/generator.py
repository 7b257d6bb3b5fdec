"""Generate the demo workload: pure and deterministic for a (seed, end instant, days) triple.

Every random draw comes from one ``random.Random(seed)`` in a fixed order, and records after
``end`` are dropped only after they were drawn, so the same seed gives the same data whatever
the time of day ``end`` falls on. Ids and request ids are derived from names, so writing the
workload twice stores it once (cost records dedupe by request_id, runs upsert by id, tags and
budgets by key, provenance by input hash, audit records by audit_id).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from costsight.core.domain.audit import AuditRecord
from costsight.core.domain.costs import BudgetUpsert, NewCostRecord, NewFeatureTag, WorkerRun
from costsight.core.domain.provenance import NewProvenance
from costsight.core.timeutil import day_start, require_aware, utc_day
from costsight.demo.catalog import (
    RETRY_FEATURE,
    RETRY_TENANT,
    RETRY_USER,
    TENANTS,
    WEEKDAY_FACTOR,
    Tenant,
    call_cost_cents,
)
from costsight.demo.extras import audit_records, budgets, feature_tags, provenance_rows
from costsight.demo.workers import worker_runs

DEFAULT_SEED = 42
DEFAULT_DAYS = 35
#: detection is replayed over this many days ending with the end instant
REPLAY_DAYS = 5
END_HOUR = 20

#: Retry loop: retried calls (with the conversation re-sent: 6x the input tokens) on the day
#: before the end and on the end day; the share of retries grows > 1.5x between the two days.
RETRIES_DAY_BEFORE = 24
RETRIES_END_DAY = 400
RETRY_INPUT_FACTOR = 6
#: Prompt growth: input tokens of the drift tenant grow linearly over the last 20 days to 2.2x.
DRIFT_RAMP_DAYS = 20
DRIFT_RAMP_GROWTH = 1.2


@dataclass(frozen=True)
class DemoWorkload:
    """The generated records, grouped by kind, and when they end."""

    seed: int
    end: datetime
    days: int
    feature_tags: list[NewFeatureTag] = field(default_factory=list)
    budgets: list[BudgetUpsert] = field(default_factory=list)
    worker_runs: list[WorkerRun] = field(default_factory=list)
    cost_records: list[NewCostRecord] = field(default_factory=list)
    provenance: list[NewProvenance] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)

    @property
    def tenant_ids(self) -> list[str]:
        return [t.tenant_id for t in TENANTS]

    def replay_instants(self, days: int = REPLAY_DAYS) -> list[datetime]:
        """The instants detection is replayed at: the end, and the same time on earlier days."""
        return [self.end - timedelta(days=k) for k in reversed(range(days))]

    def records(self) -> Iterator[tuple[str, BaseModel]]:
        """(type, record) in an order ingest writes efficiently (tags and runs before costs)."""
        for kind, items in (("feature_tag", self.feature_tags), ("budget", self.budgets),
                            ("worker_run", self.worker_runs),
                            ("cost_record", self.cost_records),
                            ("provenance", self.provenance), ("audit_record", self.audit)):
            for item in items:
                yield kind, item

    def jsonl(self) -> Iterator[str]:
        """The workload in the ingest format, one JSON object per line."""
        for kind, item in self.records():
            body = item.model_dump(mode="json", exclude_none=True)
            yield json.dumps({"type": kind, **body}, separators=(",", ":"))


def default_end(now: datetime) -> datetime:
    """The most recent 20:00 UTC at or before ``now`` (so the last day is mostly complete)."""
    now = require_aware(now)
    end = day_start(utc_day(now)) + timedelta(hours=END_HOUR)
    return end if end <= now else end - timedelta(days=1)


def generate_workload(*, end: datetime, seed: int = DEFAULT_SEED,
                      days: int = DEFAULT_DAYS) -> DemoWorkload:
    """Build the whole workload ending at ``end`` (aware), covering ``days`` UTC days."""
    end = require_aware(end)
    if days < 30:
        raise ValueError("the demo needs at least 30 days of history (drift baseline)")
    rng = random.Random(seed)
    last_day = utc_day(end)
    first_day = last_day - timedelta(days=days - 1)
    costs = [record for tenant in TENANTS
             for record in _cost_records(rng, tenant, first_day, last_day, end)]
    runs = [run for tenant in TENANTS for run in worker_runs(rng, tenant, first_day, last_day, end)]
    return DemoWorkload(
        seed=seed, end=end, days=days,
        feature_tags=feature_tags(),
        budgets=budgets(costs, end),
        worker_runs=runs,
        cost_records=costs,
        provenance=provenance_rows(rng, last_day, end),
        audit=audit_records(rng, last_day, end),
    )


def _prompt_factor(tenant: Tenant, day: date, last_day: date) -> float:
    if tenant.tenant_id != "globex":
        return 1.0
    into_ramp = DRIFT_RAMP_DAYS - (last_day - day).days
    return 1.0 + DRIFT_RAMP_GROWTH * max(0, into_ramp) / DRIFT_RAMP_DAYS


def _retries(tenant: Tenant, user: str, feature: str, day: date, last_day: date) -> int:
    if (tenant.tenant_id, user, feature) != (RETRY_TENANT, RETRY_USER, RETRY_FEATURE):
        return 0
    return {1: RETRIES_DAY_BEFORE, 0: RETRIES_END_DAY}.get((last_day - day).days, 0)


def _cost_records(rng: random.Random, tenant: Tenant, first_day: date, last_day: date,
                  end: datetime) -> Iterator[NewCostRecord]:
    features = {f.tag: f for f in tenant.features}
    day = first_day
    while day <= last_day:
        start = day_start(day)
        volume = WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.96, 1.04)
        prompt = _prompt_factor(tenant, day, last_day)
        seq = 0
        for user in tenant.users:
            for tag in sorted(user.calls):
                feature = features[tag]
                calls = round(user.calls[tag] * volume * rng.uniform(0.95, 1.05))
                retries = _retries(tenant, user.user_id, tag, day, last_day)
                for n in range(calls + retries):
                    seq += 1
                    is_retry = n >= calls
                    at = start + timedelta(seconds=rng.uniform(0, 86_399))
                    input_tokens = round(feature.input_tokens * prompt * rng.uniform(0.8, 1.2)
                                         * (RETRY_INPUT_FACTOR if is_retry else 1))
                    output_tokens = round(feature.output_tokens * rng.uniform(0.8, 1.2))
                    if at > end:
                        continue
                    yield NewCostRecord(
                        tenant_id=tenant.tenant_id, model=feature.model,
                        input_tokens=input_tokens, output_tokens=output_tokens,
                        cost_cents=call_cost_cents(feature.model, input_tokens, output_tokens),
                        created_at=at, user_id=user.user_id, feature_tag=tag,
                        request_id=f"demo-{tenant.tenant_id}-{day:%Y%m%d}-{seq:05d}",
                        workflow_id=f"wf-{tag.split('.')[0]}", is_retry=is_retry)
        day += timedelta(days=1)

