"""Coarser series for bounded answers: hour buckets fold into days, days into ISO weeks.

Bucket keys are the read models' ``ts`` text (an ISO 8601 hour start or a date), so folding
needs no second read. A week is keyed by its Monday (UTC); the first and last weeks of a
window may be partial.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel


class SeriesResolution(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"

    def coarser(self) -> SeriesResolution | None:
        order = list(SeriesResolution)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


P = TypeVar("P", bound=BaseModel)


def _day_key(ts: str) -> str:
    return ts[:10]


def _week_key(ts: str) -> str:
    day = date.fromisoformat(ts[:10])
    return (day - timedelta(days=day.weekday())).isoformat()


def fold(points: Sequence[P], to: SeriesResolution) -> list[P]:
    """The points summed into ``to`` buckets (day or week), ascending; every non-ts field adds."""
    if to is SeriesResolution.HOUR:
        return list(points)
    key = _day_key if to is SeriesResolution.DAY else _week_key
    folded: dict[str, dict[str, object]] = {}
    for point in points:
        values = point.model_dump()
        bucket = folded.setdefault(key(str(values.pop("ts"))), {})
        for name, value in values.items():
            bucket[name] = bucket.get(name, 0) + value
    if not points:
        return []
    kind = type(points[0])
    return [kind(ts=ts, **values) for ts, values in sorted(folded.items())]


def non_empty(points: Sequence[P]) -> list[P]:
    """The buckets with any non-zero measure (empty buckets are left out of answers)."""
    return [p for p in points
            if any(v for k, v in p.model_dump().items() if k != "ts")]
