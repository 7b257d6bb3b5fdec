"""Per-entity usage summaries: baseline, yesterday and today of every entity in ONE statement.

One row per entity instead of one per (entity, day): each measure is an aggregate with its own
``FILTER`` over the tenant's records in [00:00 of the first day needed, until], so the database
does the per-day work and Python only sees as many rows as there are entities.

- Windows are timestamp ranges ([00:00, next 00:00)), so no per-row date arithmetic is needed
  except for counting the baseline's active days: Postgres ORs one bit per day (a plain
  aggregate, hash-groupable) and Python counts the bits; SQLite (or a window over 63 days)
  counts distinct days.
- Money stays exact: Postgres sums BIGINT into NUMERIC; SQLite's integer ``sum`` raises at
  2**63, so there each amount is summed as its high and low 32-bit halves (neither sum can
  overflow) and recombined in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, and_, func, literal, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from adapters.sql.dialects import SqlDialect
from adapters.sql.tables import cost_records
from core.domain.anomalies import EntityType, EntityUsageSummary
from core.money import micros_to_cents
from core.timeutil import day_start

cr = cost_records.c

#: Entity type -> the cost_records column naming the entity.
_ENTITY_COLUMNS = {EntityType.TENANT: cr.tenant_id, EntityType.USER: cr.user_id,
                   EntityType.FEATURE: cr.feature_tag}
#: The last day offset whose bit fits a BIGINT bitmask (bit 63 is the sign): 63 days.
_MAX_MASK_OFFSET = 62
_LOW_BITS = 0xFFFFFFFF


class _Measures:
    """The aggregate columns of one summary row and how to read them back."""

    def __init__(self, dialect: SqlDialect, baseline_first: date, baseline_last: date,
                 day: date) -> None:
        self.exact_sums = dialect.exact_big_sums
        self.bitmask = (dialect.name == "postgresql"
                        and (baseline_last - baseline_first).days <= _MAX_MASK_OFFSET)
        self._dialect = dialect
        self._first = baseline_first
        self.baseline = _between(baseline_first, baseline_last)
        self.yesterday = _between(day - timedelta(days=1), day - timedelta(days=1))
        self.today = _between(day, day)

    def _money(self, window: ColumnElement[bool]) -> list[ColumnElement[Any]]:
        if self.exact_sums:
            return [func.sum(cr.cost_micros).filter(window)]
        return [func.sum(cr.cost_micros.op(">>")(32)).filter(window),
                func.sum(cr.cost_micros.op("&")(_LOW_BITS)).filter(window)]

    def _active_days(self) -> ColumnElement[Any]:
        if self.bitmask:
            offset = type_coerce(self._dialect.day_of(cr.created_at)
                                 - literal(self._first), Integer)
            bit = literal(1, BigInteger).op("<<")(offset)
            return func.bit_or(bit).filter(self.baseline)
        return func.count(self._dialect.day_of(cr.created_at).distinct()).filter(self.baseline)

    def _day(self, window: ColumnElement[bool]) -> list[ColumnElement[Any]]:
        return [*self._money(window), func.count().filter(window),
                func.count().filter(and_(window, cr.is_retry)),
                func.sum(cr.input_tokens).filter(window)]

    def columns(self) -> list[ColumnElement[Any]]:
        return [*self._money(self.baseline), self._active_days(), *self._day(self.today),
                *self._day(self.yesterday)]

    def read(self, values: Sequence[Any]) -> dict[str, Any]:
        """The summary fields from the aggregate columns, in ``columns()`` order."""
        it = iter(values)
        out: dict[str, Any] = {"baseline_spend_cents": self._cents(it)}
        days = next(it) or 0
        out["baseline_days"] = int(days).bit_count() if self.bitmask else int(days)
        for prefix in ("today", "yesterday"):
            out[f"{prefix}_spend_cents"] = self._cents(it)
            out[f"{prefix}_requests"] = int(next(it))
            out[f"{prefix}_retries"] = int(next(it))
            out[f"{prefix}_input_tokens"] = int(next(it) or 0)
        return out

    def _cents(self, it: Any) -> Any:
        if self.exact_sums:
            return micros_to_cents(next(it))
        high, low = next(it), next(it)
        return micros_to_cents(((high or 0) << 32) + (low or 0))


def _between(first: date, last: date) -> ColumnElement[bool]:
    """Records created on a UTC day in [first, last]."""
    return and_(cr.created_at >= day_start(first),
                cr.created_at < day_start(last + timedelta(days=1)))


async def entity_usage_summaries(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                                 entity_types: Sequence[EntityType], *, baseline_first: date,
                                 baseline_last: date, day: date,
                                 until: datetime) -> list[EntityUsageSummary]:
    """See ``CostAnomalyPort.entity_usage_summaries``."""
    kinds = list(dict.fromkeys(EntityType(e) for e in entity_types))
    if not kinds:
        return []
    measures = _Measures(dialect, baseline_first, baseline_last, day)
    start = min(baseline_first, day - timedelta(days=1))
    in_range = and_(cr.tenant_id == tenant_id, cr.created_at >= day_start(start),
                    cr.created_at <= until)
    parts = []
    for kind in kinds:
        column = _ENTITY_COLUMNS[kind]
        # The tenant is grouped by its (constant) column too, so no records means no row.
        parts.append(select(literal(kind.value), column, *measures.columns())
                     .where(in_range, column.is_not(None)).group_by(column))
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    rows = sorted(await conn.execute(stmt), key=lambda r: (r[0], r[1]))
    # The SQL guarantees every field's type and range: skip re-validating thousands of rows.
    return [EntityUsageSummary.model_construct(entity_type=EntityType(r[0]), entity_id=r[1],
                                               **measures.read(r[2:]))
            for r in rows]
