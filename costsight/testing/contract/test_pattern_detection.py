"""Contract: PatternDetectionPort (bounded, newest-first reads of worker runs)."""

from __future__ import annotations

from decimal import Decimal

from costsight.core.ports import Storage
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    TENANT,
    at,
    completed_run,
    failed_run,
    read,
    run_id,
    upsert_runs,
)

# --- run reads ------------------------------------------------------------------------------


async def seed_failed_runs(storage: Storage) -> None:
    await upsert_runs(
        storage,
        failed_run(1, created_at=at(10, 8)),
        failed_run(2, created_at=at(10, 9), error=None),          # no error: skipped
        failed_run(3, created_at=at(10, 10), error="timeout after 30s"),
        completed_run(4, created_at=at(10, 10, 30), error="warning only"),
        failed_run(5, created_at=at(10, 7)),                      # exactly at since
        failed_run(6, created_at=at(10, 6, 59, 59)),              # before since
        failed_run(7, created_at=at(10, 11)),                     # exactly at until
        failed_run(8, created_at=at(10, 11, 0, 1)),               # after until
        failed_run(9, created_at=at(10, 9), tenant_id=OTHER_TENANT),
    )


async def test_failed_runs_with_error_in_inclusive_window_newest_first(storage: Storage) -> None:
    await seed_failed_runs(storage)
    got = await read(storage, lambda uow: uow.patterns.failed_runs(
        TENANT, at(10, 7), at(10, 11), 100))
    assert [r.id for r in got] == [run_id(n) for n in (7, 3, 1, 5)]
    assert got[1] == failed_run(3, created_at=at(10, 10), error="timeout after 30s")


async def test_failed_runs_are_bounded_by_limit(storage: Storage) -> None:
    await seed_failed_runs(storage)
    got = await read(storage, lambda uow: uow.patterns.failed_runs(
        TENANT, at(10, 7), at(10, 11), 3))
    assert [r.id for r in got] == [run_id(n) for n in (7, 3, 1)]


async def seed_cost_runs(storage: Storage) -> None:
    await upsert_runs(
        storage,
        completed_run(1, "10", worker_id="worker-a", created_at=at(10, 8)),
        completed_run(2, "12.5", worker_id="worker-a", created_at=at(10, 9)),
        completed_run(3, "30", worker_id="worker-a", created_at=at(10, 10)),
        completed_run(4, "0", worker_id="worker-a", created_at=at(10, 10, 30)),  # no cost
        completed_run(5, None, worker_id="worker-a", created_at=at(10, 10, 40)),
        failed_run(6, worker_id="worker-a", created_at=at(10, 10, 50),
                   cost_cents=Decimal(99)),                                  # not completed
        completed_run(11, "4", worker_id="worker-b", created_at=at(10, 9)),
        completed_run(12, "5", worker_id="worker-b", created_at=at(10, 9)),  # same instant
        completed_run(13, "6", worker_id="worker-c", created_at=at(9, 23)),  # before since
        completed_run(14, "7", worker_id="worker-a", created_at=at(10, 9),
                      tenant_id=OTHER_TENANT),
    )


async def test_recent_cost_runs_keeps_newest_per_worker(storage: Storage) -> None:
    await seed_cost_runs(storage)
    got = await read(storage, lambda uow: uow.patterns.recent_cost_runs(
        TENANT, at(10, 0), at(10, 12), 2))
    assert [(r.worker_id, r.id) for r in got] == [
        ("worker-a", run_id(3)), ("worker-a", run_id(2)),
        ("worker-b", run_id(12)), ("worker-b", run_id(11)),
    ]
    assert [r.cost_cents for r in got] == [Decimal(30), Decimal("12.5"), Decimal(5), Decimal(4)]


async def test_recent_cost_runs_window_is_inclusive(storage: Storage) -> None:
    await seed_cost_runs(storage)
    got = await read(storage, lambda uow: uow.patterns.recent_cost_runs(
        TENANT, at(10, 9), at(10, 10), 10))
    assert [r.id for r in got] == [run_id(n) for n in (3, 2, 12, 11)]
