"""One entity's per-day usage as columns: what its ``DailyUsage`` rows hold, without the rows.

The anomaly cycle reads every user's and feature's days of the last weeks (the seasonal
baselines and their noise gate): tens of thousands of (entity, day) pairs, of which the
detectors look at a few days of every entity and all days of the few that breach. Storage
hands them over per entity as parallel tuples (one row per entity, not per day), and a
``DailyUsage`` row is built only for a day someone asks for (``rows``).
"""

from __future__ import annotations

import operator
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby

from costsight.core.domain.anomalies import DailyUsage, EntityType
from costsight.core.errors import ValidationError
from costsight.core.money import cents_to_micros, micros_to_cents

_COLUMNS = ("cost_micros", "requests", "retries", "input_tokens")


@dataclass(frozen=True, slots=True)
class EntityDays:
    """Spend and traffic of one entity on each of its ``days`` (ascending, only days with
    records): element ``i`` of every column belongs to ``days[i]``. ``cost_micros`` is the
    day's spend in integer micro-cents (``DailyUsage.spend_cents`` x 1,000,000)."""

    entity_type: EntityType
    entity_id: str
    days: tuple[date, ...]
    cost_micros: tuple[int, ...]
    requests: tuple[int, ...]
    retries: tuple[int, ...]
    input_tokens: tuple[int, ...]

    def __post_init__(self) -> None:
        for name in _COLUMNS:
            if len(getattr(self, name)) != len(self.days):
                raise ValidationError(name, f"{len(getattr(self, name))} values for "
                                      f"{len(self.days)} days", allowed="one value per day")
        if not all(map(operator.lt, self.days, self.days[1:])):
            raise ValidationError("days", "days must be ascending and distinct")

    @property
    def key(self) -> tuple[str, str]:
        """(entity_type value, entity_id)."""
        return self.entity_type.value, self.entity_id

    def spends(self, only: Iterable[date] | None = None) -> dict[date, Decimal]:
        """Day -> spend in cents, of every day or of the days in ``only`` that have records."""
        if only is None:
            return {d: micros_to_cents(m) for d, m in zip(self.days, self.cost_micros,
                                                           strict=True)}
        out = {}
        for day in only:
            i = bisect_left(self.days, day)
            if i < len(self.days) and self.days[i] == day:
                out[day] = micros_to_cents(self.cost_micros[i])
        return out

    def rows(self) -> dict[date, DailyUsage]:
        """Day -> the ``DailyUsage`` row of that day."""
        return {day: DailyUsage(entity_type=self.entity_type, entity_id=self.entity_id, day=day,
                                spend_cents=micros_to_cents(micros), requests=requests,
                                retries=retries, input_tokens=tokens)
                for day, micros, requests, retries, tokens in zip(
                    self.days, self.cost_micros, self.requests, self.retries, self.input_tokens,
                    strict=True)}


def entity_days_of(rows: Iterable[DailyUsage]) -> list[EntityDays]:
    """``DailyUsage`` rows ordered by (entity_type, entity_id, day) as one ``EntityDays`` per
    entity, in the same order."""
    return [_columns(kind, entity_id, group)
            for (kind, entity_id), group in groupby(rows, key=lambda r: (r.entity_type,
                                                                         r.entity_id))]


def _columns(kind: EntityType, entity_id: str, rows: Iterator[DailyUsage]) -> EntityDays:
    listed = list(rows)
    return EntityDays(entity_type=EntityType(kind), entity_id=entity_id,
                      days=tuple(r.day for r in listed),
                      cost_micros=tuple(cents_to_micros(r.spend_cents) for r in listed),
                      requests=tuple(r.requests for r in listed),
                      retries=tuple(r.retries for r in listed),
                      input_tokens=tuple(r.input_tokens for r in listed))
