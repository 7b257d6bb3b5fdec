"""Failure signatures and per-worker cost spikes, pure (no storage)."""

from __future__ import annotations

import pytest

from costsight.core.engines.signature import error_signature
from costsight.plugins.patterns.cost_spikes import CostSpikeDetector
from costsight.plugins.patterns.failure_signatures import FailureSignatureDetector
from tests.engines.builders import TENANT, pattern_context, run

SIGNATURES = FailureSignatureDetector().detect
SPIKES = CostSpikeDetector().detect


def failing(worker: str, error: str, minutes_ago: int) -> object:
    return run(worker, "failed", error=error, minutes_ago=minutes_ago)


def test_three_normalised_repeats_make_a_pattern_two_do_not() -> None:
    runs = [
        failing("w1", "Job 11111111-2222-3333-4444-555555555555 timed out at 2026-03-20T10:00:00 after 30s", 1),
        failing("w2", "job aaaaaaaa-2222-3333-4444-555555555555 TIMED OUT at 2026-03-20 11:12:13 after 30s", 2),
        failing("w1", "  job 99999999-2222-3333-4444-555555555555 timed out at 2026-03-19T23:59:59 after 30s ", 3),
        failing("w3", "disk full on node 7", 4),
        failing("w3", "disk full on node 8", 5),
    ]
    [fb] = SIGNATURES(pattern_context(failed_runs=runs))
    assert fb.signature == error_signature("job <uuid> timed out at <timestamp> after 30s")
    assert fb.occurrence_count == 3
    assert fb.provenance == [runs[0].id, runs[1].id, runs[2].id]
    assert fb.pattern_type == "failure_pattern" and fb.severity.value == "warning"
    assert fb.time_window_minutes == 1440 and fb.threshold_used == "threshold=3"
    assert fb.metadata["worker_id"] == "w1" and fb.metadata["worker_ids"] == ["w1", "w2"]
    assert fb.description.startswith("Repeated failure detected: 3 occurrences. Sample: Job ")
    assert fb.tenant_id == TENANT


def test_integers_inside_words_are_kept() -> None:
    runs = [failing("w", f"error e{n}", n) for n in (1, 2, 3)]
    assert SIGNATURES(pattern_context(failed_runs=runs)) == []
    runs = [failing("w", f"error {n}", n) for n in (1, 2, 3)]
    assert len(SIGNATURES(pattern_context(failed_runs=runs))) == 1


def test_long_sample_is_cut() -> None:
    runs = [failing("w", "x" * 900, n) for n in (1, 2, 3)]
    [fb] = SIGNATURES(pattern_context(failed_runs=runs))
    assert len(fb.metadata["sample_error"]) == 500
    assert fb.description.endswith("Sample: " + "x" * 200)


def spend(worker: str, newest_first: list[str]) -> list:
    return [run(worker, cost=c, minutes_ago=i + 1) for i, c in enumerate(newest_first)]


@pytest.mark.parametrize(("newest", "emitted"), [("149", False), ("149.999999", False),
                                                 ("150", True)])
def test_cost_spike_threshold_is_50_pct(newest: str, emitted: bool) -> None:
    runs = spend("w1", [newest, "100", "100", "100", "100"])
    assert bool(SPIKES(pattern_context(cost_runs=runs))) is emitted


def test_cost_spike_fields() -> None:
    runs = spend("w1", ["300", "100", "100", "150", "50"])
    [fb] = SPIKES(pattern_context(cost_runs=runs))
    assert fb.signature == "cost_spike_w1" and fb.pattern_type == "cost_spike"
    assert fb.provenance == [runs[0].id] and fb.occurrence_count == 1
    assert fb.time_window_minutes is None and fb.threshold_used == "spike_threshold=50.0%"
    assert fb.metadata == {"worker_id": "w1", "avg_cost_cents": 100.0, "recent_cost_cents": 300,
                           "spike_percent": 200.0, "baseline_run_count": 4}
    assert fb.description == "Cost spike detected: 200.0% increase. Recent: 300¢, Avg: 100.0¢"


def test_cost_spike_needs_five_runs() -> None:
    assert SPIKES(pattern_context(cost_runs=spend("w1", ["900", "100", "100", "100"]))) == []
