"""StatisticsService on every backend: usage merge, cost statistics, top-N breakdowns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest

from costsight.core.domain.statistics import Dimension, Resolution, TimeWindow
from costsight.core.errors import ValidationError
from costsight.core.services.statistics import StatisticsService
from costsight.core.timeutil import FixedClock
from tests.contract.builders import OTHER_TENANT, T0, TENANT, at
from tests.mcp.seed import seed_metering

TWO_DAYS = TimeWindow(start=at(9, 0), end=at(11, 0))


@pytest.fixture
async def service(storage: Any) -> StatisticsService:
    await seed_metering(storage)
    return StatisticsService(storage, FixedClock(T0))


async def test_usage_statistics_merges_the_three_signals(service: StatisticsService) -> None:
    out = await service.usage_statistics(TENANT, TWO_DAYS, Resolution.DAY)
    assert [(p.ts, p.requests, p.tokens, p.compute_units, p.llm_calls) for p in out.series] == [
        ("2026-03-09", 2, 500, 1, 2), ("2026-03-10", 1, 1500, 1, 1)]
    assert (out.totals.requests, out.totals.tokens, out.totals.compute_units,
            out.totals.llm_calls) == (3, 2000, 2, 3)
    assert out.sources == ["cost_records", "llm.usage", "worker.execution"]
    assert out.freshness_sec == 12 * 3600
    assert (out.window.start, out.window.end, out.window.resolution) == (
        "2026-03-09T00:00:00+00:00", "2026-03-11T00:00:00+00:00", Resolution.DAY)


async def test_usage_statistics_hourly_keys_and_freshness(service: StatisticsService) -> None:
    window = TimeWindow(start=at(10, 0), end=at(10, 12))
    out = await service.usage_statistics(TENANT, window, Resolution.HOUR)
    assert len(out.series) == 12
    assert out.series[0].ts == "2026-03-10T00:00:00+00:00"
    busy = [(p.ts, p.requests, p.llm_calls) for p in out.series if p.requests or p.llm_calls]
    assert busy == [("2026-03-10T08:00:00+00:00", 1, 0), ("2026-03-10T09:00:00+00:00", 0, 1)]
    assert out.freshness_sec == 3 * 3600


async def test_usage_statistics_of_a_tenant_without_runs(service: StatisticsService) -> None:
    out = await service.usage_statistics(OTHER_TENANT, TWO_DAYS, Resolution.DAY)
    assert out.sources == ["cost_records"]
    assert (out.totals.requests, out.totals.llm_calls, out.totals.tokens) == (0, 1, 150)


async def test_usage_statistics_without_data(storage: Any) -> None:
    out = await StatisticsService(storage, FixedClock(T0)).usage_statistics(
        TENANT, TWO_DAYS, Resolution.DAY)
    assert out.sources == ["none"]
    assert out.freshness_sec == 0
    assert [p.tokens for p in out.series] == [0, 0]


async def test_cost_statistics(service: StatisticsService) -> None:
    out = await service.cost_statistics(TENANT, TWO_DAYS, Resolution.DAY)
    assert [(p.ts, p.spend_cents, p.requests, p.input_tokens, p.output_tokens)
            for p in out.series] == [("2026-03-09", Decimal("1.75"), 2, 300, 150),
                                     ("2026-03-10", Decimal("10"), 1, 1000, 500)]
    assert (out.totals.spend_cents, out.totals.spend_usd) == (Decimal("11.75"), Decimal("0.1175"))
    assert [(r.key, r.spend_cents, r.pct_of_total) for r in out.by_model] == [
        ("claude-3-5-sonnet", Decimal("10"), 85.11), ("gpt-4o", Decimal("1.5"), 12.77),
        ("gpt-4o-mini", Decimal("0.25"), 2.13)]
    assert [(r.key, r.requests, r.pct_of_total) for r in out.by_feature] == [
        ("search.query", 1, 85.11), ("chat.reply", 2, 14.89)]
    assert out.sources == ["cost_records"]
    assert out.freshness_sec == 12 * 3600


async def test_cost_statistics_money_is_exact(storage: Any) -> None:
    from tests.contract.builders import cost

    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs([cost(cost_cents=Decimal("0.000001"),
                                           created_at=at(9, h)) for h in range(10)])
        await uow.commit()
    out = await StatisticsService(storage, FixedClock(T0)).cost_statistics(
        TENANT, TWO_DAYS, Resolution.DAY)
    assert out.totals.spend_cents == Decimal("0.00001")
    assert out.totals.spend_usd == Decimal("0.0000001")
    assert out.model_dump(mode="json")["totals"]["spend_cents"] == 0.00001


async def test_cost_statistics_without_spend(storage: Any) -> None:
    out = await StatisticsService(storage, FixedClock(T0)).cost_statistics(
        TENANT, TWO_DAYS, Resolution.DAY)
    assert out.sources == ["none"]
    assert (out.totals.spend_cents, out.by_model, out.freshness_sec) == (Decimal(0), [], 0)


async def test_cost_breakdown_top_n_and_other(service: StatisticsService) -> None:
    out = await service.cost_breakdown(TENANT, TWO_DAYS, Dimension.FEATURE, top_n=1)
    assert [(r.key, r.spend_cents, r.pct_of_total) for r in out.rows] == [
        ("search.query", Decimal("10"), 85.11)]
    assert (out.other.key, out.other.spend_cents, out.other.requests, out.other.groups,
            out.other.pct_of_total) == ("other", Decimal("1.75"), 2, 1, 14.89)
    assert (out.group_count, out.totals.spend_cents) == (2, Decimal("11.75"))


async def test_cost_breakdown_with_room_for_everything(service: StatisticsService) -> None:
    out = await service.cost_breakdown(TENANT, TWO_DAYS, Dimension.USER, top_n=10)
    assert [(r.key, r.spend_cents) for r in out.rows] == [
        ("u1", Decimal("11.5")), ("u2", Decimal("0.25"))]
    assert (out.other.groups, out.other.spend_cents, out.other.pct_of_total) == (
        0, Decimal(0), 0.0)


@pytest.mark.parametrize("top_n", [0, 101])
async def test_cost_breakdown_bounds_top_n(service: StatisticsService, top_n: int) -> None:
    with pytest.raises(ValidationError, match="top_n"):
        await service.cost_breakdown(TENANT, TWO_DAYS, Dimension.MODEL, top_n=top_n)


class _BrokenRunsStorage:
    """Wraps a storage so that reading the run-usage signal fails."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def unit_of_work(self) -> Any:
        inner = self.inner

        @asynccontextmanager
        async def uow() -> AsyncIterator[Any]:
            async with inner.unit_of_work() as real:
                async def broken(*args: Any) -> Any:
                    raise RuntimeError("relation worker_runs does not exist")

                real.analytics.run_usage = broken
                yield real

        return uow()


@pytest.mark.memory
async def test_a_failing_signal_is_reported_and_does_not_hide_the_others(
        memory_storage: Any) -> None:
    await seed_metering(memory_storage)
    service = StatisticsService(_BrokenRunsStorage(memory_storage), FixedClock(T0))
    out = await service.usage_statistics(TENANT, TWO_DAYS, Resolution.DAY)
    assert out.unavailable_sources == ["llm.usage"]
    assert out.sources == ["cost_records", "worker.execution"]
    assert [(p.requests, p.tokens, p.compute_units, p.llm_calls) for p in out.series] == [
        (0, 450, 1, 2), (0, 1500, 1, 1)]
