"""Repricing on every backend: dry run and apply, reported costs untouched, idempotent,
resumable after a crash part-way."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from costsight.core.domain.costs import CostRecord, CostSource
from costsight.core.domain.prices import NewModelPrice, Rate
from costsight.core.errors import ValidationError
from costsight.core.services.reprice import RepriceService
from tests.contract.builders import OTHER_TENANT, T0, TENANT, cost, in_uow, read

DAY = timedelta(days=1)
SINCE = T0 - 10 * DAY


def price(cents: int, *, tenant_id: str | None = None, effective_from: Any = SINCE,
          model: str = "acme-model") -> NewModelPrice:
    return NewModelPrice(model=model, tenant_id=tenant_id, effective_from=effective_from,
                         rates={"input_mtok": Rate.from_cents(cents)})


async def seed(storage: Any) -> None:
    await in_uow(storage, lambda uow: uow.price_book.set_price(price(100)))
    records = [cost(model="acme-model", cost_cents=None, input_tokens=1_000_000,
                    request_id=f"p{i}", created_at=T0 - i * DAY) for i in range(5)]
    records += [
        cost(model="new-model", cost_cents=None, input_tokens=2_000_000, request_id="u1"),
        cost(model="acme-model", cost_cents=Decimal("7"), request_id="reported"),
        cost(model="acme-model", cost_cents=None, input_tokens=1_000_000, request_id="other",
             tenant_id=OTHER_TENANT),
    ]
    await in_uow(storage, lambda uow: uow.costs.record_costs(records))


async def rows(storage: Any, tenant: str = TENANT) -> dict[str, CostRecord]:
    found = await read(storage, lambda uow: uow.costs.records_to_reprice(
        tenant, SINCE, None, after_id=None, limit=100))
    return {r.request_id or "": r for r in found}


async def change_prices(storage: Any) -> None:
    async def action(uow: Any) -> None:
        await uow.price_book.set_price(price(300, tenant_id=TENANT))  # a tenant price now
        await uow.price_book.set_price(price(50, model="new-model"))  # now known
    await in_uow(storage, action)


async def test_dry_run_shows_old_and_new_totals_per_model_and_writes_nothing(
        storage: Any) -> None:
    await seed(storage)
    before = await rows(storage)
    await change_prices(storage)
    plan = await RepriceService(storage).plan(TENANT, SINCE, None, batch=2)
    totals = {m.model: (m.records, m.old_cents, m.new_cents, m.old_unpriced, m.new_unpriced)
              for m in plan.totals()}
    assert totals == {"acme-model": (5, Decimal(500), Decimal(1500), 0, 0),
                      "new-model": (1, Decimal(0), Decimal(100), 1, 0)}
    assert plan.changed == 6 and plan.updated == 0 and plan.batches == 3
    assert await rows(storage) == before


async def test_apply_reprices_in_batches_never_reported_nor_other_tenants(storage: Any) -> None:
    await seed(storage)
    other_before = await rows(storage, OTHER_TENANT)
    await change_prices(storage)
    report = await RepriceService(storage).apply(TENANT, SINCE, None, batch=4)
    assert (report.updated, report.batches) == (6, 2)
    after = await rows(storage)
    assert "reported" not in after  # reported records are never repriced
    assert {r.cost_cents for k, r in after.items() if k.startswith("p")} == {Decimal(300)}
    assert after["u1"].cost_source is CostSource.PRICED and after["u1"].cost_cents == 100
    assert await rows(storage, OTHER_TENANT) == other_before
    again = await RepriceService(storage).apply(TENANT, SINCE, None, batch=4)
    assert (again.updated, again.changed) == (0, 0)  # idempotent


async def test_a_window_bounds_what_is_repriced(storage: Any) -> None:
    await seed(storage)
    await change_prices(storage)
    report = await RepriceService(storage).apply(TENANT, T0 - 2 * DAY, T0 - DAY + timedelta(1))
    assert report.updated == 2  # the records of T0-2d and T0-1d
    assert {k for k, r in (await rows(storage)).items() if r.cost_cents == 300} == {"p1", "p2"}


async def test_a_crash_part_way_is_resumed_by_running_again(storage: Any) -> None:
    await seed(storage)
    await change_prices(storage)

    class Crash(Exception):
        pass

    service = RepriceService(storage)
    calls = 0
    real = storage.unit_of_work

    def flaky() -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:  # the third page never starts: two pages are committed
            raise Crash
        return real()

    storage.unit_of_work = flaky
    try:
        with pytest.raises(Crash):
            await service.apply(TENANT, SINCE, None, batch=2)
    finally:
        del storage.unit_of_work
    half = await rows(storage)
    assert sum(r.cost_cents == 300 for r in half.values()) + \
        (half["u1"].cost_source is CostSource.PRICED) == 4
    resumed = await service.apply(TENANT, SINCE, None, batch=2)
    assert resumed.updated == 2
    fresh_plan = await service.plan(TENANT, SINCE, None)
    assert fresh_plan.changed == 0


async def test_bad_arguments_name_the_field(storage: Any) -> None:
    with pytest.raises(ValidationError, match="batch"):
        await RepriceService(storage).plan(TENANT, SINCE, None, batch=0)
    with pytest.raises(ValidationError, match="until"):
        await RepriceService(storage).plan(TENANT, SINCE, SINCE)
