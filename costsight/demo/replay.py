"""Load the demo workload through the ingest service and replay detection day by day."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from costsight.core.application import Application
from costsight.core.domain.anomalies import Anomaly
from costsight.core.domain.patterns import PatternFeedback
from costsight.core.domain.predictions import Prediction
from costsight.core.ingest.lines import BytesSource
from costsight.core.services.ingest import IngestProgress, IngestReport
from costsight.core.services.jobs import detect_once
from costsight.demo.generator import REPLAY_DAYS, DemoWorkload


@dataclass(frozen=True)
class DayFindings:
    """What the three cycles stored when run as of one instant."""

    as_of: datetime
    anomalies: list[Anomaly] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)
    patterns: list[PatternFeedback] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def load_workload(app: Application, workload: DemoWorkload, *,
                        progress: IngestProgress | None = None) -> IngestReport:
    """Write the workload through the ingest service (all-or-nothing, one unit of work)."""
    data = "\n".join(workload.jsonl()).encode("utf-8")
    return await app.ingest.ingest([BytesSource("demo.jsonl", data)], progress=progress)


async def detect_for(app: Application, tenants: Sequence[str | None],
                     as_of: datetime) -> DayFindings:
    """Run the anomaly, prediction and pattern cycles once as of ``as_of``."""
    anomalies: list[Anomaly] = []
    predictions: list[Prediction] = []
    patterns: list[PatternFeedback] = []
    errors: list[str] = []
    for tenant in tenants:
        anomaly_result, prediction_result, pattern_result = await detect_once(app, tenant, as_of)
        anomalies.extend(anomaly_result.anomalies)
        predictions.extend(prediction_result.predictions)
        patterns.extend(pattern_result.feedback)
        errors.extend([*anomaly_result.errors, *prediction_result.errors,
                       *pattern_result.errors])
    return DayFindings(as_of=as_of, anomalies=anomalies, predictions=predictions,
                       patterns=patterns, errors=errors)


async def replay_detection(app: Application, workload: DemoWorkload, *,
                           days: int = REPLAY_DAYS,
                           on_day: Callable[[DayFindings], None] | None = None
                           ) -> list[DayFindings]:
    """Detection as of the same time of day on each of the last ``days`` days, oldest first."""
    results: list[DayFindings] = []
    for instant in workload.replay_instants(days):
        found = await detect_for(app, workload.tenant_ids, instant)
        results.append(found)
        if on_day is not None:
            on_day(found)
    return results
