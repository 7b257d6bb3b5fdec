"""SQL CostDriverPort: one UNION ALL statement of per-value sums for every entity asked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, case, false, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from costsight.adapters.sql.cost_filters import dimension_label
from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.drivers import FIRST_ATTEMPT, RETRIED, DriverDimension, SpendSplit
from costsight.core.domain.statistics import Dimension, TimeWindow
from costsight.core.money import micros_to_cents

cr = cost_records.c

_SCOPE_COLUMNS: dict[EntityType, ColumnElement[Any]] = {
    EntityType.USER: cr.user_id, EntityType.FEATURE: cr.feature_tag}


def _value(dimension: DriverDimension) -> ColumnElement[Any]:
    if dimension is DriverDimension.RETRY:
        return case((cr.is_retry, literal(RETRIED)), else_=literal(FIRST_ATTEMPT))
    return dimension_label(Dimension(dimension.value))


def _inside(window: TimeWindow) -> ColumnElement[bool]:
    return and_(cr.created_at >= window.start, cr.created_at < window.end)


class SqlCostDriver:
    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn, self._dialect = conn, dialect

    async def spend_splits(self, tenant_id: str, entities: Sequence[tuple[EntityType, str]], *,
                           current: TimeWindow,
                           baseline: Sequence[TimeWindow]) -> list[SpendSplit]:
        by_type: dict[EntityType, set[str]] = {}
        for entity_type, entity_id in entities:
            by_type.setdefault(EntityType(entity_type), set()).add(entity_id)
        if not by_type:
            return []
        in_current = _inside(current)
        in_baseline = or_(*(_inside(w) for w in baseline)) if baseline else false()
        parts: list[Select[Any]] = []
        for entity_type, ids in sorted(by_type.items()):
            if entity_type is EntityType.TENANT:
                if tenant_id not in ids:
                    continue
                entity: ColumnElement[Any] = literal(tenant_id)
                scope: list[ColumnElement[bool]] = []
                keys: list[ColumnElement[Any]] = []
            else:
                entity = _SCOPE_COLUMNS[entity_type]
                scope = [entity.in_(sorted(ids))]
                keys = [entity]
            for dimension in DriverDimension:
                value = _value(dimension)
                parts.append(
                    select(literal(entity_type.value).label("entity_type"),
                           entity.label("entity_id"), literal(dimension.value).label("dim"),
                           value.label("value"),
                           func.sum(case((in_current, cr.cost_micros), else_=0)).label("cur"),
                           func.sum(case((in_baseline, cr.cost_micros), else_=0)).label("base"))
                    .where(cr.tenant_id == tenant_id, or_(in_current, in_baseline), *scope)
                    .group_by(*keys, value))
        if not parts:
            return []
        rows = await self._conn.execute(union_all(*parts))
        splits = [SpendSplit(entity_type=r.entity_type, entity_id=r.entity_id,
                             dimension=DriverDimension(r.dim), value=r.value,
                             current_cents=micros_to_cents(r.cur),
                             baseline_cents=micros_to_cents(r.base))
                  for r in rows]
        splits.sort(key=lambda s: (s.entity_type, s.entity_id, s.dimension.value,
                                   s.value))
        return splits
