"""Contract: RollupPort (rebuilding changes no answer; verifying finds nothing after writes,
reprices or rebuilds; one tenant at a time)."""

from __future__ import annotations

from decimal import Decimal

from costsight.core.domain.costs import CostChange, CostSource
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
