"""Read-only queries over the ports, each in its own unit of work (never committed).

The thin read side the MCP tools (and any other driving adapter) sit on: anomalies, pattern
feedback, predictions, provenance, audit records, dimension values, feature tags and the state
of the leader locks. Every method is tenant-explicit except ``leader_status``, which is about
the whole deployment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import Field

from costsight.core.domain.anomalies import Anomaly, AnomalyFilter
from costsight.core.domain.audit import AuditFilter, StoredAuditRecord
from costsight.core.domain.costs import FeatureTag
from costsight.core.domain.patterns import FeedbackFilter, FeedbackStats, PatternFeedback
from costsight.core.domain.predictions import Prediction, PredictionFilter, PredictionStats
from costsight.core.domain.provenance import DriftStats, Provenance, ProvenanceFilter
from costsight.core.domain.statistics import Dimension, TimeWindow
from costsight.core.pagination import Page, decode_cursor, encode_cursor
from costsight.core.ports import JobLock, Storage, UnitOfWork
from costsight.core.services.read_models import ReadModel, iso
from costsight.core.timeutil import Clock, UtcDateTime

T = TypeVar("T")


class LockState(ReadModel):
    name: str = Field(description="job lock name")
    lock_id: int
    held: bool = Field(description="whether some process holds the lock right now")


class LeaderStatus(ReadModel):
    backend: str = Field(description="storage backend: memory, sqlite or postgresql")
    checked_at: str = Field(description="when the locks were checked, ISO 8601 UTC")
    locks: list[LockState]


class ReadQueries:
    """Tenant-scoped reads for the query tools."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock

    async def _read(self, fn: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        async with self.storage.unit_of_work() as uow:
            return await fn(uow)

    # anomalies
    async def list_anomalies(self, tenant_id: str, filters: AnomalyFilter, *, limit: int,
                             cursor: str | None = None) -> Page[Anomaly]:
        return await self._read(lambda u: u.anomaly_records.list_anomalies(
            tenant_id, filters, limit=limit, cursor=cursor))

    async def get_anomaly(self, tenant_id: str, anomaly_id: str) -> Anomaly:
        return await self._read(lambda u: u.anomaly_records.get_anomaly(tenant_id, anomaly_id))

    # pattern feedback
    async def list_feedback(self, tenant_id: str, filters: FeedbackFilter, *, limit: int,
                            cursor: str | None = None) -> Page[PatternFeedback]:
        return await self._read(lambda u: u.pattern_feedback.list_feedback(
            tenant_id, filters, limit=limit, cursor=cursor))

    async def feedback_stats(self, tenant_id: str) -> FeedbackStats:
        return await self._read(lambda u: u.pattern_feedback.feedback_stats(tenant_id))

    # predictions (expiry judged against the clock)
    async def list_predictions(self, tenant_id: str, filters: PredictionFilter, *, limit: int,
                               cursor: str | None = None) -> Page[Prediction]:
        now = self.clock.now()
        return await self._read(lambda u: u.prediction_records.list_predictions(
            tenant_id, filters, now=now, limit=limit, cursor=cursor))

    async def prediction_stats(self, tenant_id: str, *,
                               include_expired: bool = False) -> PredictionStats:
        now = self.clock.now()
        return await self._read(lambda u: u.prediction_records.prediction_stats(
            tenant_id, include_expired=include_expired, now=now))

    # provenance
    async def query_provenance(self, tenant_id: str, filters: ProvenanceFilter, *, limit: int,
                               cursor: str | None = None) -> Page[Provenance]:
        return await self._read(lambda u: u.provenance.query(
            tenant_id, filters, limit=limit, cursor=cursor))

    async def count_provenance(self, tenant_id: str, filters: ProvenanceFilter) -> int:
        return await self._read(lambda u: u.provenance.count(tenant_id, filters))

    async def drift_stats(self, tenant_id: str, *, variant_slug: str | None = None,
                          start: UtcDateTime | None = None,
                          end: UtcDateTime | None = None) -> DriftStats:
        return await self._read(lambda u: u.provenance.drift_stats(
            tenant_id, variant_slug=variant_slug, start=start, end=end))

    # audit
    async def list_audit_records(self, tenant_id: str, filters: AuditFilter, *, limit: int,
                                 cursor: str | None = None) -> Page[StoredAuditRecord]:
        return await self._read(lambda u: u.audit.list_records(
            tenant_id, filters, limit=limit, cursor=cursor))

    # metering dimensions and feature tags
    async def dimension_values(self, tenant_id: str, dimension: Dimension,
                               window: TimeWindow | None, *, limit: int,
                               cursor: str | None = None) -> Page[str]:
        return await self._read(lambda u: u.analytics.dimension_values(
            tenant_id, dimension, window, limit, cursor))

    async def feature_tags(self, tenant_id: str, *, include_inactive: bool, limit: int,
                           cursor: str | None = None) -> Page[FeatureTag]:
        """Tags ordered by tag, keyset-paged on the tag."""
        tags = await self._read(lambda u: u.costs.list_feature_tags(
            tenant_id, include_inactive=include_inactive))
        if cursor:
            (after,) = decode_cursor(cursor, 1)
            tags = [t for t in tags if t.tag > str(after)]
        page = tags[:limit]
        more = len(tags) > limit
        return Page(items=page, next_cursor=encode_cursor(page[-1].tag) if more else None)

    # operations
    async def leader_status(self) -> LeaderStatus:
        """Whether each named job lock is held right now (informational, may be stale)."""
        locks = [LockState(name=lock.name, lock_id=int(lock),
                           held=await self.storage.leader.is_held(int(lock)))
                 for lock in JobLock]
        return LeaderStatus(backend=self.storage.backend, checked_at=iso(self.clock.now()),
                            locks=locks)
