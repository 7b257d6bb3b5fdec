"""Cause derivation: each built-in cause, strict thresholds, and the first-match order."""

from __future__ import annotations

import pytest

from costsight.core.plugins.causes import derive_cause
from costsight.plugins.anomaly.causes import BUILTIN_CAUSES
from tests.engines.builders import TENANT, TODAY, anomaly_context, day, usage


def evidence(entity_type: str, entity_id: str, rows: list) -> object:
    return anomaly_context(rows).cause_evidence(entity_type, entity_id)


def pair(entity_type: str, entity_id: str, y: dict, t: dict) -> list:
    base = {"requests": 10, "retries": 1, "input_tokens": 10_000}  # avg prompt 1000
    return [usage(entity_type, entity_id, day(-1), "100", **(base | y)),
            usage(entity_type, entity_id, TODAY, "100", **(base | t))]


def cause(rows: list, entity_type: str = "user", entity_id: str = "u1") -> str:
    trial = derive_cause(BUILTIN_CAUSES, evidence(entity_type, entity_id, rows))
    assert trial.errors == ()
    return trial.cause


@pytest.mark.parametrize(("today_retries", "expected"), [(15, "UNKNOWN"), (16, "RETRY_LOOP")])
def test_retry_loop_is_strictly_above_1_5(today_retries: int, expected: str) -> None:
    # yesterday 10/100 retried; today 15/100 = exactly 1.5x (not above), 16/100 above
    rows = pair("user", "u1", {"requests": 100, "retries": 10, "input_tokens": 100_000},
                {"requests": 100, "retries": today_retries, "input_tokens": 100_000})
    assert cause(rows) == expected


def test_retry_loop_needs_retries_on_both_days() -> None:
    rows = pair("user", "u1", {"retries": 0}, {"retries": 9})
    assert cause(rows) == "UNKNOWN"


@pytest.mark.parametrize(("tokens", "expected"), [(1300, "UNKNOWN"), (1301, "PROMPT_GROWTH")])
def test_prompt_growth_is_strictly_above_1_3(tokens: int, expected: str) -> None:
    assert cause(pair("user", "u1", {}, {"input_tokens": tokens * 10})) == expected


@pytest.mark.parametrize(("requests", "expected"), [(13, "UNKNOWN"), (14, "TRAFFIC_GROWTH")])
def test_traffic_growth_is_strictly_above_1_3(requests: int, expected: str) -> None:
    # keep the retry share and average prompt constant so only traffic grows
    rows = pair("user", "u1", {"requests": 10, "retries": 0, "input_tokens": 1000},
                {"requests": requests, "retries": 0, "input_tokens": requests * 100})
    assert cause(rows) == expected


def surge_rows(top: str, other: str) -> list:
    return pair("tenant", TENANT, {}, {}) + [usage("feature", "a.top", TODAY, top),
                                             usage("feature", "b.other", TODAY, other)]


@pytest.mark.parametrize(("top", "expected"), [("60", "UNKNOWN"), ("60.000001", "FEATURE_SURGE")])
def test_feature_surge_is_strictly_above_0_6_for_the_tenant(top: str, expected: str) -> None:
    other = str(100 - float(top)) if expected == "UNKNOWN" else "39.999999"
    assert cause(surge_rows(top, other), "tenant", TENANT) == expected


def test_feature_surge_is_tenant_only() -> None:
    rows = surge_rows("90", "10") + pair("user", "u1", {}, {})
    assert cause(rows, "user", "u1") == "UNKNOWN"


def test_first_match_wins_in_documented_order() -> None:
    everything = {"requests": 20, "retries": 10, "input_tokens": 40_000}
    rows = pair("tenant", TENANT, {}, everything) + [usage("feature", "a.top", TODAY, "100")]
    assert cause(rows, "tenant", TENANT) == "RETRY_LOOP"
    no_retry = everything | {"retries": 2}  # share 0.1 -> same as yesterday
    rows = pair("tenant", TENANT, {}, no_retry) + [usage("feature", "a.top", TODAY, "100")]
    assert cause(rows, "tenant", TENANT) == "PROMPT_GROWTH"
    plain_prompt = no_retry | {"input_tokens": 20_000}
    rows = pair("tenant", TENANT, {}, plain_prompt) + [usage("feature", "a.top", TODAY, "100")]
    assert cause(rows, "tenant", TENANT) == "FEATURE_SURGE"
    rows = pair("tenant", TENANT, {}, plain_prompt)
    assert cause(rows, "tenant", TENANT) == "TRAFFIC_GROWTH"


def test_no_yesterday_means_unknown() -> None:
    rows = [usage("user", "u1", TODAY, "100", requests=50, retries=40)]
    assert cause(rows) == "UNKNOWN"


def test_budget_entity_types_have_no_evidence() -> None:
    assert cause([], "budget-thing", "x") == "UNKNOWN"


def test_builtin_orders() -> None:
    assert [(c.name, c.order) for c in BUILTIN_CAUSES] == [
        ("RETRY_LOOP", 100), ("MODEL_SWITCH", 150), ("PROMPT_GROWTH", 200),
        ("FEATURE_SURGE", 300), ("TRAFFIC_GROWTH", 400)]
