"""Rollups on SQL: the migration rolls up existing records, verify finds what differs, rebuild
repairs it (SQLite and Postgres)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alembic import command
from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Connection

from costsight.adapters.sql.engine import create_engine
from costsight.adapters.sql.migrate import alembic_config, upgrade
from costsight.adapters.sql.rollup_tables import (
    cost_rollup_daily,
    cost_rollup_hourly,
    cost_rollup_user_daily,
    cost_rollup_user_monthly,
)
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.statistics import Dimension, Resolution
from costsight.testing.contract.builders import TENANT, at, cost, window

WINDOW = window(at(9, 0), at(12, 0))
#: The whole of March: users answer from the user-month grain.
MARCH = window(at(1, 0), at(1, 0, month=4))


async def _seed(storage: SqlStorage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs([
            cost(created_at=at(9 + k % 3, k % 24, k % 60, k % 50), user_id=f"u{k % 3}",
                 model=("gpt-4o", "claude-3-5-haiku", "no-such-model")[k % 3],
                 cost_cents=Decimal(k) if k % 2 else None, is_retry=k % 4 == 0)
            for k in range(120)])
        await uow.commit()


async def _answers(storage: SqlStorage) -> list[Any]:
    async with storage.unit_of_work() as uow:
        return [await uow.analytics.cost_spend(TENANT, WINDOW, Resolution.HOUR),
                await uow.analytics.cost_spend(TENANT, WINDOW, Resolution.DAY),
                await uow.analytics.cost_breakdown(TENANT, WINDOW, Dimension.USER),
                await uow.analytics.cost_breakdown(TENANT, WINDOW, Dimension.FEATURE),
                await uow.analytics.cost_breakdown(TENANT, MARCH, Dimension.USER)]


async def _verify(storage: SqlStorage) -> list[Any]:
    async with storage.unit_of_work() as uow:
        return await uow.rollups.verify(TENANT)


async def test_verify_reports_each_difference_and_rebuild_repairs_them(sql_url: str) -> None:
    storage = await SqlStorage.open(sql_url)
    try:
        await _seed(storage)
        before = await _answers(storage)
        async with storage.unit_of_work() as uow:
            conn = uow.connection
            d = cost_rollup_daily.c
            await conn.execute(update(cost_rollup_daily).where(
                d.tenant_id == TENANT, d.model == "gpt-4o", d.is_retry.is_(False))
                .values(calls=d.calls + 1))
            await conn.execute(delete(cost_rollup_hourly).where(
                cost_rollup_hourly.c.tenant_id == TENANT,
                cost_rollup_hourly.c.bucket == at(10, 1)))  # k = 1
            await conn.execute(insert(cost_rollup_user_daily).values(
                tenant_id=TENANT, bucket=at(11, 0), user_id="ghost", calls=1, cost_hi=0,
                cost_lo=5, input_tokens=0, output_tokens=0, retry_calls=0, unpriced_calls=0,
                unpriced_tokens=0))
            m = cost_rollup_user_monthly.c
            await conn.execute(update(cost_rollup_user_monthly).where(
                m.tenant_id == TENANT, m.user_id == "u1").values(cost_lo=m.cost_lo + 7))
            await uow.commit()
        found = await _verify(storage)
        grains = {(f.grain, f.stored is None, f.expected is None) for f in found}
        assert ("cost_rollup_daily", False, False) in grains      # sums differ
        assert ("cost_rollup_hourly", True, False) in grains      # rollup row missing
        assert ("cost_rollup_user_daily", False, True) in grains  # no raw row has that key
        assert ("cost_rollup_user_monthly", False, False) in grains
        ghost = next(f for f in found if f.grain == "cost_rollup_user_daily")
        assert ghost.key == {"user_id": "ghost"}
        assert await _answers(storage) != before
        async with storage.unit_of_work() as uow:
            assert await uow.rollups.rebuild(TENANT) > 0
            await uow.commit()
        assert await _verify(storage) == []
        assert await _answers(storage) == before
    finally:
        await storage.aclose()


def _downgrade_sync(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0004")


async def test_the_migration_rolls_up_records_stored_before_it(sql_url: str) -> None:
    storage = await SqlStorage.open(sql_url)
    try:
        await _seed(storage)
        before = await _answers(storage)
    finally:
        await storage.aclose()
    engine = create_engine(sql_url)
    try:
        async with engine.begin() as conn:  # back to the schema without rollups
            await conn.run_sync(_downgrade_sync)
    finally:
        await engine.dispose()
    await upgrade(sql_url)
    storage = await SqlStorage.open(sql_url)
    try:
        assert await _verify(storage) == []
        assert await _answers(storage) == before
    finally:
        await storage.aclose()


async def test_old_windows_answer_the_same_after_retention(sql_url: str) -> None:
    """Retention removes raw records; the rollups keep their history, so whole-hour answers
    over the removed days do not change, verify stays clean and a rebuild keeps them."""
    storage = await SqlStorage.open(sql_url)
    try:
        await _seed(storage)
        before = await _answers(storage)
        async with storage.unit_of_work() as uow:
            removed = await uow.raw_retention.delete_raw_before(TENANT, at(11, 0), batch=10_000)
            await uow.commit()
        assert removed == 80  # the records of the 9th and the 10th
        assert await _answers(storage) == before
        async with storage.unit_of_work() as uow:
            activity = await uow.analytics.tenant_activity()
        # first activity is the oldest raw record left (the rollups name the tenant)
        assert [(a.tenant_id, a.first_seen.day, a.last_seen.day) for a in activity] == [
            (TENANT, 11, 11)]
        assert await _verify(storage) == []
        async with storage.unit_of_work() as uow:
            await uow.rollups.rebuild(TENANT)
            await uow.commit()
        assert await _answers(storage) == before
        async with storage.unit_of_work() as uow:  # every raw record gone: no activity left
            await uow.raw_retention.delete_raw_before(TENANT, at(12, 0), batch=10_000)
            assert await uow.analytics.tenant_activity() == []
    finally:
        await storage.aclose()
