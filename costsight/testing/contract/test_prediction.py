"""Contract: PredictionPort (exact worker statistics and the predictors' reads)."""

from __future__ import annotations

from datetime import timedelta

from costsight.core.ports import Storage, UnitOfWork
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    TENANT,
    at,
    completed_run,
    failed_run,
    feedback,
    in_uow,
    read,
    run_id,
    upsert_runs,
    worker_run,
)

H24 = timedelta(hours=24)






# --- worker statistics ----------------------------------------------------------------------


async def seed_runs(storage: Storage) -> None:
    await upsert_runs(
        storage,
        completed_run(1, "10", created_at=at(10, 1)),
        failed_run(2, created_at=at(10, 2)),
        failed_run(3, created_at=at(10, 3), error=None),
        worker_run(4, created_at=at(10, 4), status="running", started_at=at(10, 4)),
        worker_run(5, created_at=at(10, 12)),                         # exactly at until
        failed_run(10, created_at=at(10, 1, 30)),
        completed_run(6, "7.5", worker_id="worker-b", created_at=at(10, 5)),
        completed_run(7, "8", worker_id="worker-b", created_at=at(9, 23, 59)),  # before since
        failed_run(8, worker_id="worker-b", created_at=at(10, 12, 0, 1)),      # after until
        failed_run(9, worker_id="worker-c", created_at=at(10, 0)),           # exactly at since
        failed_run(20, tenant_id=OTHER_TENANT, created_at=at(10, 2)),
        failed_run(21, tenant_id=OTHER_TENANT, worker_id="worker-z", created_at=at(10, 2)),
    )


async def test_worker_run_totals_count_every_run_exactly(storage: Storage) -> None:
    await seed_runs(storage)
    got = await read(storage, lambda uow: uow.predictions.worker_run_totals(
        TENANT, at(10, 0), at(10, 12)))
    assert [(t.worker_id, t.total_runs, t.failed_runs) for t in got] == [
        ("worker-a", 6, 3), ("worker-b", 1, 0), ("worker-c", 1, 1)]


async def test_recent_failed_runs_newest_per_worker(storage: Storage) -> None:
    await seed_runs(storage)
    got = await read(storage, lambda uow: uow.predictions.recent_failed_runs(
        TENANT, at(10, 0), at(10, 12), 2))
    assert [(r.worker_id, r.id) for r in got] == [
        ("worker-a", run_id(3)), ("worker-a", run_id(2)), ("worker-c", run_id(9))]
    assert got[0].error is None


async def test_prediction_port_recent_cost_runs(storage: Storage) -> None:
    await seed_runs(storage)
    got = await read(storage, lambda uow: uow.predictions.recent_cost_runs(
        TENANT, at(10, 0), at(10, 12), 5))
    assert [(r.worker_id, r.id) for r in got] == [("worker-a", run_id(1)),
                                                  ("worker-b", run_id(6))]


async def test_failure_patterns_last_seen_in_window_newest_first(storage: Storage) -> None:
    async def seed(uow: UnitOfWork) -> None:
        for hour, sig, kind, tenant in [(1, "f1", "failure_pattern", TENANT),
                                        (2, "f2", "failure_pattern", TENANT),
                                        (3, "f3", "cost_spike", TENANT),
                                        (5, "f4", "failure_pattern", TENANT),
                                        (3, "f5", "failure_pattern", OTHER_TENANT)]:
            await uow.pattern_feedback.upsert_feedback(
                [feedback(sig, pattern_type=kind, tenant_id=tenant)],
                open_since=at(10, hour) - H24, now=at(10, hour))

    await in_uow(storage, seed)
    got = await read(storage, lambda uow: uow.predictions.failure_patterns(
        TENANT, at(10, 1), at(10, 4)))
    assert [f.signature for f in got] == ["f2", "f1"]
    limited = await read(storage, lambda uow: uow.predictions.failure_patterns(
        TENANT, at(10, 0), at(10, 23), limit=2))
    assert [f.signature for f in limited] == ["f4", "f2"]
