"""The benchmark harness runs end to end at a tiny size (so it cannot rot).

Timings are not asserted: only that every benchmark ran, reported the fields BENCHMARKS.md is
built from, and that the properties which do not depend on the machine hold (every row
stored, constant detection round trips, bounded memory, one JSON object on stdout).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.workload import build_workload
from tests.backends import PG_URL, REQUIRE_PG

pytestmark = [pytest.mark.postgres, pytest.mark.sqlite]
ROOT = Path(__file__).resolve().parents[2]


def _postgres_reachable() -> str | None:
    import asyncio

    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"),
                                     timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # any connection failure means "no server"
        return f"PostgreSQL not reachable at {PG_URL}: {exc!r}"
    return None


def test_tiny_run_reports_every_benchmark() -> None:
    reason = _postgres_reachable()
    if reason is not None:
        if REQUIRE_PG:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--tiny", "--json"], cwd=ROOT,
        # the venv's costsight first; psql (cli_ingest_postgres' baseline) from the system
        env={"COSTSIGHT_BENCH_POSTGRES_URL": PG_URL,
             "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                      os.environ.get("PATH", os.defpath)])},
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout)  # exactly one JSON document on stdout

    pg, lite = out["ingest_postgres"], out["ingest_sqlite"]
    assert pg["rows"] == lite["rows"] == 2_000
    assert pg["ratio_vs_copy"] > 0 and lite["ratio_vs_executemany"] > 0
    assert [g["rows_to"] for g in pg["growth"]] == [1_000, 2_000]

    stats = out["stats_postgres"]
    assert stats["ratio_vs_raw_sql"] > 0
    assert [p["rows"] for p in stats["growth"]] == [1_000, 2_000]
    explained = stats["explain"]["statements"]
    assert explained and all(s["plan"] and s["ms"] is not None for s in explained)

    detect = out["detect_scaling"]
    assert set(detect["round_trips"]) == {"10", "20"}
    assert detect["round_trips_constant"] is True
    # the baseline's statements grow with the entities; costsight's do not
    assert detect["per_entity_round_trips"]["20"] > detect["per_entity_round_trips"]["10"]

    mcp = out["mcp_overhead"]
    assert {"p50_ms", "p95_ms", "overhead_p50_ms"} <= set(mcp)
    assert mcp["in_process"]["p50_ms"] > 0 and mcp["direct"]["p50_ms"] > 0

    memory = out["ingest_memory"]
    assert memory["lines"] == 1_000 and 0 < memory["peak_rss_mb"] < 500

    otlp = out["otlp_receiver"]
    assert otlp["spans"] == 1_024 and otlp["requests"] == 2
    assert otlp["ratio_vs_port"] > 0 and otlp["receiver_spans_per_s"] > 0

    cli = out["cli_ingest_postgres"]
    assert cli["lines"] == 1_000 and cli["ratio_vs_psql_copy"] > 0

    assert set(out["goals_met"]) == {"ingest_postgres", "stats_postgres", "ingest_sqlite",
                                     "detect_scaling", "ingest_memory", "otlp_receiver",
                                     "cli_ingest_postgres"}
    assert out["machine"]["cores"] >= 1 and out["machine"]["postgresql"]


def test_workload_is_deterministic_and_sliceable() -> None:
    workload = build_workload(seed=3)
    first = list(workload.rows(12_000))
    assert first == list(build_workload(seed=3).rows(12_000))
    assert list(workload.rows(50, offset=9_990)) == first[9_990:10_040]
    assert first != list(build_workload(seed=4).rows(12_000))
    # every cost is the model's list price times the tokens, in integer micro-cents
    assert all(isinstance(r[11], int) and r[11] > 0 for r in first)
    tenants = {r[1] for r in first}
    counts = sorted((sum(1 for r in first if r[1] == t) for t in tenants), reverse=True)
    assert len(tenants) == 8 and counts[0] > 3 * counts[-1]  # skewed, like real fleets
