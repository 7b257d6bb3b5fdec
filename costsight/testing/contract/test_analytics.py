"""Contract: AnalyticsPort (half-open windows, zero-filled buckets, exact breakdowns)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pydantic
import pytest

from costsight.core.domain.costs import BudgetType, RunStatus
from costsight.core.domain.statistics import (
    BreakdownRow,
    CostFilter,
    Dimension,
    Resolution,
    SpendBucket,
    UsageBucket,
    top_of,
)
from costsight.core.pagination import Page
from costsight.core.ports import Storage, UnitOfWork
from costsight.testing.contract.builders import (
    OTHER_TENANT,
    TENANT,
    at,
    collect_pages,
    completed_run,
    cost,
    create_tags,
    feature_tag,
    in_uow,
    provenance,
    read,
    record,
    run_id,
    upsert_budgets,
    upsert_runs,
    window,
    worker_run,
)
from costsight.testing.contract.builders import budget as budget_upsert

US = timedelta(microseconds=1)


def usage(buckets: list[UsageBucket]) -> list[tuple[datetime, int, int]]:
    return [(b.ts, b.requests, b.tokens) for b in buckets]


def spend(buckets: list[SpendBucket]) -> list[tuple[datetime, Decimal, int, int, int]]:
    return [(b.ts, b.spend_cents, b.requests, b.input_tokens, b.output_tokens) for b in buckets]


def rows(breakdown: list[BreakdownRow]) -> list[tuple[str, Decimal, int, int, int]]:
    return [(r.key, r.spend_cents, r.requests, r.input_tokens, r.output_tokens)
            for r in breakdown]


async def test_cost_metrics_window_is_half_open(storage: Storage) -> None:
    start, end = at(10, 10), at(10, 12)
    await record(
        storage,
        cost(created_at=start - US, input_tokens=1, output_tokens=0),   # before start: out
        cost(created_at=start, input_tokens=10, output_tokens=0),       # at start: in
        cost(created_at=end - US, input_tokens=100, output_tokens=0),   # just before end: in
        cost(created_at=end, input_tokens=1000, output_tokens=0),       # at end: out
    )
    got = await read(storage, lambda uow: uow.analytics.cost_metrics(
        TENANT, window(start, end), Resolution.HOUR))
    assert usage(got) == [(at(10, 10), 1, 10), (at(10, 11), 1, 100)]


async def test_cost_metrics_hour_buckets_are_zero_filled_and_ascending(storage: Storage) -> None:
    await record(
        storage,
        cost(created_at=at(10, 10, 15), input_tokens=3, output_tokens=4),
        cost(created_at=at(10, 10, 59, 59), input_tokens=10, output_tokens=20),
        cost(created_at=at(10, 13, 0), input_tokens=1, output_tokens=1),
    )
    got = await read(storage, lambda uow: uow.analytics.cost_metrics(
        TENANT, window(at(10, 9), at(10, 14)), Resolution.HOUR))
    assert usage(got) == [
        (at(10, 9), 0, 0),
        (at(10, 10), 2, 37),
        (at(10, 11), 0, 0),
        (at(10, 12), 0, 0),
        (at(10, 13), 1, 2),
    ]


async def test_series_buckets_cover_unaligned_window(storage: Storage) -> None:
    """From the bucket containing start to the last bucket starting before end."""
    got = await read(storage, lambda uow: uow.analytics.cost_metrics(
        TENANT, window(at(10, 10, 30), at(10, 13, 15)), Resolution.HOUR))
    assert usage(got) == [(at(10, h), 0, 0) for h in (10, 11, 12, 13)]


async def test_cost_metrics_day_buckets(storage: Storage) -> None:
    await record(
        storage,
        cost(created_at=at(8, 0), input_tokens=5, output_tokens=5),
        cost(created_at=at(9, 23, 59, 59), input_tokens=7, output_tokens=0),
        cost(created_at=at(9, 0), input_tokens=1, output_tokens=2),
    )
    got = await read(storage, lambda uow: uow.analytics.cost_metrics(
        TENANT, window(at(7, 0), at(11, 0)), Resolution.DAY))
    assert usage(got) == [
        (at(7, 0), 0, 0), (at(8, 0), 1, 10), (at(9, 0), 2, 10), (at(10, 0), 0, 0),
    ]


async def test_day_buckets_of_a_window_starting_mid_day(storage: Storage) -> None:
    await record(storage, cost(created_at=at(8, 5), input_tokens=1, output_tokens=1),
                 cost(created_at=at(8, 7), input_tokens=2, output_tokens=2),
                 cost(created_at=at(10, 5, 59), input_tokens=4, output_tokens=4))
    got = await read(storage, lambda uow: uow.analytics.cost_metrics(
        TENANT, window(at(8, 6), at(10, 6)), Resolution.DAY))
    # the 05:00 record of day 8 is before the window start, so day 8 holds only one record
    assert usage(got) == [(at(8, 0), 1, 4), (at(9, 0), 0, 0), (at(10, 0), 1, 8)]


async def test_cost_spend_sums_exact_decimal_cents(storage: Storage) -> None:
    await record(
        storage,
        cost(cost_cents=Decimal("0.1"), input_tokens=11, output_tokens=1),
        cost(cost_cents=Decimal("0.2"), input_tokens=22, output_tokens=2),
        cost(cost_cents=Decimal("0.000001"), input_tokens=33, output_tokens=3),
        cost(cost_cents=Decimal("1234567.891011"), created_at=at(10, 13),
             input_tokens=0, output_tokens=0),
    )
    got = await read(storage, lambda uow: uow.analytics.cost_spend(
        TENANT, window(at(10, 11), at(10, 14)), Resolution.HOUR))
    assert spend(got) == [
        (at(10, 11), Decimal(0), 0, 0, 0),
        (at(10, 12), Decimal("0.300001"), 3, 66, 6),
        (at(10, 13), Decimal("1234567.891011"), 1, 0, 0),
    ]


async def test_run_usage_counts_runs_by_created_at(storage: Storage) -> None:
    await upsert_runs(
        storage,
        completed_run(1, created_at=at(10, 10, 5), total_tokens=100),
        worker_run(2, created_at=at(10, 10, 40), total_tokens=None),  # null tokens = 0
        worker_run(3, created_at=at(10, 12), total_tokens=7, status=RunStatus.RUNNING,
                   started_at=at(10, 12)),
        worker_run(4, created_at=at(10, 13), total_tokens=9),  # at end: out
    )
    got = await read(storage, lambda uow: uow.analytics.run_usage(
        TENANT, window(at(10, 10), at(10, 13)), Resolution.HOUR))
    assert usage(got) == [(at(10, 10), 2, 100), (at(10, 11), 0, 0), (at(10, 12), 1, 7)]


async def test_worker_executions_count_started_runs_only(storage: Storage) -> None:
    await upsert_runs(
        storage,
        completed_run(1, created_at=at(10, 10, 5), total_tokens=100),
        worker_run(2, created_at=at(10, 10, 6)),  # queued, never started: not executed
        worker_run(3, created_at=at(10, 11, 0), status=RunStatus.RUNNING,
                   started_at=at(10, 11, 1), total_tokens=50),
        completed_run(4, created_at=at(10, 11, 30)),
    )
    got = await read(storage, lambda uow: uow.analytics.worker_executions(
        TENANT, window(at(10, 10), at(10, 12)), Resolution.HOUR))
    assert usage(got) == [(at(10, 10), 1, 0), (at(10, 11), 2, 0)]


async def test_empty_tenant_gets_zero_series_and_empty_breakdown(storage: Storage) -> None:
    await record(storage, cost(tenant_id=OTHER_TENANT))
    w = window(at(10, 0), at(12, 0))

    async def reads(uow: UnitOfWork) -> tuple[list[SpendBucket], list[BreakdownRow]]:
        return (await uow.analytics.cost_spend(TENANT, w, Resolution.DAY),
                await uow.analytics.cost_breakdown(TENANT, w, Dimension.MODEL))

    series, breakdown = await read(storage, reads)
    assert spend(series) == [(at(10, 0), Decimal(0), 0, 0, 0), (at(11, 0), Decimal(0), 0, 0, 0)]
    assert breakdown == []


async def test_breakdown_by_model_orders_by_spend_desc_then_key(storage: Storage) -> None:
    await record(
        storage,
        cost(model="gpt-4o", cost_cents=Decimal("2.5"), input_tokens=10, output_tokens=1),
        cost(model="gpt-4o", cost_cents=Decimal("2.5"), input_tokens=10, output_tokens=1),
        cost(model="claude-3", cost_cents=Decimal("3"), input_tokens=5, output_tokens=5),
        cost(model="alpha", cost_cents=Decimal("3"), input_tokens=1, output_tokens=2),
        cost(model="mini", cost_cents=Decimal("0.000002"), input_tokens=0, output_tokens=0),
    )
    got = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, window(at(10, 0), at(11, 0)), Dimension.MODEL))
    assert rows(got) == [
        ("gpt-4o", Decimal("5"), 2, 20, 2),
        ("alpha", Decimal("3"), 1, 1, 2),
        ("claude-3", Decimal("3"), 1, 5, 5),
        ("mini", Decimal("0.000002"), 1, 0, 0),
    ]


async def test_breakdown_by_feature_labels_null_untagged(storage: Storage) -> None:
    await create_tags(storage, feature_tag("chat.reply"), feature_tag("search.query"))
    await record(
        storage,
        cost(feature_tag="chat.reply", cost_cents=Decimal("4")),
        cost(feature_tag="search.query", cost_cents=Decimal("1")),
        cost(feature_tag="search.query", cost_cents=Decimal("1")),
        cost(feature_tag=None, cost_cents=Decimal("3")),
        cost(feature_tag="never.registered", cost_cents=Decimal("0.5")),
    )
    got = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, window(at(10, 0), at(11, 0)), Dimension.FEATURE))
    assert [(r.key, r.spend_cents, r.requests) for r in got] == [
        ("chat.reply", Decimal("4"), 1),
        ("untagged", Decimal("3"), 1),
        ("search.query", Decimal("2"), 2),
        ("unclassified", Decimal("0.5"), 1),
    ]


@pytest.mark.parametrize(("dimension", "field"), [
    (Dimension.USER, "user_id"),
    (Dimension.WORKFLOW, "workflow_id"),
    (Dimension.SKILL, "skill_id"),
])
async def test_breakdown_by_optional_column_labels_null_unknown(storage: Storage,
                                                                dimension: Dimension,
                                                                field: str) -> None:
    await record(
        storage,
        cost(**{field: "b-value"}, cost_cents=Decimal("2"), input_tokens=1, output_tokens=1),
        cost(**{field: "a-value"}, cost_cents=Decimal("2"), input_tokens=2, output_tokens=2),
        cost(**{field: None}, cost_cents=Decimal("7.25"), input_tokens=3, output_tokens=3),
        cost(**{field: "b-value"}, cost_cents=Decimal("0.75"), input_tokens=4, output_tokens=4,
             created_at=at(11, 0)),  # outside the window
    )
    got = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, window(at(10, 0), at(11, 0)), dimension))
    assert rows(got) == [
        ("unknown", Decimal("7.25"), 1, 3, 3),
        ("a-value", Decimal("2"), 1, 2, 2),
        ("b-value", Decimal("2"), 1, 1, 1),
    ]


async def test_breakdown_by_worker_follows_worker_run_id(storage: Storage) -> None:
    await upsert_runs(storage,
                      completed_run(1, worker_id="summariser"),
                      completed_run(2, worker_id="summariser"),
                      completed_run(3, worker_id="classifier"))
    r1, r2, r3 = run_id(1), run_id(2), run_id(3)
    await record(
        storage,
        cost(worker_run_id=r1, cost_cents=Decimal("1.25")),
        cost(worker_run_id=r2, cost_cents=Decimal("1.25")),
        cost(worker_run_id=r3, cost_cents=Decimal("0.5")),
        cost(worker_run_id=None, cost_cents=Decimal("9")),
    )
    got = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, window(at(10, 0), at(11, 0)), Dimension.WORKER))
    assert [(r.key, r.spend_cents, r.requests) for r in got] == [
        ("unknown", Decimal("9"), 1),
        ("summariser", Decimal("2.5"), 2),
        ("classifier", Decimal("0.5"), 1),
    ]


async def test_breakdown_window_is_half_open(storage: Storage) -> None:
    start, end = at(10, 0), at(11, 0)
    await record(storage,
                 cost(model="at-start", created_at=start),
                 cost(model="before-end", created_at=end - US),
                 cost(model="at-end", created_at=end),
                 cost(model="before-start", created_at=start - US))
    got = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, window(start, end), Dimension.MODEL))
    assert [r.key for r in got] == ["at-start", "before-end"]


async def test_dimension_values_pages_ascending_with_null_label(storage: Storage) -> None:
    await record(storage, *[cost(user_id=u) for u in ("u3", "u1", "u5", "u2", "u4", "u1")],
                 cost(user_id=None))

    async def fetch(cursor: str | None) -> Page[str]:
        return await read(storage, lambda uow: uow.analytics.dimension_values(
            TENANT, Dimension.USER, None, 2, cursor))

    pages = await collect_pages(fetch)
    assert pages == [["u1", "u2"], ["u3", "u4"], ["u5", "unknown"]]


async def test_dimension_values_respect_the_window(storage: Storage) -> None:
    await record(storage, cost(model="early", created_at=at(9, 12)),
                 cost(model="inside", created_at=at(10, 12)),
                 cost(model="at-end", created_at=at(11, 0)))
    page = await read(storage, lambda uow: uow.analytics.dimension_values(
        TENANT, Dimension.MODEL, window(at(10, 0), at(11, 0)), 10, None))
    assert page.items == ["inside"]
    assert page.next_cursor is None


async def test_known_tenants_lists_every_source_ascending(storage: Storage) -> None:
    await record(storage, cost(tenant_id="t-costs"), cost(tenant_id="t-costs"))
    await upsert_runs(storage, worker_run(1, tenant_id="t-runs"))
    await upsert_budgets(storage, budget_upsert(BudgetType.TENANT, tenant_id="t-budget",
                                                daily_limit_cents=Decimal(100)))

    async def write_prov(uow: UnitOfWork) -> int:
        return await uow.provenance.write(provenance(1, tenant_id="a-prov"))

    await in_uow(storage, write_prov)
    got = await read(storage, lambda uow: uow.analytics.known_tenants())
    assert got == ["a-prov", "t-budget", "t-costs", "t-runs"]


async def test_sums_beyond_float_precision_stay_exact(storage: Storage) -> None:
    # 90 billion cents plus micro-cents: a float sum would lose the last digits
    await record(storage,
                 cost(model="big", cost_cents=Decimal("45000000000.000001")),
                 cost(model="big", cost_cents=Decimal("45000000000.000002")),
                 cost(model="small", cost_cents=Decimal("0.000001")))
    w = window(at(10, 0), at(11, 0))

    async def reads(uow: UnitOfWork) -> tuple[list[SpendBucket], list[BreakdownRow]]:
        return (await uow.analytics.cost_spend(TENANT, w, Resolution.DAY),
                await uow.analytics.cost_breakdown(TENANT, w, Dimension.MODEL))

    series, breakdown = await read(storage, reads)
    assert series[0].spend_cents == Decimal("90000000000.000004")
    assert [(r.key, r.spend_cents) for r in breakdown] == [
        ("big", Decimal("90000000000.000003")), ("small", Decimal("0.000001"))]


async def test_string_order_is_by_code_point_on_every_backend(storage: Storage) -> None:
    await record(storage, *[cost(user_id=u, cost_cents=Decimal(1))
                            for u in ("beta", "Zeta", "alpha", "Alpha", "_under", "10", "9")])
    page = await read(storage, lambda uow: uow.analytics.dimension_values(
        TENANT, Dimension.USER, None, 50, None))
    expected = ["10", "9", "Alpha", "Zeta", "_under", "alpha", "beta"]
    assert page.items == expected
    breakdown = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, window(at(10, 0), at(11, 0)), Dimension.USER))
    assert [r.key for r in breakdown] == expected  # equal spend: ties by key ascending


def test_time_window_must_be_forward_and_at_most_90_days() -> None:
    assert window(at(1, 0), at(1, 0, month=6) - timedelta(days=2)).end == at(30, 0, month=5)
    with pytest.raises(pydantic.ValidationError, match="at most 90 days"):
        window(at(1, 0), at(1, 0, month=6))
    with pytest.raises(pydantic.ValidationError, match="end must be after start"):
        window(at(10, 0), at(10, 0))


async def _filter_fixture(storage: Storage) -> None:
    await upsert_runs(storage, completed_run(1, worker_id="summariser"),
                      completed_run(2, worker_id="classifier"))
    await record(
        storage,
        cost(model="gpt-4o", user_id="u1", worker_run_id=run_id(1),
             cost_cents=Decimal("1.25"), input_tokens=10, output_tokens=1),
        cost(model="gpt-4o", user_id=None, worker_run_id=run_id(2),
             cost_cents=Decimal("2"), input_tokens=20, output_tokens=2, is_retry=True),
        cost(model="claude-3", user_id="u1", worker_run_id=None,
             cost_cents=Decimal("4"), input_tokens=40, output_tokens=4, is_retry=True),
        cost(model="gpt-4o", user_id="u1", tenant_id=OTHER_TENANT,
             cost_cents=Decimal("100"), input_tokens=1, output_tokens=1),
    )


@pytest.mark.parametrize(("filters", "expected"), [
    (CostFilter(), (Decimal("7.25"), 3, 70, 7)),
    (CostFilter(model="gpt-4o"), (Decimal("3.25"), 2, 30, 3)),
    (CostFilter(model="gpt-4o", user="u1"), (Decimal("1.25"), 1, 10, 1)),
    (CostFilter(user="unknown"), (Decimal("2"), 1, 20, 2)),
    (CostFilter(worker="summariser"), (Decimal("1.25"), 1, 10, 1)),
    (CostFilter(worker="unknown"), (Decimal("4"), 1, 40, 4)),
    (CostFilter(retry=True), (Decimal("6"), 2, 60, 6)),
    (CostFilter(retry=False, model="gpt-4o"), (Decimal("1.25"), 1, 10, 1)),
    (CostFilter(model="no-such-model"), (Decimal(0), 0, 0, 0)),
])
async def test_cost_filters_narrow_spend_metrics_and_breakdowns(
        storage: Storage, filters: CostFilter,
        expected: tuple[Decimal, int, int, int]) -> None:
    await _filter_fixture(storage)
    win = window(at(10, 0), at(11, 0))
    buckets = await read(storage, lambda uow: uow.analytics.cost_spend(
        TENANT, win, Resolution.DAY, filters))
    assert len(buckets) == 1
    b = buckets[0]
    assert (b.spend_cents, b.requests, b.input_tokens, b.output_tokens) == expected
    metrics = await read(storage, lambda uow: uow.analytics.cost_metrics(
        TENANT, win, Resolution.DAY, filters))
    assert [(m.requests, m.tokens) for m in metrics] == [(expected[1],
                                                          expected[2] + expected[3])]
    by_model = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, win, Dimension.MODEL, filters))
    assert sum((r.spend_cents for r in by_model), Decimal(0)) == expected[0]
    assert sum(r.requests for r in by_model) == expected[1]
    by_worker = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, win, Dimension.WORKER, filters))
    assert sum((r.spend_cents for r in by_worker), Decimal(0)) == expected[0]


async def test_tenant_activity_spans_costs_and_runs_per_tenant(storage: Storage) -> None:
    await upsert_runs(storage, worker_run(1, created_at=at(8, 3)))
    await record(storage, cost(created_at=at(9, 5)), cost(created_at=at(12, 7)),
                 cost(tenant_id=OTHER_TENANT, created_at=at(11, 1)))
    got = await read(storage, lambda uow: uow.analytics.tenant_activity())
    assert [(a.tenant_id, a.first_seen, a.last_seen) for a in got] == [
        (TENANT, at(8, 3), at(12, 7)), (OTHER_TENANT, at(11, 1), at(11, 1))]


@pytest.mark.parametrize("dimensions", [(Dimension.MODEL, Dimension.FEATURE), (Dimension.USER,),
                                        (Dimension.USER, Dimension.MODEL), (Dimension.WORKER,)])
@pytest.mark.parametrize("filters", [None, CostFilter(model="gpt-4o"), CostFilter(retry=True),
                                     CostFilter(worker="summariser")])
async def test_spend_overview_answers_what_the_reads_answer_one_by_one(
        storage: Storage, dimensions: tuple[Dimension, ...], filters: CostFilter | None) -> None:
    await _filter_fixture(storage)
    await record(storage, cost(created_at=at(10, 13, 30), cost_cents=Decimal("0.5")),
                 cost(created_at=at(11, 1), feature_tag="chat.reply", cost_cents=Decimal("3")))
    win = window(at(9, 23, 59), at(11, 12))
    for resolution in Resolution:
        async with storage.unit_of_work() as uow:
            overview = await uow.analytics.spend_overview(TENANT, win, resolution, dimensions,
                                                          filters)
            series = await uow.analytics.cost_spend(TENANT, win, resolution, filters)
            one_by_one = {d: await uow.analytics.cost_breakdown(TENANT, win, d, filters)
                          for d in dimensions}
        assert spend(overview.series) == spend(series)
        assert list(overview.breakdowns) == list(dimensions)
        for d in dimensions:
            assert rows(overview.breakdowns[d]) == rows(one_by_one[d])
        total = sum((b.spend_cents for b in overview.series), Decimal(0))
        assert total == {None: Decimal("10.75"), "gpt-4o": Decimal("6.75"),
                         True: Decimal("6"), "summariser": Decimal("1.25")}[
            None if filters is None else filters.model or filters.retry or filters.worker]


async def test_cost_top_cuts_the_breakdown_after_top_n_and_sums_the_rest(
        storage: Storage) -> None:
    # Spends that only differ beyond float precision, ties broken by key (code points), low
    # 32-bit halves that carry (x: 2 x (2**32 - 1) micro-cents beats y: 2**32 + 5), and a
    # worker breakdown (no rollup keeps it).
    huge = Decimal("45000000000")
    await record(storage, *[cost(user_id=u, cost_cents=c, worker_run_id=None)
                            for u, c in (("b", huge + Decimal("0.000002")),
                                         ("a", huge + Decimal("0.000001")),
                                         ("c", huge + Decimal("0.000002")),
                                         ("x", Decimal("4294.967295")),
                                         ("x", Decimal("4294.967295")),
                                         ("y", Decimal("4294.967301")),
                                         ("Z", Decimal(1)), ("z", Decimal(1)),
                                         (None, Decimal("0.5")))])
    w = window(at(10, 0), at(11, 0))
    async with storage.unit_of_work() as uow:
        for dimension in (Dimension.USER, Dimension.MODEL, Dimension.WORKER):
            every = await uow.analytics.cost_breakdown(TENANT, w, dimension)
            for top_n in (1, 2, 4, 5, 8, 50):
                found = await uow.analytics.cost_top(TENANT, w, dimension, top_n)
                assert found == top_of(every, top_n)
        found = await uow.analytics.cost_top(TENANT, w, Dimension.USER, 6)
    assert [r.key for r in found.rows] == ["b", "c", "a", "x", "y", "Z"]
    assert (found.rest.key, found.rest.spend_cents, found.rest.requests, found.rest_groups) == (
        "other", Decimal("1.5"), 2, 2)
