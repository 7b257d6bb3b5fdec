"""Per-entity usage summaries: baseline, yesterday and today of every entity in ONE statement.

One row per entity instead of one per (entity, day): each measure is an aggregate with its own
``FILTER`` over the tenant's records in [00:00 of the first day needed, until], so the database
does the per-day work and Python only sees as many rows as there are entities.

- Postgres groups every entity kind in one scan (GROUPING SETS, one hash table per kind);
  SQLite, which has no grouping sets, runs one SELECT per kind under UNION ALL.
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

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    func,
    literal,
    select,
    tuple_,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.anomalies import EntityType, EntityUsageSummary
from costsight.core.money import micros_to_cents
from costsight.core.timeutil import day_start

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
        # Last: the baseline's unpriced calls (days with them leave the baseline, see
        # costsight.core.pricing.unpriced_days); only when some entity has any is more read.
        unpriced = func.count().filter(and_(self.baseline, cr.cost_source == "unpriced"))
        return [*self._money(self.baseline), self._active_days(), *self._day(self.today),
                *self._day(self.yesterday), unpriced]

    def read(self, values: Sequence[Any]) -> dict[str, Any]:
        """The summary fields from the aggregate columns, in ``columns()`` order (the last,
        the unpriced count, is read by ``has_unpriced``)."""
        values = values[:-1]
        if self.exact_sums:
            base, days, t_sum, t_n, t_r, t_i, y_sum, y_n, y_r, y_i = values
        else:  # money as (high, low) 32-bit halves
            b_hi, b_lo, days, t_hi, t_lo, t_n, t_r, t_i, y_hi, y_lo, y_n, y_r, y_i = values
            base, t_sum, y_sum = _join(b_hi, b_lo), _join(t_hi, t_lo), _join(y_hi, y_lo)
        return {"baseline_spend_cents": micros_to_cents(base),
                "baseline_days": int(days or 0).bit_count() if self.bitmask else days,
                "today_spend_cents": micros_to_cents(t_sum), "today_requests": t_n,
                "today_retries": t_r, "today_input_tokens": t_i or 0,
                "yesterday_spend_cents": micros_to_cents(y_sum), "yesterday_requests": y_n,
                "yesterday_retries": y_r, "yesterday_input_tokens": y_i or 0}


def _join(high: int | None, low: int | None) -> int:
    return ((high or 0) << 32) + (low or 0)


def _between(first: date, last: date) -> ColumnElement[bool]:
    """Records created on a UTC day in [first, last]."""
    return and_(cr.created_at >= day_start(first),
                cr.created_at < day_start(last + timedelta(days=1)))


async def entity_usage_summaries(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                                 entity_types: Sequence[EntityType], *, baseline_first: date,
                                 baseline_last: date, day: date,
                                 until: datetime) -> tuple[list[EntityUsageSummary], bool]:
    """See ``CostAnomalyPort.entity_usage_summaries``; also whether any baseline holds an
    unpriced call."""
    kinds = list(dict.fromkeys(EntityType(e) for e in entity_types))
    if not kinds:
        return [], False
    measures = _Measures(dialect, baseline_first, baseline_last, day)
    start = min(baseline_first, day - timedelta(days=1))
    in_range = and_(cr.tenant_id == tenant_id, cr.created_at >= day_start(start),
                    cr.created_at <= until)
    if dialect.name == "postgresql":
        found = await _grouping_sets(conn, kinds, measures, in_range)
    else:
        found = await _union(conn, kinds, measures, in_range)
    found.sort(key=lambda r: (r[0], r[1]))
    # Validating (pydantic-core) is cheaper per row than model_construct's Python loop.
    return ([EntityUsageSummary(entity_type=EntityType(kind), entity_id=entity_id,
                                **measures.read(values))
             for kind, entity_id, values in found],
            any(values[-1] for _, _, values in found))


_Found = list[tuple[str, str, Sequence[Any]]]


async def _grouping_sets(conn: AsyncConnection, kinds: list[EntityType], measures: _Measures,
                         in_range: ColumnElement[bool]) -> _Found:
    """Postgres: one scan, one hash table per entity kind (GROUPING SETS)."""
    columns = [_ENTITY_COLUMNS[kind] for kind in kinds]
    n = len(columns)
    # grouping() sets bit (n - 1 - i) when column i is NOT grouped: set i leaves only its own.
    kind_of = {(1 << n) - 1 - (1 << (n - 1 - i)): kind.value for i, kind in enumerate(kinds)}
    stmt = (select(func.grouping(*columns), *columns, *measures.columns())
            .where(in_range)
            .group_by(func.grouping_sets(*(tuple_(column) for column in columns))))
    found: _Found = []
    for row in await conn.execute(stmt):
        kind = kind_of[row[0]]
        entity_id = row[1 + kinds.index(EntityType(kind))]
        if entity_id is not None:  # the group of records without a user (or feature)
            found.append((kind, entity_id, row[1 + n:]))
    return found


async def _union(conn: AsyncConnection, kinds: list[EntityType], measures: _Measures,
                 in_range: ColumnElement[bool]) -> _Found:
    """Portable: one SELECT per entity kind, UNION ALL."""
    parts = []
    for kind in kinds:
        column = _ENTITY_COLUMNS[kind]
        # The tenant is grouped by its (constant) column too, so no records means no row.
        parts.append(select(literal(kind.value), column, *measures.columns())
                     .where(in_range, column.is_not(None)).group_by(column))
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    return [(row[0], row[1], row[2:]) for row in await conn.execute(stmt)]
