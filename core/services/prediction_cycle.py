"""The prediction cycle: worker statistics in, advisory expiring predictions out.

Per tenant, one unit of work and four set-based reads over the lookback window
``[as_of - prediction_lookback_days, as_of]`` (exact run totals per worker, the newest failed
runs of each worker, the newest costed runs of each worker, recent failure-pattern feedback),
plus the budget projections of the tenant's forecast snapshot when it was made today at or
before ``as_of`` (the forecast cycle runs first), then one upsert: a re-run updates the
unexpired prediction of the same subject.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from costsight.core.domain.alerts import finding_from_prediction
from costsight.core.domain.forecasts import BudgetProjection
from costsight.core.domain.predictions import Prediction
from costsight.core.engines import PredictionContext
from costsight.core.plugins.facade import EngineFailure, Engines
from costsight.core.ports import Storage, UnitOfWork
from costsight.core.services.alert_outbox import enqueue_findings
from costsight.core.services.cycle_support import (
    CycleResult,
    resolve_as_of,
    resolve_tenants,
)
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import Clock, utc_day

FAILURE_PATTERN_LIMIT = 100


class PredictionCycleResult(CycleResult):
    """Stored predictions (new or updated), in predictor order."""

    predictions: list[Prediction] = Field(default_factory=list)


class PredictionCycle:
    def __init__(self, storage: Storage, clock: Clock, settings: EngineSettings,
                 engines: Engines) -> None:
        self.storage, self.clock, self.settings, self.engines = storage, clock, settings, engines

    async def run(self, tenant_id: str | None = None, *,
                  as_of: datetime | None = None) -> PredictionCycleResult:
        """Predict and persist for one tenant, or for every known tenant when None."""
        instant = resolve_as_of(as_of, self.clock)
        tenants = await resolve_tenants(self.storage, tenant_id)
        s = self.settings
        since = instant - timedelta(days=s.prediction_lookback_days)
        predictions: list[Prediction] = []
        engine_errors: list[EngineFailure] = []
        notified = 0
        for tenant in tenants:
            async with self.storage.unit_of_work() as uow:
                port = uow.predictions
                context = PredictionContext(
                    tenant_id=tenant, as_of=instant, settings=s,
                    run_totals=tuple(await port.worker_run_totals(tenant, since, instant)),
                    failed_runs=tuple(await port.recent_failed_runs(
                        tenant, since, instant, per_worker=s.failure_samples_per_worker)),
                    cost_runs=tuple(await port.recent_cost_runs(
                        tenant, since, instant, per_worker=s.prediction_cost_runs_per_worker)),
                    failure_patterns=tuple(await port.failure_patterns(
                        tenant, since, instant, limit=FAILURE_PATTERN_LIMIT)),
                    budget_projections=await todays_projections(uow, tenant, instant))
                outcome = self.engines.predict(context)
                if outcome.output:
                    stored = await uow.prediction_records.upsert_predictions(
                        outcome.output, now=instant)
                    predictions.extend(stored)
                    notified += len(await enqueue_findings(
                        uow, [finding_from_prediction(p) for p in stored], instant))
                await uow.commit()
            engine_errors.extend(outcome.failures)
        return PredictionCycleResult(as_of=instant, tenant_ids=tenants, predictions=predictions,
                                     engine_errors=engine_errors, notifications=notified)


async def todays_projections(uow: UnitOfWork, tenant_id: str,
                             as_of: datetime) -> tuple[BudgetProjection, ...]:
    """The projections of the tenant's snapshot if it was made on as_of's UTC day, not after."""
    header = await uow.forecasts.snapshot_header(tenant_id)
    if header is None or header.generated_at > as_of or header.start_day != utc_day(as_of):
        return ()
    return tuple(await uow.forecasts.list_projections(tenant_id))
