"""Days with unpriced calls are unknown spend for the anomaly engine, never a drop.

An unpriced call is stored at cost 0, so a day with many of them would read as a spend drop
and lower the baselines the spike and drift detectors compare against (then a normal day
afterwards looks like a spike). The cost-anomaly adapters therefore leave every (entity, day)
with at least one unpriced call out of ``daily_usage`` and out of the summaries' baselines
(its spend and its active day). Today and yesterday keep their records: a spike is still
caught on a day with some unpriced calls, and no detector flags a drop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from costsight.core.domain.anomalies import DailyUsage, EntityUsageSummary

#: (entity_type value, entity_id, UTC day)
EntityDay = tuple[str, str, date]


def without_unpriced_days(rows: Iterable[DailyUsage],
                          unpriced: Mapping[EntityDay, Decimal]) -> list[DailyUsage]:
    return [r for r in rows if (r.entity_type.value, r.entity_id, r.day) not in unpriced]


def baselines_without_unpriced_days(summaries: Iterable[EntityUsageSummary],
                                    unpriced: Mapping[EntityDay, Decimal], first: date,
                                    last: date) -> list[EntityUsageSummary]:
    """``unpriced`` maps each (entity, day) with an unpriced call to that entity's whole spend
    that day; days in [first, last] leave the entity's baseline."""
    if not unpriced:
        return list(summaries)
    out = []
    for summary in summaries:
        spend, days = summary.baseline_spend_cents, summary.baseline_days
        for (kind, entity_id, day), day_spend in unpriced.items():
            if (kind, entity_id) == (summary.entity_type.value, summary.entity_id) \
                    and first <= day <= last:
                spend -= day_spend
                days -= 1
        out.append(summary if days == summary.baseline_days else summary.model_copy(
            update={"baseline_spend_cents": spend, "baseline_days": days}))
    return out
