"""Exactly-once ingest by request id: 8 concurrent writers replay overlapping slices of the
same 10,000 calls, in different orders and batch sizes, through the ingest service.

Postgres: 8 writers in this process, each with its own engine (8 concurrent connections and
units of work). SQLite: two processes of 4 writers each, sharing one database file. Either way
the database ends with exactly 10,000 rows, one per request id, and the exact Decimal sum; no
writer fails (no deadlock, no "database is locked").
"""

from __future__ import annotations

import json

import anyio
import pytest

from costsight.adapters.sql.storage import SqlStorage
from tests.reliability.ingest_worker import replay
from tests.reliability.processes import module_command, run_all
from tests.reliability.workload import (
    CALLS,
    WRITERS,
    expected_total,
    rollup_differences,
    stored_totals,
    writer_slice,
)


async def _check_totals(url: str, results: list[dict[str, int]]) -> None:
    assert len(results) == WRITERS
    for result in results:
        assert result["written"] == 1 and result["rejected"] == 0, result
        assert result["inserted"] + result["duplicates"] == result["lines"], result
    assert sum(r["inserted"] for r in results) == CALLS

    storage = await SqlStorage.open(url)
    try:
        rows, distinct, spend = await stored_totals(storage)
        assert await rollup_differences(storage) == []  # `costsight rollups verify` is clean
    finally:
        await storage.aclose()
    assert (rows, distinct) == (CALLS, CALLS)
    assert spend == expected_total()


def test_every_call_is_replayed_by_four_writers() -> None:
    seen = [i for n in range(WRITERS) for i in writer_slice(n)]
    assert sorted(set(seen)) == list(range(CALLS))
    assert len(seen) == 4 * CALLS


@pytest.mark.postgres
async def test_eight_concurrent_writers_on_postgres(postgres_url: str) -> None:
    results: list[dict[str, int]] = []

    async def writer(n: int) -> None:
        results.append(await replay(postgres_url, n))

    with anyio.fail_after(120):
        async with anyio.create_task_group() as tg:
            for n in range(WRITERS):
                tg.start_soon(writer, n)
    await _check_totals(postgres_url, results)


@pytest.mark.sqlite
async def test_two_processes_of_four_writers_share_one_sqlite_file(sqlite_url: str) -> None:
    halves = [",".join(str(n) for n in range(WRITERS) if n % 2 == p) for p in range(2)]
    outputs = await run_all([module_command("tests.reliability.ingest_worker", sqlite_url, half)
                             for half in halves], timeout=120)
    for code, _, err in outputs:
        assert "database is locked" not in err
        assert code == 0, err
    results = [json.loads(line) for _, out, _ in outputs for line in out.splitlines()]
    await _check_totals(sqlite_url, results)
