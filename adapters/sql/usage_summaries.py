"""Per-entity usage summaries: baseline, yesterday and today of every entity in ONE statement.

One row per entity instead of one per (entity, day): each measure is an aggregate over the
tenant's spend rows in [00:00 of the first day needed, until] (``rollup_source``: whole days and
hours from the rollups, raw rows only at the as-of edge), restricted to its own day range, so
the database does the per-day work and Python only sees as many rows as there are entities.

- One SELECT per entity kind under UNION ALL: the tenant and its features read the model grain,
  users the user grain.
- Windows are timestamp ranges ([00:00, next 00:00)), so no per-row date arithmetic is needed
  except for counting the baseline's active days: Postgres ORs one bit per day (a plain
  aggregate, hash-groupable) and Python counts the bits; SQLite (or a window over 63 days)
  counts distinct days.
- Money stays exact: amounts are summed as their high and low 32-bit halves (neither sum can
  overflow BIGINT) and recombined in Python.
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
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect, Select, Subquery

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.rollup_source import (
    ENTITY_COLUMNS,
    ENTITY_PLANS,
    INSTANT,
    joined,
    money,
    spend_rows,
    total,
)
from costsight.core.domain.anomalies import EntityType, EntityUsageSummary
from costsight.core.money import micros_to_cents
from costsight.core.timeutil import day_start

#: The last day offset whose bit fits a BIGINT bitmask (bit 63 is the sign): 63 days.
_MAX_MASK_OFFSET = 62


class _Measures:
    """The aggregate columns of one summary row over spend rows ``s``, and how to read them."""

    def __init__(self, dialect: SqlDialect, s: Subquery, baseline_first: date,
                 baseline_last: date, day: date) -> None:
        self.bitmask = (dialect.name == "postgresql"
                        and (baseline_last - baseline_first).days <= _MAX_MASK_OFFSET)
        self._dialect = dialect
        self._s = s
        self._first = baseline_first
        self.baseline = _between(s, baseline_first, baseline_last)
        self.yesterday = _between(s, day - timedelta(days=1), day - timedelta(days=1))
        self.today = _between(s, day, day)

    def _active_days(self) -> ColumnElement[Any]:
        day_of = self._dialect.day_of(self._s.c.ts)
        if self.bitmask:
            offset = type_coerce(day_of - literal(self._first), Integer)
            bit = literal(1, BigInteger).op("<<")(offset)
            return func.bit_or(bit).filter(self.baseline)
        return func.count(day_of.distinct()).filter(self.baseline)

    def _day(self, window: ColumnElement[bool]) -> list[ColumnElement[Any]]:
        s = self._s
        return [*money(s, window), total(s, "calls", window), total(s, "retry_calls", window),
                total(s, "input_tokens", window)]

    def columns(self) -> list[ColumnElement[Any]]:
        # Last: the baseline's unpriced calls (days with them leave the baseline, see
        # costsight.core.pricing.unpriced_days); only when some entity has any is more read.
        s = self._s
        return [*money(s, self.baseline), self._active_days(), *self._day(self.today),
                *self._day(self.yesterday), total(s, "unpriced_calls", self.baseline)]

    def read(self, values: Sequence[Any]) -> dict[str, Any]:
        """The summary fields from the aggregate columns, in ``columns()`` order (the last,
        the unpriced count, is read by ``has_unpriced``)."""
        b_hi, b_lo, days, t_hi, t_lo, t_n, t_r, t_i, y_hi, y_lo, y_n, y_r, y_i = values[:-1]
        return {"baseline_spend_cents": micros_to_cents(joined(b_hi, b_lo)),
                "baseline_days": int(days or 0).bit_count() if self.bitmask else days,
                "today_spend_cents": micros_to_cents(joined(t_hi, t_lo)),
                "today_requests": int(t_n or 0), "today_retries": int(t_r or 0),
                "today_input_tokens": int(t_i or 0),
                "yesterday_spend_cents": micros_to_cents(joined(y_hi, y_lo)),
                "yesterday_requests": int(y_n or 0), "yesterday_retries": int(y_r or 0),
                "yesterday_input_tokens": int(y_i or 0)}


def _between(s: Subquery, first: date, last: date) -> ColumnElement[bool]:
    """Spend rows of a UTC day in [first, last]."""
    return and_(s.c.ts >= day_start(first), s.c.ts < day_start(last + timedelta(days=1)))


async def entity_usage_summaries(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                                 entity_types: Sequence[EntityType], *, baseline_first: date,
                                 baseline_last: date, day: date,
                                 until: datetime) -> tuple[list[EntityUsageSummary], bool]:
    """See ``CostAnomalyPort.entity_usage_summaries``; also whether any baseline holds an
    unpriced call."""
    kinds = list(dict.fromkeys(EntityType(e) for e in entity_types))
    if not kinds:
        return [], False
    start = day_start(min(baseline_first, day - timedelta(days=1)))
    parts: list[Select[Any]] = []
    for kind in kinds:
        # every window starts and ends at midnight UTC, but the as-of edge: raw rows per day
        s = spend_rows(tenant_id, start, until + INSTANT, ENTITY_PLANS[kind], raw_days=True)
        measures = _Measures(dialect, s, baseline_first, baseline_last, day)
        column = literal(tenant_id) if kind is EntityType.TENANT else s.c[ENTITY_COLUMNS[kind]]
        stmt = select(literal(kind.value), column, *measures.columns())
        if kind is not EntityType.TENANT:
            stmt = stmt.where(column.is_not(None)).group_by(column)
        else:  # no rows, no tenant row (as a GROUP BY of the tenant's records would give)
            stmt = stmt.having(func.count() > 0)
        parts.append(stmt)
    whole: Select[Any] | CompoundSelect[Any] = parts[0] if len(parts) == 1 else union_all(*parts)
    found = sorted(((r[0], r[1], r[2:]) for r in await conn.execute(whole)),
                   key=lambda r: (r[0], r[1]))
    # Validating (pydantic-core) is cheaper per row than model_construct's Python loop.
    return ([EntityUsageSummary(entity_type=EntityType(kind), entity_id=entity_id,
                                **measures.read(values))
             for kind, entity_id, values in found],
            any(values[-1] for _, _, values in found))
