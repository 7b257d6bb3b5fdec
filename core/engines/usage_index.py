"""Day -> usage of each entity, from per-day rows and per-entity columns (``EntityDays``).

An ``AnomalyContext`` holds per-day usage in either form: ``DailyUsage`` rows (the tenant's,
and whatever tests or replays pass) and ``EntityDays`` (every user's and feature's days of a
seasonal pass). The index answers both alike; from columns it builds a day's ``DailyUsage``
only when an entity's rows are asked for, and ``spends`` reads spend without building any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from costsight.core.domain.anomalies import DailyUsage
from costsight.core.domain.entity_days import EntityDays

#: (entity_type, entity_id) of a tenant, user or feature.
EntityKey = tuple[str, str]

EMPTY_USAGE: Mapping[date, DailyUsage] = MappingProxyType({})


class UsageIndex:
    """Per-entity day -> usage; with ``days``, an entity's columns count on those days only
    (rows are taken as given). A day in both forms reads from the row."""

    def __init__(self, rows: Iterable[DailyUsage], columns: Iterable[EntityDays],
                 days: Iterable[date] | None = None) -> None:
        self._rows: dict[EntityKey, dict[date, DailyUsage]] = {}
        for row in rows:
            self._rows.setdefault((row.entity_type.value, row.entity_id), {})[row.day] = row
        self._columns = {c.key: c for c in columns}
        self._days = tuple(days) if days is not None else None
        self._built: dict[EntityKey, Mapping[date, DailyUsage]] = {}

    def rows(self, key: EntityKey) -> Mapping[date, DailyUsage]:
        """Day -> usage of one entity (only days with records)."""
        built = self._built.get(key)
        if built is not None:
            return built
        found = self._rows.get(key)
        columns = self._columns.get(key)
        if columns is None:
            built = MappingProxyType(found) if found is not None else EMPTY_USAGE
        else:
            every = columns.rows()
            merged = every if self._days is None else {d: every[d] for d in self._days
                                                       if d in every}
            built = MappingProxyType(merged | (found or {}))
        self._built[key] = built
        return built

    def spends(self, key: EntityKey) -> dict[date, Decimal]:
        """Day -> spend in cents of one entity (the same days as ``rows``)."""
        columns = self._columns.get(key)
        out = columns.spends(self._days) if columns is not None else {}
        found = self._rows.get(key)
        if found:
            out.update((day, row.spend_cents) for day, row in found.items())
        return out


def weekday_days(today: date, weeks: int) -> list[date]:
    """The same weekday in each of the last ``weeks`` weeks, oldest first."""
    return [today - timedelta(days=7 * k) for k in range(weeks, 0, -1)]
