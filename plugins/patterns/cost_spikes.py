"""Per-worker cost spikes: the newest run far above the mean of the worker's earlier runs.

Per worker with at least ``cost_spike_min_runs`` (5) completed, costed runs among its newest
``cost_spike_runs_per_worker`` in the lookback: baseline = mean cost of every run but the
newest; spike % = (newest - baseline) / baseline x 100; feedback at spike >= 50 %. The
signature is ``cost_spike_{worker_id}``, so a re-run updates the open feedback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from costsight.core.domain.patterns import FeedbackSeverity, NewPatternFeedback, PatternType
from costsight.core.engines import PatternContext, runs_by_worker
from costsight.core.engines.exact import as_fraction, rounded
from costsight.core.money import cents_json
from costsight.core.plugins import hookimpl


@dataclass(frozen=True)
class CostSpikeDetector:
    name: str = "cost_spikes"
    order: int = 200

    def detect(self, context: PatternContext) -> list[NewPatternFeedback]:
        settings = context.settings
        out: list[NewPatternFeedback] = []
        for worker, runs in runs_by_worker(context.cost_runs).items():
            costed = [(run, cost) for run in runs if (cost := run.cost_cents)]
            if len(costed) < settings.cost_spike_min_runs:
                continue
            (newest, newest_cost), earlier = costed[0], costed[1:]
            baseline = sum((as_fraction(cost) for _, cost in earlier),
                           start=Fraction(0)) / len(earlier)
            if baseline <= 0:
                continue
            spike = (as_fraction(newest_cost) / baseline - 1) * 100
            if spike < as_fraction(settings.cost_spike_threshold_pct):
                continue
            recent = cents_json(newest_cost)
            avg = rounded(baseline, 2)
            out.append(NewPatternFeedback(
                tenant_id=context.tenant_id, pattern_type=PatternType.COST_SPIKE.value,
                severity=FeedbackSeverity.WARNING,
                description=(f"Cost spike detected: {rounded(spike, 1)}% increase. "
                             f"Recent: {recent}¢, Avg: {avg}¢"),
                signature=f"cost_spike_{worker}", provenance=[newest.id], occurrence_count=1,
                threshold_used=f"spike_threshold={settings.cost_spike_threshold_pct}%",
                metadata={"worker_id": worker, "avg_cost_cents": avg,
                          "recent_cost_cents": recent, "spike_percent": rounded(spike, 1),
                          "baseline_run_count": len(earlier)}))
        return out


@hookimpl
def costsight_register_pattern_detectors(register: Callable[[object], None]) -> None:
    register(CostSpikeDetector())
