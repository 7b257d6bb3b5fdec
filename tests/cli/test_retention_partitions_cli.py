"""``costsight retention`` of every tenant on PostgreSQL: history ingested after its month had
passed gets its partition at the next ``costsight migrate``; retention then drops each month
wholly older than the cut-off as a whole partition, deletes the rest row by row, reports both
per tenant, and the rollups keep the history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from costsight.adapters.sql.partitions import (
    add_months,
    month_of,
    month_of_partition,
    partition_name,
)
from costsight.adapters.sql.storage import SqlStorage
from tests.cli.conftest import run_subprocess

pytestmark = pytest.mark.postgres

NOW = datetime.now(UTC)
AGES = {"acme": (100, 45, 0), "beta": (100,)}  # days


def _lines() -> list[dict[str, object]]:
    return [{"type": "cost_record", "tenant_id": tenant, "model": "gpt-4o", "cost_cents": 1,
             "request_id": f"{tenant}-{age}", "created_at": (NOW - timedelta(days=age)).isoformat()}
            for tenant, ages in AGES.items() for age in ages]


def _ok(url: str, *args: str) -> str:
    result = run_subprocess(list(args), url)
    assert result.code == 0, result.err
    return result.out


def _run(url: str, *args: str) -> dict[str, object]:
    return json.loads(_ok(url, *args))  # type: ignore[no-any-return]


async def _rows(url: str, sql: str = "SELECT tenant_id, count(*) FROM cost_records "
                                     "GROUP BY tenant_id") -> dict[str, int]:
    storage = await SqlStorage.open(url)
    try:
        async with storage.engine.connect() as conn:
            return {r[0]: r[1] for r in await conn.execute(text(sql))}
    finally:
        await storage.aclose()


async def _partitions(url: str) -> set[str]:
    return set(await _rows(url, "SELECT c.relname, 0 FROM pg_inherits i JOIN pg_class c "
                                "ON c.oid = i.inhrelid "
                                "WHERE i.inhparent = 'cost_records'::regclass"))


async def test_whole_old_months_are_dropped_as_partitions_the_rest_deleted(
        postgres_url: str, tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in _lines()))
    _ok(postgres_url, "ingest", str(path))
    _ok(postgres_url, "migrate")  # adopts the past months the ingest left in DEFAULT

    dry = _run(postgres_url, "retention", "--raw-days", "40", "--dry-run", "--json")
    cutoff = datetime.fromisoformat(str(dry["cutoff"]))
    whole = sorted({partition_name(month_of(NOW - timedelta(days=age)))
                    for ages in AGES.values() for age in ages
                    if datetime.combine(add_months(month_of(NOW - timedelta(days=age)), 1),
                                        time(), UTC) <= cutoff})
    assert partition_name(month_of(NOW - timedelta(days=100))) in whole
    # Every month partition wholly older than the cut-off goes, this test's and any empty one
    # an earlier test of the session database left.
    older = sorted(name for name in await _partitions(postgres_url)
                   if (month := month_of_partition(name)) is not None
                   and datetime.combine(add_months(month, 1), time(), UTC) <= cutoff)
    assert set(whole) <= set(older)
    assert [p["name"] for p in dry["partitions"]] == older  # type: ignore[index, union-attr]
    assert dry["tenants"] == [{"tenant_id": "acme", "rows": 2}, {"tenant_id": "beta", "rows": 1}]
    assert await _rows(postgres_url) == {"acme": 3, "beta": 1}  # the dry run removed nothing
    assert set(whole) <= await _partitions(postgres_url)

    done = _run(postgres_url, "retention", "--raw-days", "40", "--json")
    assert [p["name"] for p in done["partitions"]] == older  # type: ignore[index, union-attr]
    assert done["tenants"] == [{"tenant_id": "acme", "rows": 2}, {"tenant_id": "beta", "rows": 1}]
    assert await _rows(postgres_url) == {"acme": 1}
    assert not set(older) & await _partitions(postgres_url)  # dropped, not emptied
    # The rollups keep the history; a replay of a removed request id is still a duplicate.
    _ok(postgres_url, "rollups", "verify")
    again = tmp_path / "replay.jsonl"
    again.write_text(json.dumps(_lines()[0]) + "\n")
    _ok(postgres_url, "ingest", str(again))
    assert await _rows(postgres_url) == {"acme": 1}
