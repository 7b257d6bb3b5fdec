"""Contract: RollupPort (rebuilding changes no answer; verifying finds nothing after writes,
reprices or rebuilds; one tenant at a time)."""

from __future__ import annotations

from decimal import Decimal

from costsight.core.domain.costs import CostChange, CostSource, NewCostRecord
from costsight.core.domain.statistics import Dimension, Resolution
from costsight.core.ports import Storage, UnitOfWork
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    TENANT,
    at,
    cost,
    in_uow,
    read,
    record,
    window,
)

WINDOW = window(at(9, 0), at(12, 0))


async def _seed(storage: Storage) -> None:
    await record(storage, *(cost(created_at=at(9 + k % 3, k % 24, k % 60), model=m,
                                 user_id=f"u{k % 4}", is_retry=k % 5 == 0,
                                 cost_cents=Decimal(k * 1_000_003) / 10**6 if k % 3 else None,
                                 request_id=f"r{k}")
                            for k in range(90) for m in ("gpt-4o", "no-such-model")))
    await record(storage, cost(tenant_id=OTHER_TENANT, created_at=at(10, 5),
                               cost_cents=Decimal(3)))


async def _answers(uow: UnitOfWork, tenant: str = TENANT) -> list[object]:
    return [await uow.analytics.cost_spend(tenant, WINDOW, Resolution.HOUR),
            await uow.analytics.cost_breakdown(tenant, WINDOW, Dimension.USER),
            await uow.analytics.cost_breakdown(tenant, WINDOW, Dimension.COST_SOURCE)]


async def test_verify_finds_nothing_after_writes(storage: Storage) -> None:
    await _seed(storage)
    assert await read(storage, lambda uow: uow.rollups.verify(TENANT)) == []
    assert await read(storage, lambda uow: uow.rollups.verify(OTHER_TENANT)) == []


async def test_verify_finds_nothing_after_a_reprice(storage: Storage) -> None:
    await _seed(storage)

    async def reprice(uow: UnitOfWork) -> int:
        found = await uow.costs.records_to_reprice(TENANT, at(1, 0), None, after_id=None,
                                                   limit=500)
        return await uow.costs.update_costs(TENANT, [
            CostChange(id=r.id, cost_cents=Decimal(2), cost_source=CostSource.PRICED)
            for r in found])

    assert await in_uow(storage, reprice) > 0
    assert await read(storage, lambda uow: uow.rollups.verify(TENANT)) == []


async def test_rebuild_changes_no_answer(storage: Storage) -> None:
    await _seed(storage)
    before = await read(storage, _answers)
    await in_uow(storage, lambda uow: uow.rollups.rebuild(TENANT))
    await in_uow(storage, lambda uow: uow.rollups.rebuild(TENANT, at(10, 13, 30)))
    assert await read(storage, _answers) == before
    assert await read(storage, lambda uow: uow.rollups.verify(TENANT)) == []


async def test_rebuild_of_one_tenant_leaves_the_others(storage: Storage) -> None:
    await _seed(storage)
    other = await read(storage, lambda uow: _answers(uow, OTHER_TENANT))
    await in_uow(storage, lambda uow: uow.rollups.rebuild(TENANT))
    assert await read(storage, lambda uow: _answers(uow, OTHER_TENANT)) == other
    assert await read(storage, lambda uow: uow.rollups.verify(OTHER_TENANT)) == []


async def test_tenants_with_records_are_listed(storage: Storage) -> None:
    await _seed(storage)
    assert await read(storage, lambda uow: uow.rollups.tenants_with_records()) == sorted(
        [TENANT, OTHER_TENANT])


async def test_an_unknown_tenant_has_nothing_to_rebuild_or_verify(storage: Storage) -> None:
    assert await in_uow(storage, lambda uow: uow.rollups.rebuild("nobody")) == 0
    assert await read(storage, lambda uow: uow.rollups.verify("nobody")) == []


def _bulk_batch(first: int, count: int) -> list[NewCostRecord]:
    """Records over three days and two users; request ids repeat across batches."""
    return [cost(created_at=at(9 + k % 3, k % 24, k % 60), user_id=f"u{k % 2}", is_retry=k % 7 == 0,
                 cost_cents=Decimal(k) / 100, request_id=f"b{k % 150}")
            for k in range(first, first + count)]


async def test_bulk_writes_answer_like_plain_writes_after_commit(storage: Storage) -> None:
    """``record_costs(bulk=True)``: batches large enough to be staged, request ids repeated
    across them and a plain batch between them; after the commit the rollups hold exactly
    the stored rows, and the answers equal those of the same batches written plainly."""
    batches = [_bulk_batch(0, 100), _bulk_batch(100, 100), _bulk_batch(200, 100)]

    async def write(uow: UnitOfWork, bulk: bool) -> int:
        inserted = 0
        for k, batch in enumerate(batches):
            result = await uow.costs.record_costs(batch, bulk=bulk and k != 1)
            inserted += len(result.inserted_ids)
        return inserted

    assert await in_uow(storage, lambda uow: write(uow, True)) == 150
    assert await read(storage, lambda uow: uow.rollups.verify(TENANT)) == []
    bulk_answers = await read(storage, _answers)
    await in_uow(storage, lambda uow: uow.rollups.rebuild(TENANT))
    assert await read(storage, _answers) == bulk_answers


async def test_bulk_writes_rolled_back_leave_nothing_and_the_next_unit_works(
        storage: Storage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs(_bulk_batch(0, 100), bulk=True)
        await uow.rollback()
    async with storage.unit_of_work() as uow:  # left without commit
        await uow.costs.record_costs(_bulk_batch(0, 100), bulk=True)
    assert await read(storage, lambda uow: uow.rollups.tenants_with_records()) == []
    async with storage.unit_of_work() as uow:  # a rollback, then two commits in one unit
        await uow.costs.record_costs(_bulk_batch(0, 100), bulk=True)
        await uow.rollback()
        await uow.costs.record_costs(_bulk_batch(0, 100), bulk=True)
        await uow.commit()
        await uow.costs.record_costs(_bulk_batch(100, 100), bulk=True)
        await uow.commit()
    assert await read(storage, lambda uow: uow.rollups.verify(TENANT)) == []
    stats = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, WINDOW, Dimension.USER))
    assert sum(row.requests for row in stats) == 150
