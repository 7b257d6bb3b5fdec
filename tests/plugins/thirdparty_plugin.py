"""A third-party plugin, as an installed package would ship it (loaded through entry points).

It adds a detector (a hard daily cap on tenant spend) and a cause deriver that takes precedence
over every built-in cause for tenant-level anomalies. The detector leaves the cause to the
engines facade, which runs every registered deriver after the detectors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from costsight.core.domain.anomalies import AnomalyType, DetectedAnomaly, Severity
from costsight.core.engines import AnomalyContext, AnomalyFindings, CauseEvidence
from costsight.core.plugins import hookimpl

CAP_CENTS = Decimal(1000)
CAUSE = "BATCH_BACKFILL"


@dataclass(frozen=True)
class HardCapDetector:
    name: str = "thirdparty_hard_cap"
    order: int = 900

    def detect(self, context: AnomalyContext) -> AnomalyFindings:
        spent = context.spend_on("tenant", context.tenant_id, context.today)
        if spent < CAP_CENTS:
            return AnomalyFindings()
        return AnomalyFindings(anomalies=(DetectedAnomaly(
            tenant_id=context.tenant_id, anomaly_type=AnomalyType.ABSOLUTE_SPIKE,
            severity=Severity.HIGH, entity_type="tenant", entity_id="hard-cap",
            current_value_cents=spent, expected_value_cents=CAP_CENTS,
            deviation_pct=float((spent / CAP_CENTS - 1) * 100), threshold_ratio=1.0,
            message=f"Tenant spent {spent} cents today, over the hard cap"),))


@dataclass(frozen=True)
class BatchBackfillCause:
    name: str = CAUSE
    order: int = 50  # before RETRY_LOOP (100)

    def derive(self, evidence: CauseEvidence) -> str | None:
        if evidence.entity_type == "tenant":
            return CAUSE
        return None


@hookimpl
def costsight_register_anomaly_detectors(register: Callable[[object], None]) -> None:
    register(HardCapDetector())


@hookimpl
def costsight_register_cause_derivers(register: Callable[[object], None]) -> None:
    register(BatchBackfillCause())
