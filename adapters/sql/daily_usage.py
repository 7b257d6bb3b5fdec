"""Per-entity, per-day usage: ``daily_usage`` (one row per day) and ``entity_days`` (one per entity).

Both aggregate the tenant's spend rows (``rollup_source``: whole days and hours from the
rollups, raw rows only at the as-of edge) per (entity, UTC day), one SELECT per entity kind
under UNION ALL. An (entity, day) with an unpriced call is left out (unknown spend, never a
drop: ``costsight.core.pricing.unpriced_days``).

``entity_days`` on Postgres folds each entity's days into arrays in the database (one row per
entity: ~1,100 rows instead of ~30,000 for 1,000 users over four weeks); SQLite has no
array aggregate, so its per-day rows are grouped in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CompoundSelect

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
from costsight.core.domain.anomalies import DailyUsage, EntityType
from costsight.core.domain.entity_days import EntityDays
from costsight.core.money import micros_to_cents
from costsight.core.timeutil import day_start

#: The columns of a per-day row, in order.
_NAMES = ("kind", "entity_id", "day", "cost_hi", "cost_lo", "calls", "retries", "tokens",
          "unpriced")


def _per_day(dialect: SqlDialect, tenant_id: str, kinds: list[EntityType], first_day: date,
             until: datetime) -> Select[Any] | CompoundSelect[Any]:
    parts: list[Select[Any]] = []
    for kind in kinds:
        s = spend_rows(tenant_id, day_start(first_day), until + INSTANT, ENTITY_PLANS[kind])
        day = dialect.day_of(s.c.ts)
        # last: unpriced calls (an (entity, day) with any is left out)
        measures = (*money(s), total(s, "calls"), total(s, "retry_calls"),
                    total(s, "input_tokens"), total(s, "unpriced_calls"))
        entity: Any = (literal(tenant_id) if kind is EntityType.TENANT
                       else s.c[ENTITY_COLUMNS[kind]])
        columns = (literal(kind.value), entity, day, *measures)
        stmt = select(*(c.label(n) for c, n in zip(columns, _NAMES, strict=True)))
        if kind is EntityType.TENANT:
            stmt = stmt.group_by(day)
        else:
            stmt = stmt.where(entity.is_not(None)).group_by(entity, day)
        parts.append(stmt)
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _kinds(entity_types: Sequence[EntityType]) -> list[EntityType]:
    return list(dict.fromkeys(EntityType(e) for e in entity_types))


async def daily_usage(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                      entity_types: Sequence[EntityType], first_day: date,
                      until: datetime) -> list[DailyUsage]:
    """See ``CostAnomalyPort.daily_usage``."""
    kinds = _kinds(entity_types)
    if not kinds:
        return []
    stmt = _per_day(dialect, tenant_id, kinds, first_day, until)
    # sorted as tuples (entity type value, entity id, day): cheaper than sorting the models
    found = sorted((r for r in (await conn.execute(stmt)).all() if not r[8]),
                   key=itemgetter(0, 1, 2))
    return [DailyUsage(entity_type=kind, entity_id=entity_id, day=day,
                       spend_cents=micros_to_cents(joined(high, low)), requests=int(calls),
                       retries=int(retries or 0), input_tokens=int(tokens or 0))
            for kind, entity_id, day, high, low, calls, retries, tokens, _ in found]


async def entity_days(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                      entity_types: Sequence[EntityType], first_day: date,
                      until: datetime) -> list[EntityDays]:
    """See ``CostAnomalyPort.entity_days``."""
    kinds = _kinds(entity_types)
    if not kinds:
        return []
    per_day = _per_day(dialect, tenant_id, kinds, first_day, until)
    if dialect.name != "postgresql":
        rows = sorted((r for r in (await conn.execute(per_day)).all() if not r[8]),
                      key=itemgetter(0, 1, 2))
        return [_entity(kind, entity_id, list(zip(*(r[2:8] for r in group), strict=True)))
                for (kind, entity_id), group in groupby(rows, key=itemgetter(0, 1))]
    d = per_day.subquery("d")

    def each(column: str) -> Any:
        return func.array_agg(aggregate_order_by(d.c[column], d.c.day))

    stmt = (select(d.c.kind, d.c.entity_id, *(each(c) for c in _NAMES[2:8]))
            .where(d.c.unpriced == 0).group_by(d.c.kind, d.c.entity_id))
    found = sorted((await conn.execute(stmt)).all(), key=itemgetter(0, 1))
    return [_entity(kind, entity_id, columns) for kind, entity_id, *columns in found]


def _entity(kind: str, entity_id: str, columns: Sequence[Sequence[Any]]) -> EntityDays:
    days, highs, lows, calls, retries, tokens = columns
    return EntityDays(
        entity_type=EntityType(kind), entity_id=entity_id, days=tuple(days),
        cost_micros=tuple(joined(h, lo) for h, lo in zip(highs, lows, strict=True)),
        requests=tuple(int(n) for n in calls), retries=tuple(int(n or 0) for n in retries),
        input_tokens=tuple(int(n or 0) for n in tokens))
