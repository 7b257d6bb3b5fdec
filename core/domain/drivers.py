"""Root-cause drivers: an anomaly's delta split over model, feature, user, worker and retries.

``SpendSplit`` is what ``CostDriverPort`` reads: one value of one dimension with its spend in
the anomaly's current window and in its baseline window(s). ``AnomalyDrivers`` is what is kept
with the anomaly (``metadata["drivers"]``): per dimension the top values by absolute delta and
an ``other`` remainder; within each dimension the deltas add up exactly to the anomaly's
delta (current - expected), in micro-cents.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from costsight.core.domain.base import Frozen
from costsight.core.money import Cents


class DriverDimension(StrEnum):
    """The dimensions a delta is split over. Null values read as the breakdowns name them
    (``unknown``; features ``untagged``); ``retry`` has the values ``retry`` and
    ``first_attempt``."""

    MODEL = "model"
    FEATURE = "feature"
    USER = "user"
    WORKER = "worker"
    RETRY = "retry"


RETRIED = "retry"
FIRST_ATTEMPT = "first_attempt"

#: How many values each dimension keeps before the ``other`` remainder.
TOP_DRIVERS = 5


class SpendSplit(Frozen):
    """Spend of one dimension value within one entity's scope, current and baseline windows.
    ``entity_type`` is an ``EntityType`` value (``tenant``, ``user``, ``feature``)."""

    entity_type: str
    entity_id: str
    dimension: DriverDimension
    value: str
    current_cents: Decimal
    baseline_cents: Decimal


class Driver(Frozen):
    """One value's part of the anomaly: ``delta_cents = current_cents - baseline_cents``;
    ``share`` = delta / the anomaly's delta (0 when that is 0). ``other`` marks the remainder
    row of the values beyond the top ones (its ``value`` is ``"other"``)."""

    value: str
    delta_cents: Cents
    share: float
    current_cents: Cents
    baseline_cents: Cents
    other: bool = False


class AnomalyDrivers(Frozen):
    """The delta (current - expected) and, per dimension, its drivers in rank order."""

    delta_cents: Cents
    dimensions: dict[str, list[Driver]]

    def top(self, dimension: DriverDimension | str) -> list[Driver]:
        return [d for d in self.dimensions.get(str(dimension), []) if not d.other]

    def value(self, dimension: DriverDimension | str, value: str) -> Driver | None:
        return next((d for d in self.top(dimension) if d.value == value), None)


def drivers_of(metadata: dict[str, Any]) -> AnomalyDrivers | None:
    """The drivers stored in an anomaly's metadata, if any."""
    raw = metadata.get("drivers")
    return AnomalyDrivers.model_validate(raw) if isinstance(raw, dict) else None
