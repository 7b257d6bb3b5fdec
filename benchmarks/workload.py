"""Deterministic benchmark workload: cost records with realistic shape, seeded.

Shape: tenants of Zipf-like sizes (the largest holds about a third of the traffic), users per
tenant with log-normal activity, a handful of registered feature tags per tenant (plus untagged
calls and a few unregistered tags that costsight stores as ``unclassified``), models at their
real list prices (USD per million input / output tokens), log-normal token counts per feature,
a diurnal and weekly rhythm, 4 % retries, request ids on 90 % of calls.

Rows are storage tuples in ``COLUMNS`` order (money already integer micro-cents), so the raw
physical-limit writers and costsight's own path receive exactly the same data.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from costsight.core.domain.costs import NewCostRecord
from costsight.core.money import MICROS_PER_CENT

#: model -> (USD per 1M input tokens, USD per 1M output tokens), list prices.
MODEL_PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "claude-sonnet-4": (Decimal("3.00"), Decimal("15.00")),
    "claude-3-5-haiku": (Decimal("0.80"), Decimal("4.00")),
    "claude-opus-4": (Decimal("15.00"), Decimal("75.00")),
    "gemini-2.0-flash": (Decimal("0.10"), Decimal("0.40")),
}
#: Micro-cents per token: USD/1M tokens x 100 cents x 1e6 micro / 1e6 tokens = price x 100.
_MICROS_PER_TOKEN = {m: (int(i * 100), int(o * 100)) for m, (i, o) in MODEL_PRICES.items()}
#: How often each model is picked for a feature (cheap models carry most traffic).
_MODEL_WEIGHTS = {"gpt-4o-mini": 30, "gemini-2.0-flash": 12, "claude-3-5-haiku": 14,
                  "gpt-4.1-mini": 12, "gpt-4o": 14, "gpt-4.1": 6, "claude-sonnet-4": 10,
                  "claude-opus-4": 2}
_FEATURE_NAMES = ("support.reply", "code.review", "search.summarize", "rag.answer",
                  "reports.generate", "chat.assist", "docs.qa", "code.assist", "email.triage",
                  "invoice.parse", "sales.outreach", "translate.doc")
#: Hour-of-day traffic (UTC), working hours heavier; weekday factor Monday first.
_HOURS = [0.3, 0.25, 0.2, 0.2, 0.25, 0.35, 0.6, 0.9, 1.2, 1.4, 1.5, 1.5,
          1.4, 1.5, 1.5, 1.4, 1.3, 1.1, 0.9, 0.7, 0.6, 0.5, 0.4, 0.35]
_WEEKDAYS = [1.0, 1.05, 1.0, 0.98, 0.92, 0.55, 0.45]

COLUMNS = ("id", "tenant_id", "user_id", "feature_tag", "request_id", "workflow_id", "skill_id",
           "worker_run_id", "model", "input_tokens", "output_tokens", "cost_micros", "is_retry",
           "created_at")
#: The fixed instant the generated history ends at (exclusive), so runs are reproducible.
END = datetime(2026, 3, 2, tzinfo=UTC)
DAYS = 60

Row = tuple


class RowSource(Protocol):
    """What an ingest race reads: slices of a row stream and the tags to register first."""

    def rows(self, count: int, *, offset: int = 0) -> Iterator[Row]: ...

    def feature_tags(self) -> list[tuple[str, str]]: ...


@dataclass(frozen=True)
class FeatureProfile:
    tag: str
    model: str
    input_median: int
    output_median: int


@dataclass(frozen=True)
class TenantProfile:
    tenant_id: str
    weight: float
    users: tuple[str, ...]
    user_weights: tuple[float, ...]
    features: tuple[FeatureProfile, ...]


@dataclass(frozen=True)
class Workload:
    """A seeded description of the fleet; ``rows(n)`` streams n cost-record rows."""

    seed: int
    tenants: tuple[TenantProfile, ...]
    #: the history ends at END and spans this many days
    days: int = DAYS

    @property
    def largest_tenant(self) -> str:
        return max(self.tenants, key=lambda t: t.weight).tenant_id

    @property
    def smallest_tenant(self) -> str:
        return min(self.tenants, key=lambda t: t.weight).tenant_id

    def feature_tags(self) -> list[tuple[str, str]]:
        """(tenant_id, tag) of every registered tag."""
        return [(t.tenant_id, f.tag) for t in self.tenants for f in t.features]

    def rows(self, count: int, *, offset: int = 0) -> Iterator[Row]:
        """Rows ``offset .. offset + count - 1`` of the stream (each index its own RNG state)."""
        tenants = self.tenants
        tenant_cum = _cumulative([t.weight for t in tenants])
        user_cums = [_cumulative(list(t.user_weights)) for t in tenants]
        hour_cum = _cumulative(_HOURS)
        days = self.days
        day_weights = [_WEEKDAYS[(END - timedelta(days=days - d)).weekday()] for d in range(days)]
        day_cum = _cumulative(day_weights)
        start = END - timedelta(days=days)
        chunk = 10_000
        # One RNG per chunk of 10k rows, seeded from (seed, chunk): any slice is reproducible
        # without generating the rows before it (the 10M-row run streams in slices).
        first_chunk, last = offset // chunk, offset + count
        for c in range(first_chunk, (last + chunk - 1) // chunk):
            rng = random.Random(self.seed * 1_000_003 + c)
            for i in range(c * chunk, (c + 1) * chunk):
                row = _row(rng, i, self.seed, tenants, tenant_cum, user_cums, hour_cum,
                           day_cum, start)
                if offset <= i < last:
                    yield row


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


def _pick(rng: random.Random, cum: list[float]) -> int:
    x = rng.random()
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _row(rng: random.Random, i: int, seed: int, tenants: tuple[TenantProfile, ...],
         tenant_cum: list[float], user_cums: list[list[float]], hour_cum: list[float],
         day_cum: list[float], start: datetime) -> Row:
    t = _pick(rng, tenant_cum)
    tenant = tenants[t]
    user = tenant.users[_pick(rng, user_cums[t])] if rng.random() < 0.95 else None
    roll = rng.random()
    feature = tenant.features[int(rng.random() * len(tenant.features))]
    tag: str | None = feature.tag
    if roll < 0.08:
        tag = None
    elif roll < 0.11:
        tag = "experimental.unregistered"  # stored as 'unclassified' by costsight
    is_retry = rng.random() < 0.04
    inputs = max(1, int(feature.input_median * math.exp(rng.gauss(0.0, 0.5))))
    if is_retry:
        inputs *= 2  # a retry re-sends the conversation
    outputs = max(1, int(feature.output_median * math.exp(rng.gauss(0.0, 0.6))))
    per_in, per_out = _MICROS_PER_TOKEN[feature.model]
    created = start + timedelta(days=_pick(rng, day_cum), hours=_pick(rng, hour_cum),
                                seconds=rng.random() * 3600)
    request_id = f"req-{seed}-{i}" if rng.random() < 0.9 else None
    workflow = f"wf-{int(rng.random() * 40)}" if rng.random() < 0.3 else None
    skill = f"skill-{int(rng.random() * 15)}" if rng.random() < 0.2 else None
    return (f"cr_{rng.getrandbits(64):016x}", tenant.tenant_id, user, tag, request_id,
            workflow, skill, None, feature.model, inputs, outputs,
            inputs * per_in + outputs * per_out, is_retry, created)


def build_workload(seed: int = 7, tenants: int = 8, days: int = DAYS) -> Workload:
    """A fleet of ``tenants`` tenants with Zipf weights, users and features drawn from ``seed``,
    calling over the ``days`` days before END."""
    rng = random.Random(seed)
    models = list(_MODEL_WEIGHTS)
    model_cum = _cumulative([float(_MODEL_WEIGHTS[m]) for m in models])
    profiles = []
    for k in range(tenants):
        n_users = int(20 + 400 / (k + 1) + rng.random() * 30)
        weights = tuple(math.exp(rng.gauss(0.0, 1.0)) for _ in range(n_users))
        names = rng.sample(_FEATURE_NAMES, k=3 + int(rng.random() * 5))
        features = tuple(FeatureProfile(
            tag=name, model=models[_pick(rng, model_cum)],
            input_median=int(400 + rng.random() * 5000),
            output_median=int(80 + rng.random() * 900)) for name in sorted(names))
        profiles.append(TenantProfile(
            tenant_id=f"tenant-{k:02d}", weight=1.0 / (k + 1) ** 1.1,
            users=tuple(f"user-{k:02d}-{u:04d}" for u in range(n_users)),
            user_weights=weights, features=features))
    return Workload(seed=seed, tenants=tuple(profiles), days=days)


def to_new_record(row: Row) -> NewCostRecord:
    """The port's input for one row (validated like any client's record)."""
    (_id, tenant_id, user_id, tag, request_id, workflow_id, skill_id, run_id, model,
     inputs, outputs, micros, is_retry, created_at) = row
    return NewCostRecord(
        tenant_id=tenant_id, user_id=user_id, feature_tag=tag, request_id=request_id,
        workflow_id=workflow_id, skill_id=skill_id, worker_run_id=run_id, model=model,
        input_tokens=inputs, output_tokens=outputs,
        cost_cents=Decimal(micros) / MICROS_PER_CENT, is_retry=is_retry, created_at=created_at)


def to_json_line(row: Row) -> dict[str, object]:
    """The ``costsight ingest`` JSON Lines object of one row (cents as an exact string)."""
    record = to_new_record(row)
    out: dict[str, object] = {"type": "cost_record"}
    out.update(record.model_dump(mode="json", exclude_none=True))
    out["cost_cents"] = str(record.cost_cents)
    return out
