"""Failure signatures: the same (normalised) error repeated in the window.

Failed runs with an error in the last ``failure_pattern_window_hours`` (24) are grouped by
``costsight.core.engines.signature.error_signature`` (full SHA-256 hex of the normalised error); a group
of at least ``failure_pattern_threshold`` (3) runs becomes one ``failure_pattern`` feedback
whose provenance lists every run id, newest first. Groups may span several workers of the
tenant: metadata names the newest run's worker and every worker involved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from costsight.core.domain.costs import WorkerRun
from costsight.core.domain.patterns import FeedbackSeverity, NewPatternFeedback, PatternType
from costsight.core.engines import PatternContext
from costsight.core.engines.signature import error_signature
from costsight.core.plugins import hookimpl

SAMPLE_CHARS = 500
DESCRIPTION_SAMPLE_CHARS = 200


@dataclass(frozen=True)
class FailureSignatureDetector:
    name: str = "failure_signatures"
    order: int = 100

    def detect(self, context: PatternContext) -> list[NewPatternFeedback]:
        settings = context.settings
        groups: dict[str, list[WorkerRun]] = {}
        newest_first = sorted(context.failed_runs, key=lambda r: (r.created_at, r.id),
                              reverse=True)
        for run in newest_first:
            if run.error is None:
                continue
            groups.setdefault(error_signature(run.error), []).append(run)
        out: list[NewPatternFeedback] = []
        for signature, runs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            if len(runs) < settings.failure_pattern_threshold:
                continue
            sample = (runs[0].error or "")[:SAMPLE_CHARS]
            out.append(NewPatternFeedback(
                tenant_id=context.tenant_id, pattern_type=PatternType.FAILURE_PATTERN.value,
                severity=FeedbackSeverity.WARNING,
                description=(f"Repeated failure detected: {len(runs)} occurrences. "
                             f"Sample: {sample[:DESCRIPTION_SAMPLE_CHARS]}"),
                signature=signature, provenance=[run.id for run in runs],
                occurrence_count=len(runs),
                time_window_minutes=settings.failure_pattern_window_hours * 60,
                threshold_used=f"threshold={settings.failure_pattern_threshold}",
                metadata={"worker_id": runs[0].worker_id,
                          "worker_ids": sorted({run.worker_id for run in runs}),
                          "sample_error": sample}))
        return out


@hookimpl
def costsight_register_pattern_detectors(register: Callable[[object], None]) -> None:
    register(FailureSignatureDetector())
