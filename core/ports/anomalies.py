"""Cost anomaly detection data: set-based spend aggregates, breach and drift state, anomalies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from costsight.core.domain.anomalies import (
    Anomaly,
    AnomalyFilter,
    AnomalyStatus,
    Breach,
    BudgetSpend,
    DailyUsage,
    DetectedAnomaly,
    DriftTracker,
    EntityType,
    EntityUsageSummary,
)
from costsight.core.pagination import Page


class CostAnomalyPort(Protocol):
    """Everything the anomaly cycle reads and writes, in a constant number of statements.

    Days are UTC calendar days. ``until`` is the "as of" instant: rows created after it are
    never counted, so replaying a past day gives the answer that day would have given.
    """

    async def daily_usage(self, tenant_id: str, entity_types: Sequence[EntityType],
                          first_day: date, until: datetime) -> list[DailyUsage]:
        """Per-entity, per-day spend and traffic in ONE query, for every entity of the types asked.

        Rows have ``day >= first_day`` and ``created_at <= until``; only (entity, day) pairs with
        at least one record appear. ``tenant`` rows (entity_id = tenant_id) count every record;
        ``user`` and ``feature`` rows skip records whose user_id / feature_tag is null.
        Ordered by (entity_type, entity_id, day).
        """
        ...

    async def entity_usage_summaries(
            self, tenant_id: str, entity_types: Sequence[EntityType], *, baseline_first: date,
            baseline_last: date, day: date, until: datetime) -> list[EntityUsageSummary]:
        """One summary per entity in ONE query, for every entity of the types asked.

        An entity appears when it has at least one record created in [00:00 of
        min(baseline_first, day - 1), until], even if none falls in a window. The baseline sums
        the days in [baseline_first, baseline_last] and counts those with records; ``today``
        is ``day``, ``yesterday`` is ``day - 1``; every window ignores records created after
        ``until``. Sums are exact (no overflow however large). Entity kinds and null user /
        feature handling as in ``daily_usage``; ordered by (entity_type, entity_id) with ids
        compared by code point.
        """
        ...

    async def budget_spend(self, tenant_id: str, day: date, until: datetime) -> list[BudgetSpend]:
        """Every ACTIVE budget of the tenant with its spend, in ONE query.

        daily = spend in [00:00 of ``day``, until], monthly = spend in [1st of day's month, until];
        a feature budget counts records with that feature_tag, a user budget that user_id, a
        tenant budget everything. Ordered by (budget_type, entity_id).
        """
        ...

    async def record_breaches(self, breaches: Sequence[Breach]) -> None:
        """Upsert breach days keyed by (tenant, entity_type, entity_id, breach_type, breach_date);
        a repeat of the same day overwrites deviation, current and baseline."""
        ...

    async def breach_streaks(self, tenant_id: str, breach_type: str, day: date,
                             lookback_days: int = 7) -> dict[tuple[str, str], int]:
        """For every (entity_type, entity_id) with a breach ON ``day``: the length of its unbroken
        run of daily breaches ending on ``day``, looking back at most ``lookback_days`` days
        (so at most lookback_days + 1). A missing day breaks the run. One query."""
        ...

    async def drift_trackers(self, tenant_id: str) -> list[DriftTracker]:
        """Every drift tracker row of the tenant, active or not."""
        ...

    async def save_drift_trackers(self, trackers: Sequence[DriftTracker]) -> None:
        """Upsert by (tenant, entity_type, entity_id): one row per entity, overwritten in place
        (so a reset tracker is reactivated rather than duplicated)."""
        ...

    async def upsert_anomalies(self, anomalies: Sequence[DetectedAnomaly], *, since: datetime,
                               now: datetime) -> list[Anomaly]:
        """Persist findings with dedupe; returns the stored rows in input order.

        A finding updates the newest stored anomaly with the same dedupe key (tenant,
        anomaly_type, entity_type, entity_id, period) that is not resolved or dismissed and was
        detected at or after ``since``: every measured field, message, cause, metadata and
        updated_at = now are overwritten; id, status and detected_at are kept. Otherwise a new
        row (``ca_`` id, status open, detected_at = updated_at = now) is inserted.
        """
        ...

    async def list_anomalies(self, tenant_id: str, filters: AnomalyFilter, *, limit: int,
                             cursor: str | None = None) -> Page[Anomaly]:
        """The tenant's anomalies, newest detected first (ties by id desc), keyset-paged."""
        ...

    async def get_anomaly(self, tenant_id: str, anomaly_id: str) -> Anomaly:
        """One anomaly of the tenant; ``NotFound`` otherwise (also for another tenant's id)."""
        ...

    async def set_anomaly_status(self, tenant_id: str, anomaly_id: str, status: AnomalyStatus,
                                 at: datetime) -> Anomaly:
        """Move an anomaly along open -> acknowledged -> resolved | dismissed (open may go
        straight to resolved or dismissed) and stamp the matching ``*_at`` field.

        ``NotFound`` for an unknown id; ``Conflict`` for a transition not allowed (see
        ``STATUS_TRANSITIONS``); setting the current status again is a no-op.
        """
        ...
