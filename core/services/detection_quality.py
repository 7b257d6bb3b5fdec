"""Feedback from labels: an operator's verdict on an anomaly, and each detector's precision.

Moving an anomaly to ``resolved`` labels it a real incident; to ``dismissed`` a false
positive. Per detector (the built-in ones by the anomaly types they emit: ``absolute_spike``,
``sustained_drift``, ``budgets``): precision = resolved / (resolved + dismissed), with the
counts, and the anomalies still unlabelled (open or acknowledged). No label, no precision.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from costsight.core.domain.anomalies import Anomaly, AnomalyStatus, AnomalyType, parse_status
from costsight.core.errors import ValidationError
from costsight.core.ports import Storage
from costsight.core.services.read_models import ReadModel, iso
from costsight.core.timeutil import Clock

#: The detector behind each anomaly type.
DETECTORS: dict[AnomalyType, str] = {
    AnomalyType.ABSOLUTE_SPIKE: "absolute_spike",
    AnomalyType.SUSTAINED_DRIFT: "sustained_drift",
    AnomalyType.BUDGET_WARNING: "budgets",
    AnomalyType.BUDGET_EXCEEDED: "budgets",
}
LABELS = (AnomalyStatus.RESOLVED, AnomalyStatus.DISMISSED)


class DetectorQuality(ReadModel):
    detector: str
    resolved: int = Field(description="labelled real incidents")
    dismissed: int = Field(description="labelled false positives")
    unlabelled: int = Field(description="open or acknowledged")
    precision: float | None = Field(
        None, description="resolved / (resolved + dismissed); absent without labels")


class DetectionQuality(ReadModel):
    tenant_id: str
    since: str | None = None
    detectors: list[DetectorQuality]


class DetectionQualityService:
    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage, self.clock = storage, clock

    async def label(self, tenant_id: str, anomaly_id: str, status: str, *,
                    at: datetime | None = None) -> Anomaly:
        """Label an anomaly: ``resolved`` (real) or ``dismissed`` (false positive)."""
        target = parse_status(status)
        if target not in LABELS:
            raise ValidationError("status", f"{target.value!r} is not a label",
                                  allowed="resolved, dismissed")
        async with self.storage.unit_of_work() as uow:
            moved = await uow.anomaly_records.set_anomaly_status(
                tenant_id, anomaly_id, target, at or self.clock.now())
            await uow.commit()
        return moved

    async def quality(self, tenant_id: str, *,
                      since: datetime | None = None) -> DetectionQuality:
        """Every detector with anomalies for the tenant, ascending by name."""
        async with self.storage.unit_of_work() as uow:
            counts = await uow.anomaly_records.status_counts(tenant_id, detected_since=since)
        per: dict[str, dict[str, int]] = {}
        for row in counts:
            detector = DETECTORS.get(row.anomaly_type, row.anomaly_type.value.lower())
            tally = per.setdefault(detector, {"resolved": 0, "dismissed": 0, "unlabelled": 0})
            key = row.status.value if row.status in LABELS else "unlabelled"
            tally[key] += row.count
        detectors = []
        for name, tally in sorted(per.items()):
            labelled = tally["resolved"] + tally["dismissed"]
            precision = round(tally["resolved"] / labelled, 4) if labelled else None
            detectors.append(DetectorQuality(detector=name, precision=precision, **tally))
        return DetectionQuality(tenant_id=tenant_id, since=iso(since) if since else None,
                                detectors=detectors)
