"""What the reads aggregate: rows of the rollups for whole buckets, raw rows for partial edges.

A window [start, end) is cut into whole buckets of the coarsest grain that keys what the read
needs (whole calendar months for users, whole UTC days otherwise; never coarser than the
buckets the answer groups by), then whole buckets of the next grain in what is left at either
edge (days of users; hours), and what is left after that (raw ``cost_records`` rows, e.g. an
as-of instant in the middle of an hour or of a workflow's day). The pieces are one
``UNION ALL`` with the same columns, so every read aggregates them alike:

    ts, model, feature_tag, user_id, workflow_id, skill_id, worker_id, cost_source, is_retry,
    calls, cost_hi, cost_lo, input_tokens, output_tokens, retry_calls, unpriced_calls,
    unpriced_tokens

A raw row reads as one call with its cost split like the rollups (high and low 32 bits; see
``money``). ``worker_id`` is looked up in worker_runs from the run of a raw row or of a run
grain's row (a run may be recorded after its calls, so no grain keeps workers). The user,
workflow, skill and run grains key neither retry nor cost source (``is_retry`` and
``cost_source`` read NULL there; their retried and unpriced calls are sums): reads aggregate
the three last columns, never the keys, for those counts. A read whose dimensions or filters no
grain keeps (two of user / workflow / skill / worker, one of them with a model, a feature, a
retry or cost-source filter) gets ``None`` from ``plan`` and reads raw rows only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect, FromClause, Select, Subquery

from costsight.adapters.sql.bucket_width import Width
from costsight.adapters.sql.raw_day_pieces import raw_day_pieces
from costsight.adapters.sql.rollup_writes import (
    DAILY,
    HOURLY,
    RUN_DAILY,
    SKILL_DAILY,
    USER_DAILY,
    USER_MONTHLY,
    WORKFLOW_DAILY,
    Grain,
)
from costsight.adapters.sql.spend_pieces import KEYED, raw_piece, rollup_piece
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.statistics import CostFilter, Dimension

cr = cost_records.c

#: One microsecond: an inclusive ``until`` is the half-open end ``until + INSTANT``.
INSTANT = timedelta(microseconds=1)

#: The grains of a read keyed by one entity column alone (without a retry or cost-source split).
_ENTITY_LEVELS: dict[str, tuple[Grain, ...]] = {
    "user_id": (USER_MONTHLY, USER_DAILY), "workflow_id": (WORKFLOW_DAILY,),
    "skill_id": (SKILL_DAILY,), "worker_id": (RUN_DAILY,)}


@dataclass(frozen=True)
class Plan:
    """The grains a read may use, coarsest first: a window is cut into whole buckets of the
    first, then of the next in what is left at the edges, and so on; raw rows for the rest."""

    levels: tuple[Grain, ...]


def plan(dimensions: Iterable[Dimension], filters: CostFilter | None = None, *,
         buckets: Width | None = None) -> Plan | None:
    """The grains that hold every dimension grouped by or filtered on; None: raw rows only.
    ``buckets``: the answer is bucketed by this width, so no coarser grain may be used."""
    wanted = set(dimensions) | (set(filters.dimensions()) if filters is not None else set())
    if not all(d in KEYED for d in wanted):
        return None
    columns = {KEYED[d] for d in wanted}
    split = "cost_source" in columns or (filters is not None and filters.retry is not None)
    columns.discard("cost_source")
    if columns <= {"model", "feature_tag"}:
        levels: tuple[Grain, ...] = (DAILY, HOURLY)
    elif len(columns) == 1 and not split and min(columns) in _ENTITY_LEVELS:
        levels = _ENTITY_LEVELS[min(columns)]
    else:
        return None
    if buckets is not None:
        levels = tuple(g for g in levels if _WIDTHS.index(g.width) <= _WIDTHS.index(buckets))
    return Plan(levels) if levels else None


#: Bucket widths, finest first.
_WIDTHS = (Width.HOUR, Width.DAY, Width.MONTH)

#: The grains of the detection reads (daily series), per entity kind, and the spend-row column
#: naming it.
ENTITY_PLANS = {EntityType.TENANT: Plan((DAILY, HOURLY)), EntityType.FEATURE: Plan((DAILY, HOURLY)),
                EntityType.USER: Plan((USER_DAILY,))}
ENTITY_COLUMNS = {EntityType.FEATURE: "feature_tag", EntityType.USER: "user_id"}


def _whole(start: datetime, end: datetime,
           width: Width) -> tuple[tuple[datetime, datetime] | None, list[tuple[datetime, datetime]]]:
    """The whole ``width`` buckets inside [start, end), and what is left at either edge."""
    first, last = width.ceil(start), width.floor(end)
    if first >= last:
        return None, [(start, end)]
    return (first, last), [(a, b) for a, b in ((start, first), (last, end)) if a < b]


Ranges = list[tuple[datetime, datetime]]


@dataclass(frozen=True)
class Cut:
    """A window [start, end) cut for a ``Plan``: the ranges each of its grains serves
    (``pieces``, coarsest first, grains without a whole bucket left out) and the raw rest."""

    pieces: tuple[tuple[Grain, Ranges], ...]
    raw: Ranges

    def ranges(self, grain: Grain) -> Ranges:
        """The ranges ``grain`` serves (none if it serves none)."""
        return next((r for g, r in self.pieces if g is grain), [])


def cut(start: datetime, end: datetime, chosen: Plan) -> Cut:
    """The pieces of [start, end) for ``chosen``'s grains (an empty window: no pieces)."""
    pieces: list[tuple[Grain, Ranges]] = []
    edges: Ranges = [(start, end)] if start < end else []
    for grain in chosen.levels:
        whole: Ranges = []
        rest: Ranges = []
        for a, b in edges:
            inside, left = _whole(a, b, grain.width)
            whole += [inside] if inside is not None else []
            rest += left
        if whole:
            pieces.append((grain, whole))
        edges = rest
    return Cut(tuple(pieces), edges)


@dataclass(frozen=True)
class Spend:
    """A tenant's window cut for a plan, as a spend select binds it: each rollup piece's ranges,
    then the raw ranges (none: no raw piece). ``shape`` is all a statement's text depends on,
    ``params`` what it binds: a statement built once per shape (``bound_select(named=True)``)
    serves every tenant and window of that shape, with ``params`` passed at execution."""

    tenant_id: str
    pieces: tuple[tuple[Grain, Ranges], ...]
    raw: Ranges
    #: The columns the plan's grains key (raw rows summed per day keep those).
    keyed: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[tuple[tuple[str, int], ...], int, tuple[str, ...]]:
        return tuple((g.name, len(r)) for g, r in self.pieces), len(self.raw), self.keyed

    def _all(self) -> list[Ranges]:
        return [*(r for _, r in self.pieces), self.raw]

    def params(self) -> dict[str, Any]:
        """The values of a named spend select's bind parameters."""
        out: dict[str, Any] = {TENANT_PARAM: self.tenant_id}
        for j, ranges in enumerate(self._all()):
            for i, (a, b) in enumerate(ranges):
                out[_bound_name(j, i, "from")], out[_bound_name(j, i, "to")] = a, b
        return out


#: The tenant's bind parameter in a named spend select.
TENANT_PARAM = "spend_tenant"


def _bound_name(piece: int, index: int, end: str) -> str:
    return f"spend_{piece}_{index}_{end}"


def spend_of(tenant_id: str, start: datetime, end: datetime, chosen: Plan) -> Spend:
    """[start, end) of ``tenant_id`` cut for ``chosen`` (an empty window reads one empty raw
    range, so the select still has its columns)."""
    c = cut(start, end, chosen)
    return Spend(tenant_id, c.pieces, c.raw or ([] if c.pieces else [(start, start)]),
                 tuple(dict.fromkeys(k for grain in chosen.levels for k in grain.dims)))


def one_row_per_day(start: datetime, end: datetime, chosen: Plan, column: str) -> bool:
    """Whether the spend rows of [start, end) hold at most one row per (``column``, UTC day):
    the window is whole days of one grain keyed by ``column`` alone (its primary key is then
    (tenant, day, column)), so grouping them by (column, day) would change nothing."""
    ranges = cut(start, end, chosen)
    if ranges.raw or len(ranges.pieces) != 1:
        return False
    grain = ranges.pieces[0][0]
    return grain.width is Width.DAY and grain.dims == (column,)


def spend_select(tenant_id: str, start: datetime | None, end: datetime | None, chosen: Plan,
                 filters: CostFilter | None = None, *,
                 raw_days: bool = False) -> Select[Any] | CompoundSelect[Any]:
    """The tenant's spend rows in [start, end) (no bounds: all time, from the coarsest grain).
    ``raw_days``: the read's windows all start and end at midnight UTC, so raw rows may come
    summed per day (``raw_day_pieces``; not with filters)."""
    if start is None or end is None:
        return rollup_piece(chosen.levels[0], tenant_id, None, filters)
    return bound_select(spend_of(tenant_id, start, end, chosen), filters,
                        raw_days=raw_days and filters is None)


def bound_select(spend: Spend, filters: CostFilter | None = None, *, named: bool = False,
                 raw_days: bool = False) -> Select[Any] | CompoundSelect[Any]:
    """``spend``'s rows; ``named``: the tenant and every bound are named bind parameters
    (``Spend.params``), so the statement can be kept and run again for another spend of the
    same shape. Unnamed, the values are anonymous parameters (several selects may be
    combined in one statement). ``raw_days`` (unnamed, no filters): the raw rows summed per
    key and day (``raw_day_pieces``)."""
    if raw_days and (named or filters is not None):
        raise ValueError("raw_days reads neither named parameters nor filters")
    at = cr.created_at.type

    def bound(j: int, i: int, end: str, value: datetime) -> Any:
        return bindparam(_bound_name(j, i, end), value, type_=at) if named else value

    tenant: Any = bindparam(TENANT_PARAM, spend.tenant_id, type_=String()) if named \
        else spend.tenant_id
    ranges = [[(bound(j, i, "from", a), bound(j, i, "to", b)) for i, (a, b) in enumerate(r)]
              for j, r in enumerate(spend._all())]
    pieces = [rollup_piece(grain, tenant, ranges[j], filters)
              for j, (grain, _) in enumerate(spend.pieces)]
    days = [(a, b) for a, b in spend.raw if a < b] if raw_days else []
    if days:
        pieces += raw_day_pieces(spend.tenant_id, days, spend.keyed)
    elif spend.raw:
        pieces.append(raw_piece(tenant, ranges[-1], filters,
                                workers="worker_run_id" in spend.keyed))
    first, *others = pieces
    return first.union_all(*others) if others else first


def spend_rows(tenant_id: str, start: datetime | None, end: datetime | None, chosen: Plan,
               filters: CostFilter | None = None, *, raw_days: bool = False) -> Subquery:
    """``spend_select`` as the subquery ``spend``."""
    return spend_select(tenant_id, start, end, chosen, filters,
                        raw_days=raw_days).subquery("spend")


# -- aggregates over spend_rows -----------------------------------------------------------------

def _int_sum(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """SUM read as BIGINT: Postgres sums BIGINTs as NUMERIC, which the driver decodes into
    ``Decimal`` objects (slow for tens of thousands of rows); these sums never overflow BIGINT
    (money is summed as 32-bit halves; calls and tokens are far below 2**63), and a cast that
    did would raise, never wrap."""
    return cast(func.sum(value), BigInteger)


def money(s: FromClause, when: ColumnElement[bool] | None = None) -> list[ColumnElement[Any]]:
    """SUM of cost as its (high, low) halves; ``joined`` recombines them."""
    if when is None:
        return [_int_sum(s.c.cost_hi), _int_sum(s.c.cost_lo)]
    return [_int_sum(case((when, s.c.cost_hi), else_=0)),
            _int_sum(case((when, s.c.cost_lo), else_=0))]


def joined(high: Any, low: Any) -> int:
    """Micro-cents from the summed halves (None: no rows)."""
    return (int(high or 0) << 32) + int(low or 0)


def total(s: FromClause, column: str, when: ColumnElement[bool] | None = None) -> ColumnElement[Any]:
    """SUM of a summed column of spend rows (``calls``, ``retry_calls``, ...), optionally of
    the rows ``when`` holds for."""
    if when is None:
        return _int_sum(s.c[column])
    return _int_sum(case((when, s.c[column]), else_=0))


def label(s: FromClause, dimension: Dimension) -> ColumnElement[str]:
    """The dimension's value of a spend row, nulls named as the breakdowns name them."""
    return func.coalesce(s.c[KEYED[dimension]], literal(dimension.null_label))
