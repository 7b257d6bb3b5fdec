"""CostSim V1/V2 provenance and drift statistics."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from costsight.core.domain.base import Frozen, TenantId
from costsight.core.money import Cents
from costsight.core.timeutil import UtcDateTime


class DriftVerdict(StrEnum):
    MATCH = "MATCH"
    MINOR_DRIFT = "MINOR_DRIFT"
    MAJOR_DRIFT = "MAJOR_DRIFT"
    MISMATCH = "MISMATCH"


def compute_input_hash(payload: Any) -> str:
    """Full SHA-256 hex of canonical JSON (sorted keys, compact separators, ASCII)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def drift_verdict(v1_cost: Decimal, v2_cost: Decimal) -> DriftVerdict:
    """Verdict of one V1/V2 pair: drift score 0.6 x min(|delta|/max(v1,1), 1), banded."""
    delta_pct = abs(v2_cost - v1_cost) / max(v1_cost, Decimal(1)) if v1_cost > 0 else Decimal(0)
    score = round(0.6 * min(float(delta_pct), 1.0), 4)
    if score <= 0.05:
        return DriftVerdict.MATCH
    if score <= 0.15:
        return DriftVerdict.MINOR_DRIFT
    if score <= 0.30:
        return DriftVerdict.MAJOR_DRIFT
    return DriftVerdict.MISMATCH


Hash = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class NewProvenance(Frozen):
    """One V1/V2 cost pair. ``input_hash`` is computed from ``payload`` when absent."""

    tenant_id: TenantId
    variant_slug: Annotated[str, StringConstraints(min_length=1, max_length=32)] = "v2"
    source: Annotated[str, StringConstraints(min_length=1, max_length=32)] = "sandbox"
    run_id: str | None = None
    model_version: str | None = None
    adapter_version: str | None = None
    commit_sha: str | None = None
    input_hash: Hash | None = None
    output_hash: Hash | None = None
    v1_cost: Cents | None = None
    v2_cost: Cents | None = None
    payload: dict[str, Any] | None = None
    runtime_ms: int | None = Field(None, ge=0)
    created_at: UtcDateTime | None = None

    @model_validator(mode="before")
    @classmethod
    def _hash_from_payload(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("input_hash") is None \
                and isinstance(data.get("payload"), dict):
            data = {**data, "input_hash": compute_input_hash(data["payload"])}
        return data

    @property
    def cost_delta(self) -> Decimal | None:
        if self.v1_cost is None or self.v2_cost is None:
            return None
        return self.v2_cost - self.v1_cost


class Provenance(Frozen):
    id: int
    tenant_id: str
    variant_slug: str
    source: str
    run_id: str | None = None
    model_version: str | None = None
    adapter_version: str | None = None
    commit_sha: str | None = None
    input_hash: str | None = None
    output_hash: str | None = None
    v1_cost: Cents | None = None
    v2_cost: Cents | None = None
    cost_delta: Cents | None = None
    payload: dict[str, Any] | None = None
    runtime_ms: int | None = None
    created_at: UtcDateTime


class ProvenanceFilter(Frozen):
    """Equality filters AND-ed; the time window is half-open [start, end)."""

    variant_slug: str | None = None
    source: str | None = None
    input_hash: str | None = None
    run_id: str | None = None
    start: UtcDateTime | None = None
    end: UtcDateTime | None = None


class DriftStats(Frozen):
    """Over rows with both costs: count, avg/min/max and sample stddev of cost_delta (cents)."""

    total: int = 0
    avg_delta: float = 0.0
    min_delta: float = 0.0
    max_delta: float = 0.0
    stddev_delta: float = 0.0
    verdicts: dict[str, int] = Field(default_factory=dict)


class BackfillReport(Frozen):
    inserted: int = 0
    skipped: int = 0
    errors: int = 0
    error_messages: list[str] = Field(default_factory=list)
