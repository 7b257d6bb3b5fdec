"""Cost anomaly detection data: set-based spend aggregates, breach days and drift trackers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from costsight.core.domain.anomalies import (
    Breach,
    BudgetSpend,
    DailyUsage,
    DriftTracker,
    EntityType,
    EntityUsageSummary,
)
from costsight.core.domain.entity_days import EntityDays


class CostAnomalyPort(Protocol):
    """What the anomaly detectors read, and the detection state they keep (breach days, drift
    trackers), in a constant number of statements. Stored anomalies: ``AnomalyRecordPort``.

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

    async def entity_days(self, tenant_id: str, entity_types: Sequence[EntityType],
                          first_day: date, until: datetime) -> list[EntityDays]:
        """``daily_usage``'s rows for the same arguments, one ``EntityDays`` per entity (its
        days ascending), in ONE query; ordered by (entity_type, entity_id) with ids compared
        by code point. For reads of many entities over many days (the seasonal baselines):
        no per-day row object is built until a day is asked for."""
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
