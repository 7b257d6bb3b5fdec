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

import operator
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import BigInteger, Date, Select, cast, func, literal, select, type_coerce, union_all
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CompoundSelect
from sqlalchemy.sql.sqltypes import NullType

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.rollup_source import (
    ENTITY_COLUMNS,
    ENTITY_PLANS,
    INSTANT,
    joined,
    money,
    one_row_per_day,
    spend_rows,
    total,
)
from costsight.core.domain.anomalies import DailyUsage, EntityType
from costsight.core.domain.entity_days import EntityDays
from costsight.core.money import micros_to_cents
from costsight.core.timeutil import day_start, utc_day

#: The columns of a per-day row, in order.
_NAMES = ("kind", "entity_id", "day", "cost_hi", "cost_lo", "calls", "retries", "tokens",
          "unpriced")
#: Values per day in ``entity_days``' flat arrays: the day's offset and five sums.
_PER_DAY = 6


def _per_day(dialect: SqlDialect, tenant_id: str, kind: EntityType, first_day: date,
             until: datetime) -> Select[Any]:
    """One kind's rows per (entity, day), with the columns ``_NAMES``."""
    start, end, chosen = day_start(first_day), until + INSTANT, ENTITY_PLANS[kind]
    s = spend_rows(tenant_id, start, end, chosen, raw_days=True)  # grouped per day anyway
    day = dialect.day_of(s.c.ts)
    entity: Any = literal(tenant_id) if kind is EntityType.TENANT else s.c[ENTITY_COLUMNS[kind]]
    if kind is not EntityType.TENANT and one_row_per_day(start, end, chosen,
                                                         ENTITY_COLUMNS[kind]):
        # whole days of a grain keyed by the entity alone (users): the rows are the days
        columns = (literal(kind.value), entity, day, s.c.cost_hi, s.c.cost_lo, s.c.calls,
                   s.c.retry_calls, s.c.input_tokens, s.c.unpriced_calls)
        return (select(*(c.label(n) for c, n in zip(columns, _NAMES, strict=True)))
                .where(entity.is_not(None)))
    # last: unpriced calls (an (entity, day) with any is left out)
    columns = (literal(kind.value), entity, day, *money(s), total(s, "calls"),
               total(s, "retry_calls"), total(s, "input_tokens"), total(s, "unpriced_calls"))
    stmt = select(*(c.label(n) for c, n in zip(columns, _NAMES, strict=True)))
    if kind is EntityType.TENANT:
        return stmt.group_by(day)
    return stmt.where(entity.is_not(None)).group_by(entity, day)


def _every_day(dialect: SqlDialect, tenant_id: str, kinds: list[EntityType], first_day: date,
               until: datetime) -> Select[Any] | CompoundSelect[Any]:
    parts = [_per_day(dialect, tenant_id, kind, first_day, until) for kind in kinds]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _kinds(entity_types: Sequence[EntityType]) -> list[EntityType]:
    return list(dict.fromkeys(EntityType(e) for e in entity_types))


async def _priced_days(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                       kinds: list[EntityType], first_day: date, until: datetime) -> list[Any]:
    """The per-(entity, day) rows without unpriced calls, sorted as tuples (entity type value,
    entity id, day): cheaper than sorting models."""
    stmt = _every_day(dialect, tenant_id, kinds, first_day, until)
    return sorted((r for r in (await conn.execute(stmt)).all() if not r[8]),
                  key=itemgetter(0, 1, 2))


async def daily_usage(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                      entity_types: Sequence[EntityType], first_day: date,
                      until: datetime) -> list[DailyUsage]:
    """See ``CostAnomalyPort.daily_usage``."""
    kinds = _kinds(entity_types)
    if not kinds:
        return []
    found = await _priced_days(conn, dialect, tenant_id, kinds, first_day, until)
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
    if dialect.name != "postgresql":
        rows = await _priced_days(conn, dialect, tenant_id, kinds, first_day, until)
        return [_entity(kind, entity_id, list(zip(*(r[2:8] for r in group), strict=True)))
                for (kind, entity_id), group in groupby(rows, key=itemgetter(0, 1))]
    parts = []
    for kind in kinds:
        d = _per_day(dialect, tenant_id, kind, first_day, until).subquery("d")
        # ONE aggregate per entity, of one array per day: [day - first_day, cost_hi, cost_lo,
        # calls, retries, tokens] (no NULLs: asyncpg hands over ints), flattened in storage
        # order (unnest) into one 1-D array: six values per day, so the driver decodes one
        # list per entity rather than one per day. The days come in no particular order
        # (sorted in Python): an ORDER BY inside the aggregate would sort each entity's days.
        offset = cast(d.c.day - literal(first_day, Date), BigInteger)
        each_day = array([offset, *(func.coalesce(cast(d.c[c], BigInteger), 0)
                                    for c in _NAMES[3:8])])
        flat = func.array(select(func.unnest(func.array_agg(each_day))).correlate(d)
                          .scalar_subquery())
        parts.append(select(d.c.kind, d.c.entity_id, type_coerce(flat, NullType()))
                     .where(d.c.unpriced == 0).group_by(d.c.kind, d.c.entity_id))
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    found = sorted((await conn.execute(stmt)).all(), key=itemgetter(0, 1))
    calendar = [first_day + timedelta(days=n) for n in range((utc_day(until) - first_day).days + 1)]
    return [_from_array(kind, entity_id, days, calendar) for kind, entity_id, days in found]


def _from_array(kind: str, entity_id: str, flat: list[int], calendar: list[date]) -> EntityDays:
    """An entity from its flat array (six values per day): days sorted, offsets read as
    dates of ``calendar``."""
    offsets = flat[0::_PER_DAY]
    columns = [flat[i::_PER_DAY] for i in range(1, _PER_DAY)]
    if not all(map(operator.lt, offsets, offsets[1:])):
        order = sorted(range(len(offsets)), key=offsets.__getitem__)
        offsets = [offsets[i] for i in order]
        columns = [[column[i] for i in order] for column in columns]
    highs, lows, calls, retries, tokens = columns
    return EntityDays(entity_type=EntityType(kind), entity_id=entity_id,
                      days=tuple(map(calendar.__getitem__, offsets)),
                      cost_micros=tuple([(h << 32) + lo for h, lo in zip(highs, lows,
                                                                          strict=True)]),
                      requests=tuple(calls), retries=tuple(retries), input_tokens=tuple(tokens))


def _entity(kind: str, entity_id: str, columns: Sequence[Sequence[Any]]) -> EntityDays:
    days, highs, lows, calls, retries, tokens = columns
    return EntityDays(
        entity_type=EntityType(kind), entity_id=entity_id, days=tuple(days),
        cost_micros=tuple(joined(h, lo) for h, lo in zip(highs, lows, strict=True)),
        requests=tuple(int(n) for n in calls), retries=tuple(int(n or 0) for n in retries),
        input_tokens=tuple(int(n or 0) for n in tokens))
