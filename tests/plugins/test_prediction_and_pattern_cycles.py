"""Golden tests of the prediction and pattern cycles on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from costsight.core.domain.costs import RunStatus, WorkerRun
from costsight.core.domain.patterns import FeedbackFilter
from costsight.core.domain.predictions import PredictionFilter
from costsight.core.engines.signature import error_signature
from tests.plugins.seeding import cycles, runs

AS_OF = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)
_ids = iter(range(10**9))


def wr(worker: str, status: str = "completed", *, minutes_ago: int = 60, cost: str | None = None,
       error: str | None = None, tenant: str = "t1") -> WorkerRun:
    n = next(_ids)
    return WorkerRun(id=f"00000000-0000-4000-8000-{n:012d}", tenant_id=tenant, worker_id=worker,
                     status=RunStatus(status), created_at=AS_OF - timedelta(minutes=minutes_ago),
                     cost_cents=cost, error=error)


def history(worker: str, newest_first: list[str], tenant: str = "t1") -> list[WorkerRun]:
    return [wr(worker, cost=c, minutes_ago=10 * (i + 1), tenant=tenant)
            for i, c in enumerate(newest_first)]


async def predict(storage: object, tenant: str | None = "t1", as_of: datetime = AS_OF):
    _, prediction_cycle, _ = cycles(storage, as_of)
    return await prediction_cycle.run(tenant)


async def detect(storage: object, tenant: str | None = "t1", as_of: datetime = AS_OF):
    _, _, pattern_cycle = cycles(storage, as_of)
    return await pattern_cycle.run(tenant)


# -- failure likelihood ----------------------------------------------------------------------

async def test_failure_rate_just_under_and_at_one_third(storage: object) -> None:
    at_third = [wr("w-at", "failed", error="boom", minutes_ago=5)] + [
        wr("w-at", minutes_ago=6 + i) for i in range(2)]
    under = [wr("w-under", "failed", error="boom", minutes_ago=5 + i) for i in range(33)] + [
        wr("w-under", minutes_ago=100 + i) for i in range(67)]
    await runs(storage, at_third + under)
    result = await predict(storage)
    [p] = result.predictions
    assert (p.prediction_type, p.subject_type, p.subject_id, p.tenant_id) == (
        "failure_likelihood", "worker", "w-at", "t1")
    assert p.confidence_score == 0.5 and p.is_advisory
    assert p.prediction_value == {"predicted_outcome": "high_failure_likelihood",
                                  "failure_rate": 0.333, "recent_failures": 1, "total_runs": 3}
    assert p.expires_at == AS_OF + timedelta(hours=24)
    assert p.notes == "ADVISORY: This is a prediction, not a fact."


async def test_failure_rate_is_exact_for_busy_workers(storage: object) -> None:
    # 150 failures out of 450 runs: sampling 100 failed rows would not matter, the rate is exact
    items = [wr("busy", "failed", error=f"e{i % 4}", minutes_ago=1 + i) for i in range(150)]
    items += [wr("busy", minutes_ago=200 + i) for i in range(300)]
    await runs(storage, items)
    [p] = (await predict(storage)).predictions
    assert p.prediction_value["total_runs"] == 450 and p.prediction_value["recent_failures"] == 150
    samples = next(f for f in p.contributing_factors if f["type"] == "error_samples")["samples"]
    assert sorted(samples) == ["e0", "e1", "e2"]


async def test_runs_outside_the_window_do_not_count(storage: object) -> None:
    await runs(storage, [wr("w", "failed", error="x", minutes_ago=5),
                         wr("w", "failed", error="x", minutes_ago=8 * 24 * 60),  # too old
                         wr("w", "failed", error="x", minutes_ago=-30),  # after as_of
                         wr("w", minutes_ago=6), wr("w", minutes_ago=7)])
    [p] = (await predict(storage)).predictions
    assert p.prediction_value["total_runs"] == 3


# -- cost overrun ----------------------------------------------------------------------------

async def test_cost_overrun_just_under_and_at_threshold(storage: object) -> None:
    await runs(storage, history("c-at", ["114.0176"] * 3 + ["100"] * 4)
               + history("c-under", ["114.0175"] * 3 + ["100"] * 4)
               + history("c-few", ["900", "100"]))
    [p] = (await predict(storage)).predictions
    assert (p.prediction_type, p.subject_id) == ("cost_overrun", "c-at")
    assert p.prediction_value["overrun_percent"] == 30.0 and p.confidence_score == 0.3
    assert p.notes == "ADVISORY: This is a projection based on trends."


async def test_rerun_updates_predictions_instead_of_duplicating(storage: object) -> None:
    await runs(storage, history("c1", ["200"] * 3 + ["100"] * 3)
               + [wr("f1", "failed", error="x", minutes_ago=3)])
    first = await predict(storage)
    second = await predict(storage, as_of=AS_OF + timedelta(minutes=5))
    assert [p.id for p in first.predictions] == [p.id for p in second.predictions]
    assert len(first.predictions) == 2
    async with storage.unit_of_work() as uow:
        page = await uow.prediction_records.list_predictions(
            "t1", PredictionFilter(), now=AS_OF + timedelta(minutes=5), limit=50)
    assert len(page.items) == 2


async def test_prediction_tenants_are_the_workers_own(storage: object) -> None:
    await runs(storage, history("shared", ["200"] * 3 + ["100"] * 3, tenant="a")
               + history("shared", ["100"] * 6, tenant="b"))
    result = await predict(storage, None)
    assert result.tenant_ids == ["a", "b"]
    assert [(p.tenant_id, p.subject_id) for p in result.predictions] == [("a", "shared")]


# -- failure signatures ----------------------------------------------------------------------

async def test_failure_signature_normalisation_and_threshold(storage: object) -> None:
    same = ["Job 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed at 2026-03-20T10:00:00 (code 17)",
            "job 0b7e8f1c-1111-2222-3333-444455556666 FAILED at 2026-03-20 11:30:59 (code 99)",
            "  JOB AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE failed at 2026-03-19T23:00:01 (code 5) "]
    items = [wr(f"w{i}", "failed", error=e, minutes_ago=10 + i) for i, e in enumerate(same)]
    items += [wr("w9", "failed", error="disk full on node 1", minutes_ago=5),
              wr("w9", "failed", error="disk full on node 2", minutes_ago=6),
              wr("w9", "failed", error="disk full on node 3", minutes_ago=25 * 60)]  # too old
    await runs(storage, items)
    [fb] = (await detect(storage)).feedback
    assert fb.signature == error_signature("job <uuid> failed at <timestamp> (code <n>)")
    assert fb.occurrence_count == 3 and fb.provenance == [r.id for r in items[:3]]
    assert (fb.pattern_type, fb.severity.value, fb.time_window_minutes) == (
        "failure_pattern", "warning", 1440)
    assert fb.threshold_used == "threshold=3" and fb.metadata["worker_id"] == "w0"


# -- per-worker cost spikes ------------------------------------------------------------------

async def test_cost_spike_at_49_and_50_pct_and_minimum_runs(storage: object) -> None:
    await runs(storage, history("s49", ["149"] + ["100"] * 4) + history("s50", ["150"] + ["100"] * 4)
               + history("s4", ["900"] + ["100"] * 3))
    [fb] = (await detect(storage)).feedback
    assert (fb.pattern_type, fb.signature, fb.occurrence_count) == ("cost_spike", "cost_spike_s50", 1)
    assert fb.metadata == {"worker_id": "s50", "avg_cost_cents": 100.0, "recent_cost_cents": 150,
                           "spike_percent": 50.0, "baseline_run_count": 4}


async def test_pattern_rerun_updates_feedback_instead_of_duplicating(storage: object) -> None:
    await runs(storage, history("s50", ["150"] + ["100"] * 4)
               + [wr("w", "failed", error=f"boom {i}", minutes_ago=i + 1) for i in range(3)])
    first = await detect(storage)
    second = await detect(storage, as_of=AS_OF + timedelta(minutes=30))
    assert len(first.feedback) == 2
    assert [f.id for f in first.feedback] == [f.id for f in second.feedback]
    async with storage.unit_of_work() as uow:
        page = await uow.pattern_feedback.list_feedback("t1", FeedbackFilter(), limit=50)
    assert len(page.items) == 2


async def test_cycle_results_are_json_serialisable(storage: object) -> None:
    await runs(storage, history("s50", ["150"] + ["100"] * 4)
               + history("c1", ["200"] * 3 + ["100"] * 3))
    patterns = (await detect(storage)).model_dump(mode="json")
    assert {"pattern_type", "signature", "occurrence_count", "metadata", "tenant_id"} <= set(
        patterns["feedback"][0])
    predictions = (await predict(storage)).model_dump(mode="json")
    assert {"prediction_type", "subject_type", "subject_id", "confidence_score",
            "prediction_value", "tenant_id"} <= set(predictions["predictions"][0])


@pytest.mark.parametrize("tenant", ["nobody"])
async def test_a_tenant_without_data_finds_nothing(storage: object, tenant: str) -> None:
    assert (await predict(storage, tenant)).predictions == []
    assert (await detect(storage, tenant)).feedback == []
