"""The replayed workload of the reliability suite, and exact totals read back from storage.

10,000 metered LLM calls of one tenant, each with a request id and a cost of up to six decimals
of a cent: the same call always renders to the same line, so replaying it from any writer, in
any order, must store it exactly once. ``expected_total`` is the exact Decimal sum.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from costsight.core.domain.costs import NewCostRecord
from costsight.core.domain.statistics import Dimension, TimeWindow

TENANT = "tenant-r"
CALLS = 10_000
WRITERS = 8
DAY = datetime(2026, 3, 2, tzinfo=UTC)
WHOLE_DAY = TimeWindow(start=DAY, end=DAY + timedelta(days=1))
MODELS = ("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "o3-mini")


def call(i: int) -> dict[str, Any]:
    """Call ``i`` as one JSON Lines object (deterministic: a replay renders identically)."""
    rng = random.Random(i)
    micros = rng.randrange(1, 5_000_000_000)  # up to 5,000 cents, six decimals
    return {
        "type": "cost_record", "tenant_id": TENANT, "model": MODELS[i % len(MODELS)],
        "input_tokens": rng.randrange(0, 20_000), "output_tokens": rng.randrange(0, 4_000),
        "cost_cents": str(Decimal(micros).scaleb(-6)),
        "created_at": (DAY + timedelta(seconds=i * 8 % 86_400)).isoformat(),
        "request_id": f"req-{i:05d}", "user_id": f"user-{i % 37}",
    }


def record(i: int) -> NewCostRecord:
    fields = {k: v for k, v in call(i).items() if k != "type"}
    return NewCostRecord.model_validate(fields)


def expected_total(indices: Iterable[int] = range(CALLS)) -> Decimal:
    return sum((Decimal(call(i)["cost_cents"]) for i in indices), Decimal(0))


def writer_slice(n: int) -> list[int]:
    """Writer ``n`` replays half of the calls, overlapping its neighbours, in its own order.

    Slices start every CALLS / WRITERS calls and are CALLS / 2 long, so every call is replayed
    by four writers and the union is every call.
    """
    size, step = CALLS // 2, CALLS // WRITERS
    indices = [(n * step + k) % CALLS for k in range(size)]
    random.Random(1000 + n).shuffle(indices)
    return indices


def jsonl(indices: Iterable[int]) -> bytes:
    return "".join(json.dumps(call(i)) + "\n" for i in indices).encode()


async def stored_totals(storage: Any, tenant: str = TENANT) -> tuple[int, int, Decimal]:
    """(rows, distinct request ids, exact spend) of ``tenant``: raw SQL count, port spend."""
    from costsight.adapters.sql.tables import cost_records

    c = cost_records.c
    async with storage.unit_of_work() as uow:
        rows, distinct = (await uow.connection.execute(
            select(func.count(), func.count(c.request_id.distinct()))
            .where(c.tenant_id == tenant))).one()
        breakdown = await uow.analytics.cost_breakdown(tenant, WHOLE_DAY, Dimension.MODEL)
    spend = sum((row.spend_cents for row in breakdown), Decimal(0))
    return int(rows), int(distinct), spend


async def rollup_differences(storage: Any) -> list[Any]:
    """Every rollup row of every tenant that differs from the raw rows (``rollups verify``)."""
    from costsight.core.services.rollups import RollupService

    return (await RollupService(storage).verify()).differences
