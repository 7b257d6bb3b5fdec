"""The pattern cycle: failed and costed worker runs in, advisory feedback out.

Per tenant, one unit of work and two bounded reads (failed runs with an error in the
failure-pattern window, at most ``failure_pattern_max_runs``; the newest
``cost_spike_runs_per_worker`` costed runs of every worker over ``cost_spike_lookback_days``),
then one upsert: a re-run within the window updates the open feedback of the same signature.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from costsight.core.domain.alerts import finding_from_pattern
from costsight.core.domain.patterns import PatternFeedback
from costsight.core.engines import PatternContext
from costsight.core.plugins.facade import EngineFailure, Engines
from costsight.core.ports import Storage
from costsight.core.services.alert_outbox import enqueue_findings
from costsight.core.services.cycle_support import (
    CycleResult,
    resolve_as_of,
    resolve_tenants,
)
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import Clock


class PatternCycleResult(CycleResult):
    """Stored feedback (new or updated), in detector order."""

    feedback: list[PatternFeedback] = Field(default_factory=list)


class PatternCycle:
    def __init__(self, storage: Storage, clock: Clock, settings: EngineSettings,
                 engines: Engines) -> None:
        self.storage, self.clock, self.settings, self.engines = storage, clock, settings, engines

    async def run(self, tenant_id: str | None = None, *,
                  as_of: datetime | None = None) -> PatternCycleResult:
        """Detect patterns and persist feedback for one tenant, or every known tenant."""
        instant = resolve_as_of(as_of, self.clock)
        tenants = await resolve_tenants(self.storage, tenant_id)
        s = self.settings
        window_start = instant - timedelta(hours=s.failure_pattern_window_hours)
        cost_since = instant - timedelta(days=s.cost_spike_lookback_days)
        feedback: list[PatternFeedback] = []
        engine_errors: list[EngineFailure] = []
        notified = 0
        for tenant in tenants:
            async with self.storage.unit_of_work() as uow:
                port = uow.patterns
                context = PatternContext(
                    tenant_id=tenant, as_of=instant, settings=s,
                    failed_runs=tuple(await port.failed_runs(
                        tenant, window_start, instant, limit=s.failure_pattern_max_runs)),
                    cost_runs=tuple(await port.recent_cost_runs(
                        tenant, cost_since, instant, per_worker=s.cost_spike_runs_per_worker)))
                outcome = self.engines.detect_patterns(context)
                if outcome.output:
                    stored = await uow.pattern_feedback.upsert_feedback(
                        outcome.output, open_since=window_start, now=instant)
                    feedback.extend(stored)
                    notified += len(await enqueue_findings(
                        uow, [finding_from_pattern(f) for f in stored], instant))
                await uow.commit()
            engine_errors.extend(outcome.failures)
        return PatternCycleResult(as_of=instant, tenant_ids=tenants, feedback=feedback,
                                  engine_errors=engine_errors, notifications=notified)
