"""Answers served from rollups equal a raw scan, to the micro-cent, on SQLite and Postgres.

Random records (hypothesis: models priced, reported and unpriced, tags registered, unknown and
missing, users, retries, duplicate request ids, huge costs) are written in random batches (both
write paths: staged and small) to the SQL storage and to the in-memory fake, whose every answer is
a scan of its records (itself held to the contract suite). Then every read the rollups serve is
asked on random windows (as-of instants inside an hour, whole hours, whole days, half-open ends)
and must be identical; a reprice of some records must keep them identical.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from costsight.adapters.memory.storage import MemoryStorage
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.anomalies import EntityType
from costsight.core.domain.costs import BudgetType, CostChange, CostSource, NewCostRecord, WorkerRun
from costsight.core.domain.statistics import CostFilter, Dimension, Resolution, TimeWindow
from costsight.core.money import MAX_CENTS
from costsight.core.ports import Storage, UnitOfWork
from costsight.testing.contract.builders import budget, completed_run, feature_tag
from tests.backends import SQL_BACKENDS

#: Three days before a month boundary: most instants fall in the 4 days around it, the others
#: anywhere in 70 days, so windows hold whole hours, days and calendar months (the user-month
#: grain) with partial edges of each.
DAY0 = datetime(2026, 2, 26, tzinfo=UTC)
NEAR_MINUTES, FAR_MINUTES = 4 * 24 * 60, 70 * 24 * 60
_tenants = itertools.count()
#: Worker runs of the records: two of worker w1 and one of w2 recorded before the calls, one of
#: w2 recorded after them, one never recorded (its calls read as worker "unknown").
RUNS_BEFORE, RUNS_AFTER = {0: "w1", 1: "w1", 2: "w2"}, {3: "w2"}
RUNS = (0, 1, 2, 3, 4)
#: A cost whose micro-cents need more than 32 bits many times over (sums of up to 140 of them
#: stay within the domain's MAX_CENTS, which bounds every answer).
HUGE = (MAX_CENTS / 1000).quantize(Decimal("0.000001"))

EXAMPLES = settings(max_examples=12, deadline=None, database=None, derandomize=True,
                    phases=(Phase.explicit, Phase.generate),  # no shrinking: slow on a database
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

_ALIGN = {"none": 1, "hour": 60, "day": 24 * 60}
instants = st.builds(
    lambda minute, micro, aligned: DAY0 + timedelta(
        minutes=minute - minute % _ALIGN[aligned],
        microseconds=micro if aligned == "none" else 0),
    st.one_of(st.integers(0, NEAR_MINUTES), st.integers(0, FAR_MINUTES)),
    st.integers(0, 59_999_999), st.sampled_from(list(_ALIGN)))

records = st.lists(st.fixed_dictionaries({
    "at": instants,
    "model": st.sampled_from(["gpt-4o", "claude-3-5-haiku", "mystery-model-x"]),
    "feature_tag": st.sampled_from([None, "chat.reply", "search.web", "ghost.tag"]),
    "user_id": st.sampled_from([None, "u1", "u2", "u3"]),
    "workflow_id": st.sampled_from([None, "wf-a", "wf-b"]),
    "skill_id": st.sampled_from([None, "sk-a", "sk-b", "sk-c"]),
    "run": st.sampled_from([None, *RUNS]),
    "is_retry": st.booleans(),
    "cost": st.one_of(st.none(), st.integers(0, 10**9).map(lambda m: Decimal(m) / 10**6),
                      st.just(HUGE)),
    "tokens": st.tuples(st.integers(0, 5000), st.integers(0, 5000)),
    "request": st.one_of(st.none(), st.integers(0, 40)),
}), min_size=1, max_size=140)


def _record(tenant: str, r: dict[str, Any]) -> NewCostRecord:
    fields: dict[str, Any] = {
        "tenant_id": tenant, "model": r["model"], "feature_tag": r["feature_tag"],
        "user_id": r["user_id"], "workflow_id": r["workflow_id"], "skill_id": r["skill_id"],
        "worker_run_id": None if r["run"] is None else _run_id(tenant, r["run"]),
        "is_retry": r["is_retry"], "created_at": r["at"],
        "input_tokens": r["tokens"][0], "output_tokens": r["tokens"][1],
        "request_id": None if r["request"] is None else f"req-{r['request']}"}
    if r["cost"] is not None:
        fields["cost_cents"] = r["cost"]
    return NewCostRecord(**fields)


async def _write(storage: Storage, tenant: str, batches: list[list[NewCostRecord]]) -> None:
    async with storage.unit_of_work() as uow:
        for tag in ("chat.reply", "search.web"):
            await uow.costs.create_feature_tag(feature_tag(tag, tenant_id=tenant))
        for kind, entity in ((BudgetType.TENANT, ""), (BudgetType.USER, "u1"),
                             (BudgetType.FEATURE, "chat.reply"), (BudgetType.FEATURE, "untagged")):
            await uow.costs.upsert_budget(budget(kind, entity, tenant_id=tenant,
                                                 daily_limit_cents=Decimal(1)))
        await uow.commit()
        await uow.costs.upsert_worker_runs(_runs(tenant, RUNS_BEFORE))
        await uow.commit()
    for batch in batches:
        async with storage.unit_of_work() as uow:
            await uow.costs.record_costs(batch)
            await uow.commit()
    async with storage.unit_of_work() as uow:  # runs may be recorded after their calls
        await uow.costs.upsert_worker_runs(_runs(tenant, RUNS_AFTER))
        await uow.commit()


def _run_id(tenant: str, run: int) -> str:
    return f"{tenant}-run-{run}"


def _runs(tenant: str, workers: dict[int, str]) -> list[WorkerRun]:
    return [completed_run(0, id=_run_id(tenant, run), tenant_id=tenant, worker_id=worker,
                          created_at=DAY0) for run, worker in workers.items()]


def _batches(recs: list[NewCostRecord], sizes: list[int]) -> list[list[NewCostRecord]]:
    out, k = [], 0
    for size in itertools.cycle(sizes):
        if k >= len(recs):
            return out
        out.append(recs[k:k + size])
        k += size
    return out


FILTERS = [None, CostFilter(model="gpt-4o"), CostFilter(feature="chat.reply"),
           CostFilter(feature="untagged"), CostFilter(user="u1"), CostFilter(user="unknown"),
           CostFilter(workflow="none"), CostFilter(workflow="wf-a"), CostFilter(skill="unknown"),
           CostFilter(workflow="wf-b", skill="sk-a"), CostFilter(retry=True),
           CostFilter(worker="w1"), CostFilter(worker="unknown"),
           CostFilter(worker="w2", user="u1"),
           CostFilter(model="claude-3-5-haiku", feature="unclassified", retry=False)]
DIMENSIONS = [Dimension.MODEL, Dimension.FEATURE, Dimension.USER, Dimension.COST_SOURCE,
              Dimension.WORKFLOW, Dimension.SKILL, Dimension.WORKER]


def _reads(tenant: str, start: datetime, end: datetime,
           until: datetime) -> list[Callable[[UnitOfWork], Awaitable[Any]]]:
    w = TimeWindow(start=start, end=end)
    day = until.date()
    kinds = (EntityType.TENANT, EntityType.FEATURE, EntityType.USER)
    reads: list[Callable[[UnitOfWork], Awaitable[Any]]] = []
    for f in FILTERS:
        for res in (Resolution.HOUR, Resolution.DAY):
            reads.append(lambda u, f=f, res=res: u.analytics.cost_metrics(tenant, w, res, f))
            reads.append(lambda u, f=f, res=res: u.analytics.cost_spend(tenant, w, res, f))
            for dims in ((Dimension.MODEL, Dimension.FEATURE), (Dimension.USER,),
                         (Dimension.WORKFLOW,), (Dimension.SKILL,), (Dimension.WORKER,)):
                reads.append(lambda u, f=f, res=res, dims=dims: u.analytics.spend_overview(
                    tenant, w, res, dims, f))
        for dim in DIMENSIONS:
            reads.append(lambda u, f=f, dim=dim: u.analytics.cost_breakdown(tenant, w, dim, f))
            reads.append(lambda u, f=f, dim=dim: u.analytics.cost_top(tenant, w, dim, 2, f))
    for dim in DIMENSIONS:
        for win in (w, None):
            reads.append(lambda u, dim=dim, win=win: u.analytics.dimension_values(
                tenant, dim, win, 50, None))
    reads.append(lambda u: u.cost_anomalies.daily_usage(tenant, kinds, DAY0.date(), until))
    reads.append(lambda u: u.cost_anomalies.entity_usage_summaries(
        tenant, kinds, baseline_first=DAY0.date(), baseline_last=day - timedelta(days=1),
        day=day, until=until))
    reads.append(lambda u: _budget_answers(u, tenant, day, until))
    return reads


async def _budget_answers(uow: UnitOfWork, tenant: str, day: Any, until: datetime) -> Any:
    return [(s.budget.budget_type, s.budget.entity_id, s.daily_spend_cents,
             s.monthly_spend_cents) for s in await uow.cost_anomalies.budget_spend(
                 tenant, day, until)]


async def _answers(storage: Storage, reads: list[Callable[[UnitOfWork], Awaitable[Any]]]) -> list[Any]:
    async with storage.unit_of_work() as uow:
        return [await read(uow) for read in reads]


async def _reprice(storage: Storage, tenant: str, every: int) -> None:
    """Give every ``every``-th priced or unpriced record (by request id) a new cost/source."""
    async with storage.unit_of_work() as uow:
        found = await uow.costs.records_to_reprice(tenant, DAY0, None, after_id=None,
                                                   limit=10_000)
        changes = [CostChange(id=r.id, cost_cents=Decimal(int(r.request_id[4:]) * 7) / 100,
                              cost_source=CostSource.PRICED, price_id="oracle")
                   for r in found if r.request_id and int(r.request_id[4:]) % every == 0]
        await uow.costs.update_costs(tenant, changes)
        await uow.commit()


@pytest.fixture(params=SQL_BACKENDS)
def sql(request: pytest.FixtureRequest) -> Any:
    """The SQL storage of the backend (sync on purpose, like ``storage``)."""
    return request.getfixturevalue(f"{request.param}_storage")


@given(recs=records, sizes=st.lists(st.integers(1, 90), min_size=1, max_size=4),
       a=instants, b=instants, until=instants, every=st.integers(2, 5))
@EXAMPLES
async def test_rollup_answers_equal_a_raw_scan(sql: SqlStorage, recs: list[dict[str, Any]],
                                               sizes: list[int], a: datetime, b: datetime,
                                               until: datetime, every: int) -> None:
    tenant = f"oracle-{next(_tenants)}"  # one tenant per example: the database is shared
    batches = _batches([_record(tenant, r) for r in recs], sizes)
    memory = MemoryStorage()
    start, end = min(a, b), max(a, b) + timedelta(microseconds=1)
    reads = _reads(tenant, start, end, max(until, DAY0 + timedelta(days=1)))
    for storage in (memory, sql):
        await _write(storage, tenant, batches)
    assert await _answers(sql, reads) == await _answers(memory, reads)
    for storage in (memory, sql):
        await _reprice(storage, tenant, every)
    assert await _answers(sql, reads) == await _answers(memory, reads)
