"""Worker-run selections shared by the pattern and prediction ports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from costsight.adapters.memory._buckets import aware
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.costs import RunStatus, WorkerRun
from costsight.core.pagination import require_positive


def runs_between(tx: Tx, tenant_id: str, since: datetime, until: datetime,
                 where: Callable[[WorkerRun], bool]) -> list[WorkerRun]:
    """The tenant's runs with ``since <= created_at <= until`` that match ``where``."""
    since, until = aware(since, "since"), aware(until, "until")
    return tx.worker_runs.rows(
        lambda r: r.tenant_id == tenant_id and since <= r.created_at <= until and where(r))


def newest_per_worker(runs: list[WorkerRun], per_worker: int) -> list[WorkerRun]:
    """The newest ``per_worker`` runs of every worker, ordered by (worker_id, created_at desc,
    id desc)."""
    require_positive("per_worker", per_worker)
    by_worker: dict[str, list[WorkerRun]] = {}
    for run in runs:
        by_worker.setdefault(run.worker_id, []).append(run)
    result: list[WorkerRun] = []
    for worker_id in sorted(by_worker):
        newest = sorted(by_worker[worker_id], key=lambda r: (r.created_at, r.id), reverse=True)
        result.extend(newest[:per_worker])
    return result


def recent_cost_runs(tx: Tx, tenant_id: str, since: datetime, until: datetime,
                     per_worker: int) -> list[WorkerRun]:
    """Completed runs with cost > 0 in [since, until], newest ``per_worker`` of each worker."""
    runs = runs_between(tx, tenant_id, since, until,
                        lambda r: r.status is RunStatus.COMPLETED
                        and r.cost_cents is not None and r.cost_cents > 0)
    return newest_per_worker(runs, per_worker)
