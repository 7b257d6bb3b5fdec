"""Load: 200 concurrent MCP tool calls over streamable HTTP (the shipped server in its own
process, on Postgres), from 10 sessions of two tenants at once, all succeed with the right
answers. The latency distribution is printed, not asserted (it depends on the machine).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from costsight.mcp_server import tool_names as names
from tests.mcp.helpers import call
from tests.mcp.seed import seed_database
from tests.reliability.http_server import client_with, serving

pytestmark = pytest.mark.postgres

SESSIONS = 10
CALLS_PER_SESSION = 20
WEEK = {"start": "2026-03-04T00:00:00Z", "end": "2026-03-11T00:00:00Z"}

Check = Callable[[dict[str, Any]], bool]
#: (tool, arguments, token -> check of the answer)
PROBES: list[tuple[str, dict[str, Any], dict[str, Check]]] = [
    (names.GET_COST_STATISTICS, WEEK, {
        "tok-a": lambda out: out["totals"]["spend_cents"] == 11.75,
        "tok-b": lambda out: out["totals"]["spend_cents"] == 999}),
    (names.GET_COST_BREAKDOWN, {"dimension": "user", **WEEK}, {
        "tok-a": lambda out: [(r["key"], r["spend_cents"]) for r in out["rows"]]
        == [("u1", 11.5), ("u2", 0.25)],
        "tok-b": lambda out: [(r["key"], r["spend_cents"]) for r in out["rows"]]
        == [("unknown", 999)]}),
    (names.LIST_DIMENSION_VALUES, {"dimension": "model"}, {
        "tok-a": lambda out: out["items"] == ["claude-3-5-sonnet", "gpt-4o", "gpt-4o-mini"],
        "tok-b": lambda out: out["items"] == ["gpt-4o"]}),
    (names.GET_BUDGET_STATUS, {}, {
        "tok-a": lambda out: len(out["budgets"]) == 3,
        "tok-b": lambda out: out["budgets"] == []}),
    (names.LIST_ANOMALIES, {}, {
        "tok-a": lambda out: len(out["items"]) == 2,
        "tok-b": lambda out: [a["entity_id"] for a in out["items"]] == ["ub"]}),
    (names.COUNT_PROVENANCE, {}, {
        "tok-a": lambda out: out["count"] == 4,
        "tok-b": lambda out: out["count"] == 0}),
    (names.GET_USAGE_STATISTICS, WEEK, {
        "tok-a": lambda out: out["totals"]["llm_calls"] == 3,
        "tok-b": lambda out: out["totals"]["llm_calls"] == 1}),
]


@pytest.fixture
async def seeded_url(postgres_url: str) -> str:
    return await seed_database(postgres_url, findings=True)


def _percentile(ordered: list[float], pct: float) -> float:
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def test_two_hundred_concurrent_tool_calls(seeded_url: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    latencies: list[float] = []
    wrong: list[tuple[str, str, Any]] = []
    all_in_flight = anyio.Event()
    in_flight = 0

    async def one_call(client: Any, token: str, n: int) -> None:
        nonlocal in_flight
        name, arguments, checks = PROBES[n % len(PROBES)]
        in_flight += 1
        if in_flight == SESSIONS * CALLS_PER_SESSION:
            all_in_flight.set()
        await all_in_flight.wait()  # every call is issued at the same moment
        started = time.perf_counter()
        out = await call(client, name, **arguments)
        latencies.append(time.perf_counter() - started)
        if not checks[token](out):
            wrong.append((token, name, out))

    async def session(index: int) -> None:
        token = "tok-a" if index % 2 == 0 else "tok-b"
        async with client_with(url, token) as client, anyio.create_task_group() as tg:
            for n in range(CALLS_PER_SESSION):
                tg.start_soon(one_call, client, token, index + n)

    async with serving(seeded_url, tmp_path) as url:
        started = time.perf_counter()
        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                for index in range(SESSIONS):
                    tg.start_soon(session, index)
        elapsed = time.perf_counter() - started

    assert len(latencies) == SESSIONS * CALLS_PER_SESSION
    assert wrong == []
    ordered = sorted(latencies)
    with capsys.disabled():
        print(f"\n{len(ordered)} concurrent MCP tool calls over streamable HTTP in "
              f"{elapsed:.2f}s ({SESSIONS} sessions): latency ms "
              + ", ".join(f"p{p}={_percentile(ordered, p) * 1000:.0f}"
                          for p in (50, 90, 99))
              + f", max={ordered[-1] * 1000:.0f}, mean={statistics.mean(ordered) * 1000:.0f}")
