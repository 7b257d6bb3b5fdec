"""Raw rows summed per day (``spend_select(raw_days=True)``): the detection reads, whose windows
start and end at midnight UTC, aggregate the same sums per key and day as from one row per
call, also when a raw range crosses midnight (it is cut there)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from costsight.adapters.sql.rollup_source import ENTITY_PLANS, spend_select
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.costs import NewCostRecord
from costsight.core.domain.statistics import CostFilter

MIDNIGHT = datetime(2026, 3, 10, tzinfo=UTC)
COLUMNS = ("calls", "cost_hi", "cost_lo", "input_tokens", "output_tokens", "retry_calls",
           "unpriced_calls", "unpriced_tokens")


@pytest.fixture
async def storage(sql_url: str) -> AsyncIterator[SqlStorage]:
    storage = await SqlStorage.open(sql_url)
    yield storage
    await storage.aclose()


async def per_user_and_day(storage: SqlStorage, kind: EntityType, start: datetime,
                           end: datetime, raw_days: bool) -> list[tuple[Any, ...]]:
    s = spend_select("t1", start, end, ENTITY_PLANS[kind], raw_days=raw_days).subquery()
    key = s.c.user_id if kind is EntityType.USER else s.c.feature_tag
    day = storage.dialect.day_of(s.c.ts)
    stmt = (select(key, day, *(func.sum(s.c[c]) for c in COLUMNS), func.count())
            .group_by(key, day).order_by(key, day))
    async with storage.engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(stmt)]


async def test_raw_rows_per_day_sum_as_rows_per_call(storage: SqlStorage) -> None:
    records = [NewCostRecord(tenant_id="t1", user_id=f"u{n % 3}", feature_tag=f"f{n % 2}",
                             model="gpt-4o" if n % 5 else "no-such-model-xyz",
                             input_tokens=10 + n, output_tokens=n,
                             cost_cents=Decimal(45_000_000_000) if n % 7 == 0 else (
                                 None if n % 5 == 0 else Decimal(n) / 1000),
                             is_retry=n % 4 == 0,
                             created_at=MIDNIGHT + timedelta(minutes=7 * n - 200))
               for n in range(60)]
    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs(records)
        await uow.commit()
    # [22:30, 01:30): no whole day (users) or whole hours and raw edges (features); the
    # users' raw range crosses midnight
    start, end = MIDNIGHT - timedelta(minutes=90), MIDNIGHT + timedelta(minutes=90)
    for kind in (EntityType.USER, EntityType.FEATURE):
        per_call = await per_user_and_day(storage, kind, start, end, raw_days=False)
        per_day = await per_user_and_day(storage, kind, start, end, raw_days=True)
        assert [r[:-1] for r in per_day] == [r[:-1] for r in per_call] and len(per_call) >= 2
        assert sum(r[-1] for r in per_day) < sum(r[-1] for r in per_call)
    # filters: raw rows stay one per call (the per-day pieces key no filter columns)
    filtered = spend_select("t1", start, end, ENTITY_PLANS[EntityType.USER],
                            CostFilter(user="u1"), raw_days=True)
    assert "count(" not in str(filtered)
