"""``costsight worker``: --once runs every job; N workers run each job once per interval."""

from __future__ import annotations

import json
import os
import signal
from collections import defaultdict
from pathlib import Path
from typing import IO, Any

import anyio
import pytest

from tests.cli.conftest import COSTSIGHT
from tests.ingest.lines import good_lines, jsonl

DETECTION_JOBS = {"anomaly_detection", "forecasts", "predictions", "patterns"}
JOBS = DETECTION_JOBS | {"alert_dispatch", "partitions"}


def test_worker_once_runs_every_job(cli, tmp_path: Path) -> None:
    path = tmp_path / "good.jsonl"
    path.write_bytes(jsonl(good_lines()))
    assert cli("ingest", str(path)).code == 0
    result = cli("worker", "--once", "--json")
    assert result.code == 0, result.err
    jobs = result.json()["jobs"]
    assert {j["job"] for j in jobs} == JOBS
    assert all(j["ran"] and j["error"] is None for j in jobs)
    assert all(j["summary"]["tenants"] == 1 for j in jobs if j["job"] in DETECTION_JOBS)
    [dispatch] = [j for j in jobs if j["job"] == "alert_dispatch"]
    assert dispatch["summary"] == {"sent": 0, "retried": 0, "dead": 0, "stale": 0}
    human = cli("worker", "--once")
    assert human.code == 0 and "anomaly_detection: tenants 1" in human.out


def _open(path: Path) -> IO[bytes]:
    return path.open("wb")


async def _start_worker(url: str, out: Path, err: Path, interval: str) -> Any:
    env = {**os.environ, "COSTSIGHT_DATABASE_URL": url}
    return await anyio.open_process([COSTSIGHT, "worker", "--interval", interval, "--json"],
                                    stdout=_open(out), stderr=_open(err), env=env)


def _outcomes(path: Path) -> list[dict[str, Any]]:
    """Complete JSON lines written so far (a line still being written is left out)."""
    complete = path.read_text().rpartition("\n")[0]
    return [json.loads(line) for line in complete.splitlines() if line.strip()]


async def _two_workers(url: str, tmp_path: Path) -> None:
    outs = [tmp_path / f"w{i}.out" for i in range(2)]
    errs = [tmp_path / f"w{i}.err" for i in range(2)]
    procs = [await _start_worker(url, outs[i], errs[i], "1") for i in range(2)]
    try:
        # Both workers must be up (signal handlers installed) before one is stopped: on a
        # loaded machine start-up alone can take seconds.
        with anyio.fail_after(60):
            while not all(_outcomes(p) for p in outs):  # noqa: ASYNC110 - polling files
                await anyio.sleep(0.2)
        await anyio.sleep(6)
        seen = [_outcomes(p) for p in outs]
        # Failover: stop whichever worker leads; the other takes over at its next tick.
        leader = 0 if any(o["ran"] for o in seen[0]) else 1
        procs[leader].send_signal(signal.SIGTERM)
        with anyio.fail_after(30):
            assert await procs[leader].wait() == 0, errs[leader].read_text()
        await anyio.sleep(4)
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        with anyio.fail_after(30):
            codes = [await proc.wait() for proc in procs]
    assert codes == [0, 0], [e.read_text() for e in errs]
    runs: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for path in outs:
        for outcome in _outcomes(path):
            assert outcome["error"] is None, outcome
            runs[(outcome["job"], outcome["tick"])].append(outcome["ran"])
    assert {job for job, _ in runs} == JOBS
    for key, ran in runs.items():
        assert sum(ran) <= 1, f"{key} ran {sum(ran)} times"
        if len(ran) == 2:  # both workers were up at that tick: exactly one ran it
            assert sum(ran) == 1, f"{key} ran by nobody"
    for job in JOBS:
        assert sum(1 for (j, _), ran in runs.items() if j == job and any(ran)) >= 6
    follower = _outcomes(outs[1 - leader])
    last_leader_tick = max(o["tick"] for o in _outcomes(outs[leader]))
    assert any(o["ran"] and o["tick"] > last_leader_tick for o in follower), "no failover"


@pytest.mark.postgres
async def test_two_workers_on_postgres_run_each_job_once_per_interval(
        postgres_url: str, tmp_path: Path) -> None:
    await _two_workers(postgres_url, tmp_path)


@pytest.mark.sqlite
async def test_two_workers_on_sqlite_run_each_job_once_per_interval(
        sqlite_url: str, tmp_path: Path) -> None:
    await _two_workers(sqlite_url, tmp_path)
