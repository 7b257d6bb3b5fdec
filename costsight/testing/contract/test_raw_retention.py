"""Contract: RawRetentionPort (a tenant's raw rows before a cutoff, counted and removed in
batches, oldest first)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from costsight.core.errors import ValidationError
from costsight.core.ports import Storage, UnitOfWork
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    T0,
    TENANT,
    at,
    cost,
    in_uow,
    read,
    record,
)

MICRO = timedelta(microseconds=1)
#: Later than every row the tests write: counts every row of a tenant.
END = at(31, 23)


async def count(storage: Storage, before: datetime, tenant: str = TENANT) -> int:
    return await read(storage, lambda uow: uow.raw_retention.count_raw_before(tenant, before))


async def delete(storage: Storage, before: datetime, batch: int, tenant: str = TENANT) -> int:
    return await in_uow(storage, lambda uow: uow.raw_retention.delete_raw_before(
        tenant, before, batch=batch))


async def test_empty_tenant_counts_and_deletes_nothing(storage: Storage) -> None:
    assert await count(storage, END) == 0
    assert await delete(storage, END, 10) == 0


async def test_a_row_at_the_cutoff_stays_one_microsecond_before_goes(storage: Storage) -> None:
    await record(storage, cost(request_id="before", created_at=T0 - MICRO),
                 cost(request_id="at", created_at=T0),
                 cost(request_id="after", created_at=T0 + MICRO))
    assert await count(storage, T0) == 1
    assert await delete(storage, T0, 100) == 1
    assert await count(storage, T0) == 0
    assert await count(storage, T0 + MICRO) == 1  # the row at the cutoff
    assert await count(storage, END) == 2
    assert await delete(storage, T0, 100) == 0


async def test_other_tenants_rows_are_untouched(storage: Storage) -> None:
    await record(storage, *[cost(request_id=f"a{i}", created_at=at(1 + i)) for i in range(3)],
                 *[cost(tenant_id=OTHER_TENANT, request_id=f"a{i}", created_at=at(1 + i))
                   for i in range(4)])
    assert await count(storage, END, OTHER_TENANT) == 4
    assert await delete(storage, END, 100) == 3
    assert await count(storage, END) == 0
    assert await count(storage, END, OTHER_TENANT) == 4


async def test_batch_limit_is_respected_oldest_first(storage: Storage) -> None:
    # Written newest first, so storage order is not the age order.
    await record(storage, *[cost(request_id=f"r{day}", created_at=at(day))
                            for day in range(7, 0, -1)])
    await record(storage, cost(request_id="young", created_at=at(20)))
    cutoff = at(10)
    assert await delete(storage, cutoff, 3) == 3
    assert await count(storage, at(4)) == 0  # days 1..3 went first
    assert await count(storage, cutoff) == 4
    assert await delete(storage, cutoff, 3) == 3
    assert await delete(storage, cutoff, 3) == 1
    assert await delete(storage, cutoff, 3) == 0
    assert await count(storage, END) == 1


async def test_ties_on_created_at_are_split_across_batches(storage: Storage) -> None:
    await record(storage, *[cost(request_id=f"t{i}") for i in range(5)],
                 cost(created_at=T0 - MICRO))  # no request id
    assert await delete(storage, T0 + MICRO, 2) == 2
    assert await count(storage, T0) == 0  # the oldest one went first
    assert await delete(storage, T0 + MICRO, 2) == 2
    assert await delete(storage, T0 + MICRO, 2) == 2
    assert await count(storage, END) == 0


async def test_dry_run_count_equals_the_later_delete(storage: Storage) -> None:
    await record(storage, *[cost(request_id=f"m{i}", created_at=at(1 + i % 28, i % 24))
                            for i in range(60)],
                 *[cost(created_at=at(1 + i, 3)) for i in range(20)])  # no request id
    cutoff = at(15, 7, 30)
    planned = await count(storage, cutoff)
    removed, rounds = 0, 0
    while (n := await delete(storage, cutoff, 7)) > 0:
        removed, rounds = removed + n, rounds + 1
    assert removed == planned > 0 and rounds == -(-planned // 7)
    assert await count(storage, END) == 80 - planned


async def test_delete_is_visible_in_its_unit_and_rolled_back_without_commit(
        storage: Storage) -> None:
    await record(storage, cost(request_id="x", created_at=at(1)))

    async def delete_then_count(uow: UnitOfWork) -> tuple[int, int]:
        port = uow.raw_retention
        removed = await port.delete_raw_before(TENANT, END, batch=10)
        return removed, await port.count_raw_before(TENANT, END)

    assert await in_uow(storage, delete_then_count, commit=False) == (1, 0)
    assert await count(storage, END) == 1


@pytest.mark.parametrize("batch", [0, -1])
async def test_batch_below_one_is_refused(storage: Storage, batch: int) -> None:
    await record(storage, cost(request_id="x", created_at=at(1)))
    with pytest.raises(ValidationError) as caught:
        await delete(storage, END, batch)
    assert caught.value.field == "batch"
    assert await count(storage, END) == 1


async def test_a_removed_records_request_id_stays_claimed(storage: Storage) -> None:
    """A replay of a request whose raw record retention removed is still a duplicate: it is
    never stored (nor rolled up) twice."""
    first = await record(storage, cost(request_id="old", created_at=at(1)))
    assert len(first.inserted_ids) == 1
    assert await delete(storage, END, 10) == 1
    replay = await record(storage, cost(request_id="old", created_at=at(1)))
    assert (replay.inserted_ids, replay.duplicate_request_ids) == ([], ["old"])
    assert await count(storage, END) == 0
