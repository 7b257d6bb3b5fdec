"""The detection benchmark's tenants, written through the port (whatever the storage keeps).

Each size is its own tenant: N users (one feature each, N/10 registered features), 31 days
(30 full days and today up to the as-of instant) with ``calls_per_day`` calls per user and day
spread over the day and written in time order (so, as with real traffic, one user's calls are
spread over the table's pages rather than clustered), 5 % of users spending 3x on the last two days, N/10 user budgets, every
feature budgeted, one tenant budget. Cost records go through ``uow.costs.record_costs`` in
large committed batches, tags through ``create_feature_tag`` and budgets through
``upsert_budget``: if the storage keeps derived data (rollups), the seed maintains it exactly
like any client's write would, which a raw COPY into ``cost_records`` would bypass.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from benchmarks.measure import rnd
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.costs import BudgetType, BudgetUpsert, NewCostRecord, NewFeatureTag
from costsight.core.money import MICROS_PER_CENT

#: records per committed unit of work while seeding
SEED_BATCH = 25_000
_DAY = timedelta(days=1)


def tenant_of(size: int) -> str:
    return f"detect-{size}"


def _records(size: int, seed: int, calls_per_day: int, first: datetime, days: int,
             as_of: datetime) -> Iterator[NewCostRecord]:
    """``days + 1`` days of calls per user, in time order (users interleaved, as traffic
    arrives; a user's rows are not clustered on disk): today only up to ``as_of``."""
    rng = random.Random(seed * 7919 + size)
    tenant = tenant_of(size)
    features = max(1, size // 10)
    users = [(int(rng.lognormvariate(0, 0.8) * 20_000_000),  # about 20 cents a day
              rng.random() < 0.05) for _ in range(size)]
    for d in range(days + 1):
        day = first + d * _DAY
        span = min(_DAY, as_of - day).total_seconds()
        calls = []
        for u, (base, spikes) in enumerate(users):
            factor = 3.0 if spikes and d >= days - 1 else rng.uniform(0.85, 1.15)
            per_call = base * factor / calls_per_day
            for _ in range(calls_per_day):
                micros = max(1, int(per_call * rng.uniform(0.5, 1.5)))
                calls.append((day + timedelta(seconds=rng.random() * span), u, micros,
                              rng.random() < 0.03))
        calls.sort()
        for created_at, u, micros, is_retry in calls:
            yield NewCostRecord(
                tenant_id=tenant, user_id=f"u{u}", feature_tag=f"f.{u % features}",
                model="gpt-4o-mini", input_tokens=1500, output_tokens=300,
                cost_cents=Decimal(micros) / MICROS_PER_CENT, is_retry=is_retry,
                created_at=created_at)


def _budgets(size: int) -> list[BudgetUpsert]:
    tenant, features = tenant_of(size), max(1, size // 10)
    out = [BudgetUpsert(tenant_id=tenant, budget_type=BudgetType.TENANT,
                        daily_limit_cents=Decimal(1_000_000))]
    out += [BudgetUpsert(tenant_id=tenant, budget_type=BudgetType.USER, entity_id=f"u{u}",
                         daily_limit_cents=Decimal(25)) for u in range(0, size, 10)]
    out += [BudgetUpsert(tenant_id=tenant, budget_type=BudgetType.FEATURE, entity_id=f"f.{f}",
                         monthly_limit_cents=Decimal(100_000)) for f in range(features)]
    return out


async def seed_detection_tenant(storage: SqlStorage, size: int, seed: int, calls_per_day: int,
                                first: datetime, days: int, as_of: datetime) -> dict[str, Any]:
    """Seed one size's tenant; rows stored and how long the seed took (records built and
    written, in batches of SEED_BATCH)."""
    tenant, features = tenant_of(size), max(1, size // 10)
    t0 = time.perf_counter()
    async with storage.unit_of_work() as uow:
        for f in range(features):
            await uow.costs.create_feature_tag(
                NewFeatureTag(tenant_id=tenant, tag=f"f.{f}", display_name=f"f {f}"))
        for budget in _budgets(size):
            await uow.costs.upsert_budget(budget)
        await uow.commit()
    stored, batch = 0, []
    for record in _records(size, seed, calls_per_day, first, days, as_of):
        batch.append(record)
        if len(batch) == SEED_BATCH:
            stored += await _write(storage, batch)
            batch = []
    stored += await _write(storage, batch)
    seconds = time.perf_counter() - t0
    expected = size * (days + 1) * calls_per_day
    if stored != expected:
        raise RuntimeError(f"seeded {stored} of {expected} cost records for {tenant}")
    return {"rows": stored, "seconds": rnd(seconds, 1), "rows_per_s": round(stored / seconds)}


async def _write(storage: SqlStorage, batch: list[NewCostRecord]) -> int:
    if not batch:
        return 0
    async with storage.unit_of_work() as uow:
        result = await uow.costs.record_costs(batch)
        await uow.commit()
    return result.inserted
