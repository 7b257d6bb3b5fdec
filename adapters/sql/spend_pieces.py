"""The two kinds of piece a spend select unions (``rollup_source``): a rollup grain's rows for
whole buckets, and raw ``cost_records`` rows for what is left. Both have the spend-row columns
(``raw_day_pieces.SPEND_KEYS``, then the sums); keys a grain does not keep read NULL, and a
raw row reads as one call with its cost split into high and low 32-bit halves.

The tenant and the ranges may be values or named bind parameters (``rollup_source.Spend``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from costsight.adapters.sql.cost_filters import cost_filter_clauses, worker_of
from costsight.adapters.sql.raw_day_pieces import SPEND_KEYS
from costsight.adapters.sql.rollup_writes import Grain, high_half, low_half
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.statistics import CostFilter, Dimension

cr = cost_records.c

#: Dimension -> the column a grain keys it by (the others exist on raw rows only).
KEYED = {Dimension.MODEL: "model", Dimension.FEATURE: "feature_tag",
         Dimension.USER: "user_id", Dimension.WORKFLOW: "workflow_id",
         Dimension.SKILL: "skill_id", Dimension.WORKER: "worker_id",
         Dimension.COST_SOURCE: "cost_source"}
#: The text keys of a spend row (then cost_source and is_retry).
TEXT_KEYS = SPEND_KEYS[:6]

#: A piece's ranges as a statement compares them: datetimes, or named bind parameters.
Bounds = Sequence[tuple[Any, Any]]


def rollup_piece(grain: Grain, tenant_id: Any, ranges: Bounds | None,
                 filters: CostFilter | None) -> Select[Any]:
    """``grain``'s rows of the tenant in ``ranges`` (None: every bucket) that pass ``filters``."""
    t = grain.table.c

    def key(name: str) -> ColumnElement[Any]:
        if name == "worker_id" and "worker_run_id" in grain.dims:
            return worker_of(t.worker_run_id, t.tenant_id)  # no run '' names no worker
        if name not in grain.dims:
            return cast(null(), String)
        return t[name] if name == "model" else func.nullif(t[name], literal_column("''"))

    keys = {name: key(name) for name in TEXT_KEYS}
    if "is_retry" in grain.dims:  # keyed by retry and cost source: the split sums from keys
        unpriced = t.cost_source == "unpriced"
        split = [t.cost_source, t.is_retry, t.calls, t.cost_hi, t.cost_lo, t.input_tokens,
                 t.output_tokens, case((t.is_retry, t.calls), else_=0).label("retry_calls"),
                 case((unpriced, t.calls), else_=0).label("unpriced_calls"),
                 case((unpriced, t.input_tokens + t.output_tokens),
                      else_=0).label("unpriced_tokens")]
    else:
        split = [cast(null(), String).label("cost_source"),
                 cast(null(), Boolean).label("is_retry"), t.calls, t.cost_hi, t.cost_lo,
                 t.input_tokens, t.output_tokens, t.retry_calls, t.unpriced_calls,
                 t.unpriced_tokens]
    stmt = select(t.bucket.label("ts"), *(v.label(k) for k, v in keys.items()),
                  *split).where(t.tenant_id == tenant_id)
    if ranges is not None:
        stmt = stmt.where(or_(*(and_(t.bucket >= a, t.bucket < b) for a, b in ranges)))
    if filters is not None:
        for dimension, value in filters.dimensions().items():
            column = t.cost_source if dimension is Dimension.COST_SOURCE \
                else keys[KEYED[dimension]]
            stmt = stmt.where(func.coalesce(column, literal(dimension.null_label)) == value)
        if filters.retry is not None:
            stmt = stmt.where(t.is_retry.is_(filters.retry))
    return stmt


def raw_piece(tenant_id: Any, ranges: Bounds, filters: CostFilter | None, *,
              workers: bool = False) -> Select[Any]:
    """The tenant's raw rows in ``ranges`` that pass ``filters``, one call each; ``workers``:
    each row's worker looked up (otherwise ``worker_id`` reads NULL: one lookup per raw row
    only for the reads that label workers)."""
    unpriced = cr.cost_source == "unpriced"
    worker = worker_of(cr.worker_run_id, cr.tenant_id) if workers else cast(null(), String)
    return (select(cr.created_at.label("ts"), cr.model, cr.feature_tag, cr.user_id,
                   cr.workflow_id, cr.skill_id, worker.label("worker_id"),
                   cr.cost_source, cr.is_retry,
                   literal(1).label("calls"),
                   high_half(cr.cost_micros).label("cost_hi"),
                   low_half(cr.cost_micros).label("cost_lo"),
                   cr.input_tokens, cr.output_tokens,
                   case((cr.is_retry, 1), else_=0).label("retry_calls"),
                   case((unpriced, 1), else_=0).label("unpriced_calls"),
                   case((unpriced, cr.input_tokens + cr.output_tokens),
                        else_=0).label("unpriced_tokens"))
            .where(cr.tenant_id == tenant_id,
                   or_(*(and_(cr.created_at >= a, cr.created_at < b) for a, b in ranges)),
                   *cost_filter_clauses(filters)))
