"""Background jobs: the detection cycles, each run under its named leader lock.

``JobRunner.run_once`` runs every job once as of now, each inside ``leadership(lock)``
(acquire, run, release). ``JobRunner.run_forever`` keeps leadership between runs: every
worker wakes at the same wall-clock ticks (multiples of the interval), the holder of a job's
lock runs it and keeps the lease (renewed by a heartbeat), the others find it held and skip.
So with N workers on one database each job runs once per interval, and when the leader stops
(or its connection dies) another worker takes the lock at the next tick.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio

from costsight.core.application import Application
from costsight.core.plugins.reports import EngineFailure
from costsight.core.ports.leader_election import JobLock, LeaderElectionPort, Lease
from costsight.core.services.alert_dispatch import AlertDispatcher
from costsight.core.services.anomaly_cycle import AnomalyCycleResult
from costsight.core.services.cycle_support import CycleResult
from costsight.core.services.forecast_cycle import ForecastCycleResult
from costsight.core.services.pattern_cycle import PatternCycleResult
from costsight.core.services.prediction_cycle import PredictionCycleResult
from costsight.core.timeutil import Clock

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
ACQUIRE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Job:
    """A named job, the leader lock it runs under, and what it does as of an instant."""

    name: str
    lock: JobLock
    run: Callable[[datetime], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class JobOutcome:
    """One job at one tick: whether this worker ran it (it was leader) and what it found."""

    job: str
    tick: datetime
    ran: bool
    summary: dict[str, Any]
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"job": self.job, "tick": self.tick.isoformat(), "ran": self.ran,
                "summary": self.summary, "error": self.error}


def default_jobs(app: Application, *, dispatcher: AlertDispatcher | None = None) -> list[Job]:
    """Anomaly detection (alert-worker lock), forecasts, predictions and patterns, for every
    tenant; with a ``dispatcher``, alert delivery too (its own lock, after the cycles that
    fill the outbox). Forecasts run before predictions: budget-breach predictions read the
    snapshot they store."""

    async def anomalies(as_of: datetime) -> dict[str, Any]:
        result = await app.anomaly_cycle.run(None, as_of=as_of)
        return {"tenants": len(result.tenant_ids), "anomalies": len(result.anomalies),
                "high": len(result.facts), "errors": _errors(result)}

    async def forecasts(as_of: datetime) -> dict[str, Any]:
        result = await app.forecast_cycle.run(None, as_of=as_of)
        return {"tenants": len(result.tenant_ids),
                "series": sum(f.series for f in result.forecasts),
                "projections": sum(len(f.projections) for f in result.forecasts),
                "errors": _errors(result)}

    async def predictions(as_of: datetime) -> dict[str, Any]:
        result = await app.prediction_cycle.run(None, as_of=as_of)
        return {"tenants": len(result.tenant_ids), "predictions": len(result.predictions),
                "errors": _errors(result)}

    async def patterns(as_of: datetime) -> dict[str, Any]:
        result = await app.pattern_cycle.run(None, as_of=as_of)
        return {"tenants": len(result.tenant_ids), "patterns": len(result.feedback),
                "errors": _errors(result)}

    jobs = [Job("anomaly_detection", JobLock.ALERT_WORKER, anomalies),
            Job("forecasts", JobLock.FORECAST_CYCLE, forecasts),
            Job("predictions", JobLock.PREDICTION_CYCLE, predictions),
            Job("patterns", JobLock.PATTERN_CYCLE, patterns)]
    if dispatcher is not None:
        jobs.append(alert_dispatch_job(dispatcher))
    return jobs


def alert_dispatch_job(dispatcher: AlertDispatcher) -> Job:
    """Deliver every due notification, under the alert-dispatcher lock."""

    async def dispatch(as_of: datetime) -> dict[str, Any]:
        report = await dispatcher.dispatch_once()
        return report.as_dict()

    return Job("alert_dispatch", JobLock.ALERT_DISPATCHER, dispatch)


def _errors(result: CycleResult) -> list[dict[str, Any]]:
    """The cycle's engine errors as ``{engine, tenant_id, error}`` (the worker's JSON)."""
    errors: list[dict[str, Any]] = result.model_dump(mode="json")["engine_errors"]
    return errors


def tick_of(instant: datetime, interval: float) -> datetime:
    """The start of the interval ``instant`` falls in (wall-clock aligned, UTC)."""
    seconds = math.floor(instant.timestamp() / interval) * interval
    return datetime.fromtimestamp(seconds, tz=UTC)


class JobRunner:
    """Runs jobs under their leader locks, once or every ``interval`` seconds."""

    def __init__(self, app: Application, jobs: Sequence[Job] | None = None, *,
                 clock: Clock | None = None, interval: float = 60.0,
                 acquire_timeout: float = ACQUIRE_TIMEOUT,
                 heartbeat: float = HEARTBEAT_SECONDS) -> None:
        if interval <= 0:
            from costsight.core.errors import ValidationError

            raise ValidationError("interval", f"{interval} is not positive",
                                  allowed="a number of seconds > 0")
        self.app = app
        self.jobs = list(jobs) if jobs is not None else default_jobs(app)
        self.clock = clock or app.clock
        self.interval = interval
        self.acquire_timeout = acquire_timeout
        self.heartbeat = min(heartbeat, interval)
        self._leases: dict[JobLock, Lease] = {}

    @property
    def leader(self) -> LeaderElectionPort:
        return self.app.storage.leader

    async def run_once(self) -> list[JobOutcome]:
        """Every job once as of now, each under ``leadership`` (released right after)."""
        now = self.clock.now()
        outcomes = []
        for job in self.jobs:
            async with self.leader.leadership(job.lock, timeout=self.acquire_timeout) as lease:
                if lease is None:
                    outcomes.append(JobOutcome(job.name, now, False, {}))
                    continue
                outcomes.append(await self._execute(job, now, now))
        return outcomes

    async def run_forever(self, on_outcome: Callable[[JobOutcome], None] | None = None) -> None:
        """Run at every tick until cancelled; held leases are released on the way out."""
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._heartbeat_loop)
                await self._tick_loop(on_outcome)
        finally:
            with anyio.CancelScope(shield=True):
                await self.release_all()

    async def release_all(self) -> None:
        leases, self._leases = list(self._leases.values()), {}
        for lease in leases:
            try:
                await self.leader.release(lease)
            except Exception:  # shutting down: a failed release only delays the next leader
                log.exception("releasing leader lock %s failed", lease.lock_id)

    async def _tick_loop(self, on_outcome: Callable[[JobOutcome], None] | None) -> None:
        last_tick: datetime | None = None
        while True:
            tick = tick_of(self.clock.now(), self.interval)
            if tick != last_tick:
                last_tick = tick
                for job in self.jobs:
                    outcome = await self._run_if_leader(job, tick)
                    if on_outcome is not None:
                        on_outcome(outcome)
            wait = tick.timestamp() + self.interval - self.clock.now().timestamp()
            await anyio.sleep(max(wait, 0.01))

    async def _run_if_leader(self, job: Job, tick: datetime) -> JobOutcome:
        lease = self._leases.get(job.lock)
        if lease is not None and not await self.leader.still_leader(lease):
            log.warning("lost leadership of %s (lock %s)", job.name, int(job.lock))
            del self._leases[job.lock]
            lease = None
        if lease is None:
            lease = await self.leader.try_acquire(job.lock, timeout=self.acquire_timeout)
            if lease is None:
                return JobOutcome(job.name, tick, False, {})
            self._leases[job.lock] = lease
        return await self._execute(job, tick, self.clock.now())

    async def _execute(self, job: Job, tick: datetime, as_of: datetime) -> JobOutcome:
        try:
            summary = await job.run(as_of)
        except Exception as exc:  # one failing job must not stop the worker
            log.exception("job %s failed", job.name)
            return JobOutcome(job.name, tick, True, {}, error=f"{type(exc).__name__}: {exc}")
        return JobOutcome(job.name, tick, True, summary)

    async def _heartbeat_loop(self) -> None:
        while True:
            await anyio.sleep(self.heartbeat)
            for lock, lease in list(self._leases.items()):
                if not await self.leader.still_leader(lease):
                    self._leases.pop(lock, None)


async def detect_once(app: Application, tenant_id: str | None, as_of: datetime
                      ) -> tuple[AnomalyCycleResult, PredictionCycleResult, PatternCycleResult]:
    """Patterns, anomalies and predictions once as of ``as_of`` (patterns first: failure-pattern
    feedback is a factor of failure-likelihood predictions). Returns the three results."""
    patterns = await app.pattern_cycle.run(tenant_id, as_of=as_of)
    anomalies = await app.anomaly_cycle.run(tenant_id, as_of=as_of)
    predictions = await app.prediction_cycle.run(tenant_id, as_of=as_of)
    return anomalies, predictions, patterns


@dataclass(frozen=True)
class Detection:
    """What ``detect_all`` found: the four cycle results."""

    anomalies: AnomalyCycleResult
    predictions: PredictionCycleResult
    patterns: PatternCycleResult
    forecasts: ForecastCycleResult

    @property
    def engine_errors(self) -> list[EngineFailure]:
        """Every engine failure, in the order the cycles ran."""
        return [*self.patterns.engine_errors, *self.anomalies.engine_errors,
                *self.forecasts.engine_errors, *self.predictions.engine_errors]


async def detect_all(app: Application, tenant_id: str | None, as_of: datetime) -> Detection:
    """Patterns, anomalies, forecasts and predictions once as of ``as_of`` (``costsight
    detect``): as ``detect_once``, with the forecast cycle before the predictions, whose
    budget-breach predictor reads the projections it stored."""
    patterns = await app.pattern_cycle.run(tenant_id, as_of=as_of)
    anomalies = await app.anomaly_cycle.run(tenant_id, as_of=as_of)
    forecasts = await app.forecast_cycle.run(tenant_id, as_of=as_of)
    predictions = await app.prediction_cycle.run(tenant_id, as_of=as_of)
    return Detection(anomalies, predictions, patterns, forecasts)
