"""The anomaly detection cycle: fetch set-based aggregates, run the detectors, persist, commit.

Per tenant, one unit of work and a constant number of port calls whatever the number of users,
features or budgets: five reads (per-entity usage summaries, the tenant's daily usage, budget
spend, yesterday's breach streaks, drift trackers), one more for the same-weekday rows when the
seasonal baselines apply, at most four driver reads (one per window set, ``anomaly_drivers``)
and up to four writes (breaches, drift trackers, daily-window anomalies, month-window
anomalies). Dedupe: a finding updates the open anomaly with the same key detected since 00:00
of today, or since the 1st of the month for monthly budget anomalies (so a monthly overrun is
one row per month, not one per day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from pydantic import Field

from costsight.core.domain.alerts import finding_from_anomaly
from costsight.core.domain.anomalies import (
    Anomaly,
    AnomalyType,
    CostAnomalyFact,
    DailyUsage,
    DetectedAnomaly,
    EntityType,
    Severity,
)
from costsight.core.domain.costs import BudgetPeriod
from costsight.core.domain.entity_days import EntityDays
from costsight.core.engines import AnomalyContext
from costsight.core.engines.contexts import baseline_window
from costsight.core.engines.findings import AnomalyFindings
from costsight.core.engines.seasonal import applies, history_days, same_weekday
from costsight.core.errors import ValidationError
from costsight.core.plugins.facade import EngineFailure, EngineRun, Engines
from costsight.core.ports import Storage, UnitOfWork
from costsight.core.ports.anomaly_record import AnomalyRecordPort
from costsight.core.ports.cost_anomaly import CostAnomalyPort
from costsight.core.services.alert_outbox import enqueue_findings
from costsight.core.services.anomaly_drivers import read_drivers, with_drivers
from costsight.core.services.cycle_support import (
    CycleResult,
    resolve_as_of,
    resolve_tenants,
)
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import Clock, day_start, month_start, utc_day

ENTITY_TYPES = (EntityType.TENANT, EntityType.USER, EntityType.FEATURE)
#: One microsecond: the reads' ``until`` is inclusive.
_INSTANT = timedelta(microseconds=1)


class AnomalyCycleResult(CycleResult):
    """Stored anomalies (new or updated) in detection order, and the HIGH ones as facts."""

    anomalies: list[Anomaly] = Field(default_factory=list)
    facts: list[CostAnomalyFact] = Field(default_factory=list)


class AnomalyCycle:
    def __init__(self, storage: Storage, clock: Clock, settings: EngineSettings,
                 engines: Engines) -> None:
        self.storage, self.clock, self.settings, self.engines = storage, clock, settings, engines

    async def run(self, tenant_id: str | None = None, *,
                  as_of: datetime | None = None) -> AnomalyCycleResult:
        """Detect and persist for one tenant, or for every known tenant when None."""
        instant = resolve_as_of(as_of, self.clock)
        tenants = await resolve_tenants(self.storage, tenant_id)
        anomalies: list[Anomaly] = []
        engine_errors: list[EngineFailure] = []
        notified = 0
        for tenant in tenants:
            async with self.storage.unit_of_work() as uow:
                port = uow.cost_anomalies
                context = await self._context(port, tenant, instant)
                outcome = await self._detect(uow, context)
                found = outcome.output
                if found.breaches:
                    await port.record_breaches(found.breaches)
                if found.drift_trackers:
                    await port.save_drift_trackers(found.drift_trackers)
                stored = await _persist(uow.anomaly_records, found.anomalies, instant)
                anomalies.extend(stored)
                notified += len(await enqueue_findings(
                    uow, [finding_from_anomaly(a) for a in stored], instant))
                await uow.commit()
            engine_errors.extend(outcome.failures)
        facts = [_fact(a, instant) for a in anomalies if a.severity is Severity.HIGH]
        return AnomalyCycleResult(as_of=instant, tenant_ids=tenants, anomalies=anomalies,
                                  facts=facts, engine_errors=engine_errors,
                                  notifications=notified)

    async def preview(self, tenant_id: str, *,
                      as_of: datetime | None = None) -> list[DetectedAnomaly]:
        """What ``run`` would find for the tenant, persisting NOTHING (read-only databases).

        Streaks and drift counts come from stored state plus this pass's in-memory updates,
        exactly as ``run`` computes them.
        """
        if tenant_id is None:
            raise ValidationError("tenant_id", "preview needs one tenant",
                                  allowed="a tenant id")
        instant = resolve_as_of(as_of, self.clock)
        [tenant] = await resolve_tenants(self.storage, tenant_id)
        async with self.storage.unit_of_work() as uow:
            context = await self._context(uow.cost_anomalies, tenant, instant)
            return list((await self._detect(uow, context)).output.anomalies)

    async def _detect(self, uow: UnitOfWork,
                      context: AnomalyContext) -> EngineRun[AnomalyFindings]:
        """Run the detectors, read the drivers of what they found, derive causes from both."""
        run = self.engines.find_anomalies(context)
        drivers = await read_drivers(uow.cost_drivers, context.tenant_id, run.output.anomalies,
                                     context.as_of, self.settings)
        found = replace(run.output, anomalies=with_drivers(run.output.anomalies, drivers))
        return self.engines.derive_causes(EngineRun(found, run.failures), context, drivers)

    async def _context(self, port: CostAnomalyPort, tenant_id: str,
                       as_of: datetime) -> AnomalyContext:
        s = self.settings
        today = utc_day(as_of)
        first, last = baseline_window(today, s)
        summaries = await port.entity_usage_summaries(
            tenant_id, ENTITY_TYPES, baseline_first=first, baseline_last=last, day=today,
            until=as_of)
        # Per-day rows of the tenant alone (drift's windows): one row per day, not per entity.
        days_back = max(s.spike_lookback_days, s.drift_baseline_first_offset_days,
                        s.drift_rolling_days - 1, 1)
        usage = await port.daily_usage(tenant_id, (EntityType.TENANT,),
                                       today - timedelta(days=days_back), as_of)
        # Seasonal baselines (an option, on by default) once the tenant has the history: then
        # every entity's rows on today's weekday of earlier weeks, in one more read. It ends
        # before today (whole days, from the rollups alone): the weekday baselines and the
        # noise gate use earlier days only, and today's usage is in the summaries.
        seasonal = applies(s, today, (row.day for row in usage))
        weekday: tuple[DailyUsage, ...] = ()
        entity_days: list[EntityDays] = []
        if seasonal:
            # kept whole (as columns: no row objects): the spike's noise gate pools their
            # within-weekday variance
            entity_days = await port.entity_days(
                tenant_id, (EntityType.USER, EntityType.FEATURE),
                today - timedelta(days=history_days(s)), day_start(today) - _INSTANT)
            weekday = same_weekday(usage, today, s)
        budgets = await port.budget_spend(tenant_id, today, as_of)
        # Streaks ending YESTERDAY: today's breach (found in memory) extends them by one, so
        # the same numbers come out whether or not today's breaches are stored yet.
        streaks = await port.breach_streaks(tenant_id, AnomalyType.ABSOLUTE_SPIKE.value,
                                            today - timedelta(days=1),
                                            lookback_days=s.breach_streak_lookback_days)
        trackers = await port.drift_trackers(tenant_id)
        return AnomalyContext(
            tenant_id=tenant_id, as_of=as_of, settings=s, daily_usage=tuple(usage),
            usage_summaries=tuple(summaries),
            budget_spend=tuple(budgets), prior_streaks=dict(streaks),
            drift_trackers=tuple(trackers), seasonal=seasonal, weekday_usage=weekday,
            entity_days=tuple(entity_days))


def _is_monthly(anomaly: DetectedAnomaly) -> bool:
    return anomaly.period == BudgetPeriod.MONTHLY.value


async def _persist(port: AnomalyRecordPort, found: Sequence[DetectedAnomaly],
                   as_of: datetime) -> list[Anomaly]:
    """Upsert with at most two port calls (day window, month window); rows in input order."""
    today = utc_day(as_of)
    stored: dict[int, Anomaly] = {}
    for monthly, since in ((False, day_start(today)), (True, day_start(month_start(today)))):
        picked = [(i, a) for i, a in enumerate(found) if _is_monthly(a) == monthly]
        if picked:
            rows = await port.upsert_anomalies([a for _, a in picked], since=since, now=as_of)
            stored.update(zip((i for i, _ in picked), rows, strict=True))
    return [stored[i] for i in range(len(found))]


def _fact(anomaly: Anomaly, as_of: datetime) -> CostAnomalyFact:
    return CostAnomalyFact(
        tenant_id=anomaly.tenant_id, anomaly_id=anomaly.id, anomaly_type=anomaly.anomaly_type,
        severity=anomaly.severity, current_value_cents=anomaly.current_value_cents,
        expected_value_cents=anomaly.expected_value_cents, entity_type=anomaly.entity_type,
        entity_id=anomaly.entity_id, deviation_pct=anomaly.deviation_pct, confidence=1.0,
        observed_at=as_of, metadata=dict(anomaly.metadata))
