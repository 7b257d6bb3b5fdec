"""``costsight rollups verify|rebuild`` end to end on SQLite: clean after ingest and reprice,
exit 1 naming the difference after a rollup row is damaged, clean again after a rebuild."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

LINES = [
    {"type": "cost_record", "tenant_id": t, "model": m, "cost_cents": k, "user_id": f"u{k % 3}",
     "created_at": f"2026-02-0{1 + k % 3}T{k % 24:02d}:{k % 60:02d}:00Z", "request_id": f"{t}{k}"}
    for t in ("acme", "globex") for m in ("gpt-4o", "claude-3-5-haiku") for k in range(40)
] + [{"type": "cost_record", "tenant_id": "acme", "model": "mystery-model", "input_tokens": 9,
      "created_at": "2026-02-01T10:30:00Z", "request_id": "priced-later"}]


def _ingest(cli, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    result = cli("ingest", str(path))
    assert result.code == 0, result.err


def test_verify_is_clean_after_ingest_and_reprice(cli, tmp_path: Path) -> None:
    _ingest(cli, tmp_path)
    assert cli("prices", "set", "--model", "mystery-model", "--rate", "input_mtok=1000",
               "--effective-from", "2026-01-01T00:00:00Z").code == 0
    assert cli("reprice", "--tenant", "acme", "--since", "2026-01-01T00:00:00Z").code == 0
    result = cli("rollups", "verify", "--json")
    assert result.code == 0, result.out
    assert result.json() == {"tenants": ["acme", "globex"], "clean": True, "differences": []}


def test_a_damaged_rollup_is_reported_then_rebuilt(cli, db_url: str, tmp_path: Path) -> None:
    _ingest(cli, tmp_path)
    with sqlite3.connect(db_url.removeprefix("sqlite+aiosqlite:///")) as db:
        db.execute("UPDATE cost_rollup_daily SET calls = calls + 2 WHERE tenant_id = 'globex' "
                   "AND model = 'gpt-4o'")
    result = cli("rollups", "verify", "--json")
    assert result.code == 1
    found = result.json()["differences"]
    assert {(d["tenant_id"], d["grain"], d["key"]["model"]) for d in found} == {
        ("globex", "cost_rollup_daily", "gpt-4o")}
    assert all(d["stored"]["calls"] == d["expected"]["calls"] + 2 for d in found)
    human = cli("rollups", "verify", "--tenant", "globex")
    assert human.code == 1 and f"{len(found)} difference(s)" in human.out

    rebuilt = cli("rollups", "rebuild", "--tenant", "globex", "--json")
    assert rebuilt.code == 0
    assert rebuilt.json()["tenants"] == ["globex"] and rebuilt.json()["rows_written"]["globex"] > 0
    assert cli("rollups", "verify").code == 0


def test_a_bad_since_is_refused_naming_the_flag(cli) -> None:
    result = cli("rollups", "rebuild", "--since", "yesterday")
    assert result.code == 2  # a usage error, as every command's bad flag value
    assert "--since" in result.err and "ISO 8601" in result.err
