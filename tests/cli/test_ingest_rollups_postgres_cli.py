"""``costsight ingest`` of a file in several staged batches on PostgreSQL (one transaction whose
rollups are added once, at commit): ``rollups verify`` is clean after it and after the replay
of the same file, which stores nothing again; a file with a rejected line leaves no rollup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import run_subprocess

pytestmark = pytest.mark.postgres

#: 3 batches of 100 (each staged: at least the staging threshold), request ids repeated across
#: batches (one of each id is stored), two tenants, some records without a request id.
LINES = [
    {"type": "cost_record", "tenant_id": ("acme", "globex")[k % 2], "model": "gpt-4o",
     "cost_cents": f"{k}.{k % 7}", "user_id": f"u{k % 5}", "is_retry": k % 9 == 0,
     "created_at": f"2026-02-0{1 + k % 4}T{k % 24:02d}:{k % 60:02d}:00Z",
     **({"request_id": f"r{k % 170}"} if k % 11 else {})}
    for k in range(300)
]


def _write(path: Path, lines: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _json(url: str, *args: str) -> dict[str, object]:
    result = run_subprocess(list(args), url)
    assert result.code in (0, 1), result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


async def test_rollups_are_exact_after_a_staged_ingest_and_its_replay(postgres_url: str,
                                                                tmp_path: Path) -> None:
    path = _write(tmp_path / "costs.jsonl", LINES)
    with_id = {(line["tenant_id"], line["request_id"]) for line in LINES if "request_id" in line}
    without_id = sum(1 for line in LINES if "request_id" not in line)
    first = _json(postgres_url, "ingest", str(path), "--batch-size", "100", "--json")
    assert first["inserted"] == len(with_id) + without_id
    assert first["duplicates"] == len(LINES) - first["inserted"]
    assert _json(postgres_url, "rollups", "verify", "--json")["clean"] is True

    replay = _json(postgres_url, "ingest", str(path), "--batch-size", "100", "--json")
    assert replay["inserted"] == without_id  # records without a request id are always stored
    assert _json(postgres_url, "rollups", "verify", "--json") == {
        "tenants": ["acme", "globex"], "clean": True, "differences": []}


async def test_a_rejected_line_leaves_no_record_and_no_rollup(postgres_url: str,
                                                        tmp_path: Path) -> None:
    bad = [*LINES, {"type": "cost_record", "tenant_id": "acme", "model": "gpt-4o",
                    "cost_cents": "-1", "created_at": "2026-02-01T00:00:00Z"}]
    result = _json(postgres_url, "ingest", str(_write(tmp_path / "bad.jsonl", bad)),
                   "--batch-size", "100", "--json")
    assert result["written"] is False and result["rejected"] == 1
    assert _json(postgres_url, "rollups", "verify", "--json") == {
        "tenants": [], "clean": True, "differences": []}
