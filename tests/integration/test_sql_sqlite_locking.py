"""SQLite: readers never wait for writers, and a unit that read first can still write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import pytest

from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.statistics import Resolution, TimeWindow
from costsight.testing.contract.builders import T0, TENANT, budget, cost, feature_tag
from tests.integration.sqlite_locks import StatementLog, write_lock_held

pytestmark = pytest.mark.sqlite


@pytest.fixture
async def two(sqlite_url: str) -> AsyncIterator[tuple[SqlStorage, SqlStorage]]:
    a, b = await SqlStorage.open(sqlite_url), await SqlStorage.open(sqlite_url)
    yield a, b
    await a.aclose()
    await b.aclose()


async def test_unit_that_read_first_writes_after_another_commit(
        two: tuple[SqlStorage, SqlStorage]) -> None:
    first, second = two
    with anyio.fail_after(10):
        async with first.unit_of_work() as reader_then_writer:
            assert await reader_then_writer.costs.list_budgets(TENANT) == []
            async with second.unit_of_work() as other:
                await other.costs.create_feature_tag(feature_tag("chat.reply"))
                await other.commit()
            await reader_then_writer.costs.upsert_budget(budget())
            await reader_then_writer.costs.record_costs([cost(feature_tag="chat.reply")])
            await reader_then_writer.commit()
    async with second.unit_of_work() as check:
        assert len(await check.costs.list_budgets(TENANT)) == 1
        assert [t.tag for t in await check.costs.list_feature_tags(TENANT)] == ["chat.reply"]


async def test_reader_does_not_wait_for_an_open_writer(
        two: tuple[SqlStorage, SqlStorage]) -> None:
    first, second = two
    with anyio.fail_after(5):
        async with first.unit_of_work() as writer:
            await writer.costs.record_costs([cost(request_id="pending")])
            async with second.unit_of_work() as reader:
                assert await reader.costs.list_budgets(TENANT) == []
                series_total = await reader.analytics.known_tenants()
            assert series_total == []
            await writer.commit()
    async with second.unit_of_work() as reader:
        assert await reader.analytics.known_tenants() == [TENANT]


async def test_second_writer_waits_for_the_first_instead_of_failing(
        two: tuple[SqlStorage, SqlStorage], sqlite_url: str) -> None:
    """The second writer is seen asking for the write lock while the first holds it (the
    database refuses a probe), and gets it only once the first commits."""
    first, second = two
    log: list[str] = []
    asking = StatementLog(second.engine, "second", log)

    async def late_writer() -> None:
        async with second.unit_of_work() as uow:
            await uow.costs.record_costs([cost(request_id="late")])
            await uow.commit()
        log.append("second:committed")

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            async with first.unit_of_work() as uow:
                await uow.costs.record_costs([cost(request_id="early")])
                assert write_lock_held(sqlite_url)  # the first unit holds the write lock
                tg.start_soon(late_writer)
                await asking.asked.wait()
                # The lock is still held (nothing released it), so the second cannot have it.
                assert write_lock_held(sqlite_url)
                assert log == ["second:asks"]
                log.append("first:commits")
                await uow.commit()
    assert log == ["second:asks", "first:commits", "second:got", "second:committed"]
    async with second.unit_of_work() as check:
        assert (await check.analytics.cost_spend(
            TENANT, TimeWindow(start=T0, end=T0 + timedelta(hours=1)), Resolution.DAY)
        )[0].requests == 2
