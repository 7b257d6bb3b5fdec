"""CostFilter as WHERE clauses on raw cost records, shared by the analytics reads.

Kept apart from the series and breakdown statements: the raw pieces of the rollup-backed reads
(``rollup_source``) filter ``cost_records`` with the same clauses as the raw-only reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from costsight.adapters.sql.tables import cost_records, worker_runs
from costsight.core.domain.statistics import CostFilter, Dimension

cr = cost_records.c
wr = worker_runs.c

_COLUMNS: dict[Dimension, ColumnElement[Any]] = {
    Dimension.MODEL: cr.model,
    Dimension.FEATURE: cr.feature_tag,
    Dimension.USER: cr.user_id,
    Dimension.WORKFLOW: cr.workflow_id,
    Dimension.SKILL: cr.skill_id,
    Dimension.COST_SOURCE: cr.cost_source,
}


def worker_of(run_id: ColumnElement[Any], tenant_id: ColumnElement[Any]) -> ColumnElement[Any]:
    """The worker of the tenant's run ``run_id`` (a correlated lookup in worker_runs; NULL
    without a run, or before the run is recorded)."""
    return (select(wr.worker_id)
            .where(wr.id == run_id, wr.tenant_id == tenant_id)
            # only the outer row correlates: a worker breakdown filtered by worker also has
            # this subquery in its FROM's filter, which must not correlate worker_runs away
            .correlate_except(worker_runs)
            .scalar_subquery())


def worker_label(run_id: ColumnElement[Any], tenant_id: ColumnElement[Any]) -> ColumnElement[Any]:
    """The worker of run ``run_id`` as a breakdown labels it (no run, or one not recorded:
    ``unknown``)."""
    return func.coalesce(worker_of(run_id, tenant_id), literal(Dimension.WORKER.null_label))


def _label(dimension: Dimension) -> ColumnElement[Any]:
    """The dimension's value of a cost_records row as a breakdown labels it (nulls named)."""
    if dimension is Dimension.WORKER:
        return worker_label(cr.worker_run_id, cr.tenant_id)
    return func.coalesce(_COLUMNS[dimension], literal(dimension.null_label))


def dimension_label(dimension: Dimension) -> ColumnElement[Any]:
    """The dimension's value of a cost_records row, nulls named (the driver reads use it)."""
    return _label(dimension)


def cost_filter_clauses(filters: CostFilter | None) -> list[ColumnElement[bool]]:
    """WHERE clauses over cost_records selecting the rows ``filters`` matches."""
    if filters is None:
        return []
    clauses = [_label(d) == value for d, value in filters.dimensions().items()]
    if filters.retry is not None:
        clauses.append(cr.is_retry.is_(filters.retry))
    return clauses
