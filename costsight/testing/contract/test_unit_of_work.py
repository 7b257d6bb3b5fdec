"""Contract: the unit of work is one transaction across every port (commit or nothing)."""

from __future__ import annotations

import anyio
import pytest

from costsight.core.ports import Storage
from costsight.testing.contract.builders import TENANT, read
from costsight.testing.contract.seed import snapshot, write_everything


class Boom(Exception):
    pass


async def empty_snapshot(storage: Storage) -> dict[str, object]:
    return await read(storage, lambda uow: snapshot(uow, TENANT))


async def test_leaving_without_commit_discards_every_write(storage: Storage) -> None:
    empty = await empty_snapshot(storage)
    async with storage.unit_of_work() as uow:
        await write_everything(uow, TENANT, run_base=1)
    assert await empty_snapshot(storage) == empty


async def test_an_exception_inside_propagates_and_nothing_is_stored(storage: Storage) -> None:
    empty = await empty_snapshot(storage)
    raised = Boom("inside the unit")
    with pytest.raises(Boom) as info:
        async with storage.unit_of_work() as uow:
            await write_everything(uow, TENANT, run_base=1)
            raise raised
    assert info.value is raised
    assert await empty_snapshot(storage) == empty


async def test_explicit_rollback_discards_every_write(storage: Storage) -> None:
    empty = await empty_snapshot(storage)
    async with storage.unit_of_work() as uow:
        await write_everything(uow, TENANT, run_base=1)
        await uow.rollback()
    assert await empty_snapshot(storage) == empty


async def test_commit_makes_every_write_visible_to_a_new_unit(storage: Storage) -> None:
    empty = await empty_snapshot(storage)
    async with storage.unit_of_work() as uow:
        await write_everything(uow, TENANT, run_base=1)
        inside = await snapshot(uow, TENANT)
        await uow.commit()
    for port, reads in inside.items():
        assert reads != empty[port], f"{port}: the unit did not see its own writes"
    assert await empty_snapshot(storage) == inside


async def test_uncommitted_writes_are_invisible_to_another_unit(storage: Storage) -> None:
    empty = await empty_snapshot(storage)
    with anyio.fail_after(30):
        async with storage.unit_of_work() as writer:
            await write_everything(writer, TENANT, run_base=1)
            assert await empty_snapshot(storage) == empty
            await writer.commit()
    assert await empty_snapshot(storage) != empty
