"""SQL CostDriverPort: ONE UNION ALL statement per call, whatever the number of entities.

Each part returns rows of one shape (``_COLUMNS``): the entity, which driver dimensions the row
counts for (``_PARTS``), the record keys it was grouped by, and calls and cost (high and low
32-bit halves, see ``money``) in the current window and in the baseline windows. Python adds
the rows up per dimension value, exactly.

- Users and features: ONE raw scan of their records in the windows, grouped by every key at
  once (model, feature, user, worker, retry); ``ix_cost_records_tenant_user_created`` /
  ``_feature_created`` restrict it to the windows' rows (a BitmapOr of one range per window).
- The tenant: model, feature and retry from the model grain (whole days, then whole hours)
  with raw rows only at partial-hour edges; users from the user grain (whole days) with raw
  rows for partial days; workers from the run grain (whole days) with raw rows for partial
  days, each run's worker looked up in worker_runs (``unknown``: no run, or one not recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from costsight.adapters.sql.cost_filters import dimension_label, worker_label
from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.rollup_source import (
    ENTITY_PLANS,
    Cut,
    Plan,
    Ranges,
    cut,
    joined,
)
from costsight.adapters.sql.rollup_writes import RUN_DAILY, Grain, high_half, low_half
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.drivers import FIRST_ATTEMPT, RETRIED, DriverDimension, SpendSplit
from costsight.core.domain.statistics import Dimension, TimeWindow
from costsight.core.money import micros_to_cents

cr = cost_records.c
D = DriverDimension

_SCOPE_COLUMNS: dict[EntityType, ColumnElement[Any]] = {
    EntityType.USER: cr.user_id, EntityType.FEATURE: cr.feature_tag}
#: Which dimensions the rows of each kind of part count for.
_PARTS: dict[str, tuple[DriverDimension, ...]] = {
    "all": tuple(DriverDimension), "mix": (D.MODEL, D.FEATURE, D.RETRY), "user": (D.USER,),
    "worker": (D.WORKER,)}
_COLUMNS = ("entity_type", "entity_id", "part", "model", "feature_tag", "user_id", "worker",
            "is_retry", "cur_n", "cur_hi", "cur_lo", "base_n", "base_hi", "base_lo")


def merged(windows: Sequence[TimeWindow]) -> list[TimeWindow]:
    """The union of ``windows`` as disjoint windows in time order (a record inside two
    baseline windows counts once)."""
    out: list[TimeWindow] = []
    for w in sorted((w for w in windows if w.start < w.end), key=lambda w: w.start):
        if out and w.start <= out[-1].end:
            if w.end > out[-1].end:
                out[-1] = TimeWindow(start=out[-1].start, end=w.end)
        else:
            out.append(w)
    return out


#: The grains of the tenant's worker drivers.
_WORKER_PLAN = Plan((RUN_DAILY,))


class _Roles:
    """The current window and the baseline windows, each cut for one plan of grains."""

    def __init__(self, current: TimeWindow, baseline: Sequence[TimeWindow], chosen: Plan):
        self.levels = chosen.levels
        self.current = cut(current.start, current.end, chosen)
        pieces = [cut(w.start, w.end, chosen) for w in baseline]
        self.baseline = Cut(tuple((g, [r for p in pieces for r in p.ranges(g)])
                                  for g in chosen.levels), [r for p in pieces for r in p.raw])


def _within(ts: ColumnElement[datetime], ranges: Ranges) -> ColumnElement[bool]:
    return or_(*(and_(ts >= a, ts < b) for a, b in ranges)) if ranges else false()


def _sums(ts: ColumnElement[datetime], calls: ColumnElement[Any], hi: ColumnElement[Any],
          lo: ColumnElement[Any], current: Ranges,
          baseline: Ranges) -> tuple[list[ColumnElement[Any]], ColumnElement[bool]]:
    """Calls and cost halves in the current and in the baseline ranges; the WHERE clause."""
    cur, base = _within(ts, current), _within(ts, baseline)
    columns: list[ColumnElement[Any]] = [
        func.sum(case((w, v), else_=0)).label(f"{role}_{name}")
        for role, w in (("cur", cur), ("base", base))
        for name, v in (("n", calls), ("hi", hi), ("lo", lo))]
    return columns, or_(cur, base)


def _nothing(type_: Any) -> ColumnElement[Any]:
    return cast(null(), type_)


def _raw(kind: EntityType, entity: ColumnElement[Any], part: str,
         keys: dict[str, ColumnElement[Any]], current: Ranges, baseline: Ranges,
         where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """Raw records in the ranges, grouped by the entity and ``keys`` (the others read NULL)."""
    sums, inside = _sums(cr.created_at, literal(1), high_half(cr.cost_micros),
                         low_half(cr.cost_micros), current, baseline)
    shown = [keys.get(name, _nothing(Boolean if name == "is_retry" else String)).label(name)
             for name in _COLUMNS[3:8]]
    return (select(literal(kind.value).label("entity_type"), entity.label("entity_id"),
                   literal(part).label("part"), *shown, *sums)
            .where(*where, inside)
            .group_by(*([] if kind is EntityType.TENANT else [entity]), *keys.values()))


def _rollup(tenant_id: str, grain: Grain, part: str, keys: tuple[str, ...], current: Ranges,
            baseline: Ranges) -> Select[Any]:
    """One grain's rows in the ranges, grouped by ``keys`` ('' read as NULL)."""
    t = grain.table.c
    sums, inside = _sums(t.bucket, t.calls, t.cost_hi, t.cost_lo, current, baseline)

    def shown(name: str) -> ColumnElement[Any]:
        if name not in keys:
            return _nothing(Boolean if name == "is_retry" else String)
        if name == "worker":  # the run's worker, labelled as the raw rows'
            return worker_label(t.worker_run_id, t.tenant_id)
        if name in ("feature_tag", "user_id"):
            return func.nullif(t[name], literal_column("''"))
        return t[name]

    columns = {name: shown(name) for name in _COLUMNS[3:8]}
    return (select(literal(EntityType.TENANT.value).label("entity_type"),
                   literal(tenant_id).label("entity_id"), literal(part).label("part"),
                   *(v.label(name) for name, v in columns.items()), *sums)
            .where(t.tenant_id == tenant_id, inside)
            .group_by(*(columns[k] for k in keys)))


_RAW_KEYS: dict[str, ColumnElement[Any]] = {
    "model": cr.model, "feature_tag": cr.feature_tag, "user_id": cr.user_id,
    "worker": dimension_label(Dimension.WORKER), "is_retry": cr.is_retry}


def _entity_parts(tenant_id: str, kind: EntityType, ids: set[str], current: TimeWindow,
                  baseline: Sequence[TimeWindow]) -> list[Select[Any]]:
    """A user's or feature's records: one raw scan, every key."""
    windows = [(current.start, current.end)] if current.start < current.end else []
    base = [(w.start, w.end) for w in baseline]
    if not windows and not base:
        return []
    entity = _SCOPE_COLUMNS[kind]
    return [_raw(kind, entity, "all", _RAW_KEYS, windows, base,
                 [cr.tenant_id == tenant_id, entity.in_(sorted(ids))])]


def _tenant_parts(tenant_id: str, current: TimeWindow,
                  baseline: Sequence[TimeWindow]) -> list[Select[Any]]:
    """The tenant: the model, user and run grains and their raw edges."""
    parts: list[Select[Any]] = []
    mix_keys = ("model", "feature_tag", "is_retry")
    kinds = ((ENTITY_PLANS[EntityType.TENANT], "mix", mix_keys),
             (ENTITY_PLANS[EntityType.USER], "user", ("user_id",)),
             (_WORKER_PLAN, "worker", ("worker",)))
    scope = [cr.tenant_id == tenant_id]
    for chosen, part, keys in kinds:
        roles = _Roles(current, baseline, chosen)
        for grain in roles.levels:
            cur, base = roles.current.ranges(grain), roles.baseline.ranges(grain)
            if cur or base:
                parts.append(_rollup(tenant_id, grain, part, keys, cur, base))
        if roles.current.raw or roles.baseline.raw:
            parts.append(_raw(EntityType.TENANT, literal(tenant_id), part,
                              {n: _RAW_KEYS[n] for n in keys}, roles.current.raw,
                              roles.baseline.raw, scope))
    return parts


def _value(dimension: DriverDimension, row: Any) -> str:
    if dimension is D.RETRY:
        return RETRIED if row.is_retry else FIRST_ATTEMPT
    if dimension is D.WORKER:
        return str(row.worker)
    column = {D.MODEL: row.model, D.FEATURE: row.feature_tag, D.USER: row.user_id}[dimension]
    return column if column is not None else Dimension(dimension.value).null_label


Key = tuple[str, str, str, str]


def _add(found: dict[Key, list[int]], key: Key, amounts: Sequence[int]) -> None:
    sums = found.setdefault(key, [0, 0, 0, 0])
    for i, amount in enumerate(amounts):
        sums[i] += amount


def _split_up(rows: Sequence[Any]) -> dict[Key, list[int]]:
    """(entity type, entity id, dimension, value) -> [current calls, current micro-cents,
    baseline calls, baseline micro-cents]."""
    found: dict[Key, list[int]] = {}
    for r in rows:
        amounts = (int(r.cur_n or 0), joined(r.cur_hi, r.cur_lo), int(r.base_n or 0),
                   joined(r.base_hi, r.base_lo))
        for dimension in _PARTS[r.part]:
            _add(found, (r.entity_type, r.entity_id, dimension.value, _value(dimension, r)),
                 amounts)
    return found


class SqlCostDriver:
    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn, self._dialect = conn, dialect

    async def spend_splits(self, tenant_id: str, entities: Sequence[tuple[EntityType, str]], *,
                           current: TimeWindow,
                           baseline: Sequence[TimeWindow]) -> list[SpendSplit]:
        by_type: dict[EntityType, set[str]] = {}
        for entity_type, entity_id in entities:
            by_type.setdefault(EntityType(entity_type), set()).add(entity_id)
        base = merged(baseline)
        parts: list[Select[Any]] = []
        for entity_type, ids in sorted(by_type.items()):
            if entity_type is EntityType.TENANT:
                if tenant_id in ids:
                    parts += _tenant_parts(tenant_id, current, base)
            else:
                parts += _entity_parts(tenant_id, entity_type, ids, current, base)
        if not parts:
            return []
        rows = (await self._conn.execute(union_all(*parts))).all()
        splits = [SpendSplit(entity_type=t, entity_id=e, dimension=DriverDimension(d), value=v,
                             current_cents=micros_to_cents(cur), baseline_cents=micros_to_cents(b))
                  for (t, e, d, v), (cur_n, cur, base_n, b) in _split_up(rows).items()
                  if cur_n or base_n]
        splits.sort(key=lambda s: (s.entity_type, s.entity_id, s.dimension.value, s.value))
        return splits
