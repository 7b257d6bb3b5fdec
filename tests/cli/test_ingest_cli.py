"""``costsight ingest``: good files, mixed files, --skip-invalid, re-ingest, CSV."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ingest.lines import BAD_LINES, cost, good_lines, jsonl


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_good_file(cli, tmp_path: Path) -> None:
    result = cli("ingest", write(tmp_path / "good.jsonl", jsonl(good_lines())), "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert (report["inserted"], report["duplicates"], report["rejected"]) == (8, 0, 0)
    assert report["by_type"]["cost_record"] == {"inserted": 3, "updated": 0, "duplicates": 0}


def test_human_output_prints_the_counts(cli, tmp_path: Path) -> None:
    result = cli("ingest", write(tmp_path / "good.jsonl", jsonl(good_lines())))
    assert result.code == 0
    assert "inserted 8, updated 0, duplicates 0, rejected 0" in result.out


def test_mixed_file_writes_nothing_and_names_every_bad_line(cli, tmp_path: Path) -> None:
    lines = [*jsonl(good_lines()).splitlines(), *(bad for bad, _ in BAD_LINES)]
    path = write(tmp_path / "mixed.jsonl", b"\n".join(lines))
    result = cli("ingest", path)
    assert result.code == 1
    first_bad = len(good_lines()) + 1
    for offset, (_, field) in enumerate(BAD_LINES):
        assert f"{path}:{first_bad + offset}: {field}: " in result.err
    assert "nothing was written" in result.out
    again = cli("ingest", write(tmp_path / "good.jsonl", jsonl(good_lines())), "--json")
    assert again.json()["inserted"] == 8  # the first attempt stored nothing


def test_skip_invalid_writes_good_lines_and_the_rejects_file(cli, tmp_path: Path) -> None:
    lines = [BAD_LINES[0][0], *jsonl(good_lines()).splitlines(), BAD_LINES[-5][0]]
    path = write(tmp_path / "mixed.jsonl", b"\n".join(lines))
    rejects = tmp_path / "rejects.jsonl"
    result = cli("ingest", path, "--skip-invalid", "--rejects-file", str(rejects), "--json")
    assert result.code == 1
    report = result.json()
    assert (report["inserted"], report["rejected"]) == (8, 2)
    rows = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["line"], r["field"]) for r in rows] == [(1, "cost_cents"), (len(lines), "line")]
    assert all(r["reason"] and r["raw"] for r in rows)
    assert rows[1]["raw"].startswith("{not json")


def test_skip_invalid_default_rejects_file(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", jsonl([cost(1), "{oops"]))
    result = cli("ingest", path, "--skip-invalid")
    assert result.code == 1
    assert Path(f"{path}.rejects.jsonl").is_file()


def test_reingest_reports_duplicates_and_changes_no_total(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "good.jsonl", jsonl(good_lines()))
    assert cli("ingest", path).code == 0
    spend_before = cli("detect", "--as-of", "2026-01-05T23:00:00+00:00", "--json").json()
    again = cli("ingest", path, "--json").json()
    assert (again["inserted"], again["updated"], again["duplicates"]) == (0, 0, 8)
    third = cli("ingest", path, "--batch-size", "2", "--json").json()
    assert (third["inserted"], third["duplicates"]) == (0, 8)
    spend_after = cli("detect", "--as-of", "2026-01-05T23:00:00+00:00", "--json").json()
    assert spend_after == spend_before


def test_csv_file(cli, tmp_path: Path) -> None:
    data = (b"tenant_id,model,input_tokens,output_tokens,cost_cents,created_at,request_id\n"
            b"t1,gpt-4o,100,10,0.35,2026-01-05T10:00:00+00:00,c-1\n"
            b"t1,gpt-4o,100,10,0.35,2026-01-05T10:00:00+00:00,c-2\n")
    result = cli("ingest", write(tmp_path / "costs.csv", data), "--json")
    assert result.code == 0 and result.json()["inserted"] == 2


def test_missing_file_is_a_clear_error(cli, tmp_path: Path) -> None:
    result = cli("ingest", str(tmp_path / "nope.jsonl"))
    assert result.code == 2
    assert "nope.jsonl" in result.err and "Traceback" not in result.err
