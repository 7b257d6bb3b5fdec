"""``costsight retention`` end to end on SQLite: dry run, per-tenant purge in batches, refused
flags (nothing removed), the ``--json`` shape."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite

NOW = datetime.now(UTC)


def _line(tenant: str, request_id: str, age: timedelta) -> dict[str, object]:
    return {"type": "cost_record", "tenant_id": tenant, "model": "gpt-4o", "cost_cents": 1,
            "request_id": request_id, "created_at": (NOW - age).isoformat()}


#: Days well away from the cutoff of --raw-days 3 (between 3 and 4 days ago).
LINES = [
    _line("acme", "a-old-1", timedelta(days=10)), _line("acme", "a-old-2", timedelta(days=9)),
    _line("acme", "a-old-3", timedelta(days=8)), _line("acme", "a-new", timedelta(hours=1)),
    _line("beta", "b-old", timedelta(days=20)), _line("beta", "b-new", timedelta(days=1)),
    {"type": "worker_run", "id": "00000000-0000-4000-8000-000000000001", "tenant_id": "gamma",
     "worker_id": "w", "status": "queued", "created_at": NOW.isoformat()},
]


@pytest.fixture
def seeded(cli, tmp_path: Path, db_url: str) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    assert cli("ingest", str(path)).code == 0
    return Path(db_url.removeprefix("sqlite+aiosqlite:///"))


def rows_by_tenant(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute(
            "SELECT tenant_id, count(*) FROM cost_records GROUP BY tenant_id").fetchall())


def test_dry_run_counts_then_purge_removes_the_same_rows(cli, seeded: Path) -> None:
    dry = cli("retention", "--raw-days", "3", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    body = dry.json()
    assert set(body) == {"dry_run", "raw_days", "cutoff", "tenants", "rows", "partitions"}
    assert body["partitions"] == []  # SQLite keeps one table
    assert (body["dry_run"], body["raw_days"], body["rows"]) == (True, 3, 4)
    assert body["tenants"] == [{"tenant_id": "acme", "rows": 3}, {"tenant_id": "beta", "rows": 1},
                               {"tenant_id": "gamma", "rows": 0}]
    cutoff = datetime.fromisoformat(body["cutoff"])
    assert cutoff.utcoffset() == timedelta(0) and cutoff.time() == datetime.min.time()
    assert NOW - timedelta(days=4) < cutoff <= NOW - timedelta(days=3)
    assert rows_by_tenant(seeded) == {"acme": 4, "beta": 2}  # the dry run removed nothing

    done = cli("retention", "--raw-days", "3", "--batch", "2", "--json")
    assert done.code == 0, done.err
    assert {**done.json(), "cutoff": None} == {**body, "dry_run": False, "cutoff": None}
    assert rows_by_tenant(seeded) == {"acme": 1, "beta": 1}
    again = cli("retention", "--raw-days", "3", "--json").json()
    assert again["rows"] == 0


def test_one_tenant_and_the_human_output(cli, seeded: Path) -> None:
    done = cli("retention", "--raw-days", "3", "--tenant", "beta")
    assert done.code == 0, done.err
    assert "beta" in done.out and "acme" not in done.out and "removed 1 row(s)" in done.out
    assert rows_by_tenant(seeded) == {"acme": 4, "beta": 1}
    dry = cli("retention", "--raw-days", "1", "--dry-run")
    assert "would be removed, nothing removed" in dry.out
    assert rows_by_tenant(seeded) == {"acme": 4, "beta": 1}


@pytest.mark.parametrize(("args", "flag", "allowed"), [
    (["--raw-days", "0"], "--raw-days", "an integer from 1 to 36500"),
    (["--raw-days", "-2"], "--raw-days", "an integer from 1 to 36500"),
    (["--raw-days", "36501"], "--raw-days", "an integer from 1 to 36500"),
    (["--raw-days", "3", "--batch", "0"], "--batch", "an integer from 1 to 50000"),
    (["--raw-days", "3", "--tenant", ""], "--tenant", "1 to 64 characters"),
])
def test_refused_flags_name_the_flag_and_remove_nothing(
        cli, seeded: Path, args: list[str], flag: str, allowed: str) -> None:
    refused = cli("retention", *args, "--json")
    assert refused.code == 2
    assert refused.err.startswith(f"costsight retention: error: {flag}: ")
    assert f"(allowed: {allowed})" in refused.err and "Traceback" not in refused.err
    assert refused.out == ""
    assert rows_by_tenant(seeded) == {"acme": 4, "beta": 2}


def test_a_non_integer_or_missing_raw_days_is_an_argument_error(
        cli, seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--raw-days", "seven"], []):
        with pytest.raises(SystemExit) as exited:
            cli("retention", *args)
        assert exited.value.code == 2
        assert "--raw-days" in capsys.readouterr().err
    assert rows_by_tenant(seeded) == {"acme": 4, "beta": 2}
