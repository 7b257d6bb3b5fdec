"""``--rejects-file`` never destroys anything: not an input, not an existing file (unless
``--overwrite-rejects``), not a file when nothing is rejected, and an unwritable place fails
before anything is committed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.ingest.lines import cost, good_lines, jsonl

pytestmark = pytest.mark.sqlite


def _file(path: Path, lines: list[str]) -> Path:
    path.write_bytes(jsonl(lines))
    return path


def _dir_listing(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def test_the_rejects_file_cannot_be_the_input(cli, tmp_path: Path) -> None:
    victim = _file(tmp_path / "victim.jsonl", good_lines())
    before = victim.read_bytes()
    result = cli("ingest", str(victim), "--rejects-file", str(victim))
    assert result.code == 2
    assert "--rejects-file" in result.err and "input file" in result.err
    assert victim.read_bytes() == before
    # The same file through another name (a symlink, a hard link) is the same input.
    for alias in (tmp_path / "alias.jsonl", tmp_path / "hard.jsonl"):
        if alias.name == "alias.jsonl":
            alias.symlink_to(victim)
        else:
            os.link(victim, alias)
        result = cli("ingest", str(victim), "--skip-invalid", "--overwrite-rejects",
                     "--rejects-file", str(alias))
        assert result.code == 2 and "input file" in result.err, result.err
        assert victim.read_bytes() == before
    assert cli("ingest", "--json", str(victim)).json()["inserted"] == 8  # nothing was stored


def test_an_existing_file_is_kept_when_nothing_is_rejected(cli, tmp_path: Path) -> None:
    ok = _file(tmp_path / "ok.jsonl", good_lines())
    keep = tmp_path / "keep.txt"
    keep.write_text("precious\n")
    refused = cli("ingest", str(ok), "--rejects-file", str(keep))
    assert refused.code == 2
    assert "already exists" in refused.err and "--overwrite-rejects" in refused.err
    assert keep.read_text() == "precious\n"
    # Allowed to overwrite, but nothing is rejected: the file is not touched.
    result = cli("ingest", str(ok), "--rejects-file", str(keep), "--overwrite-rejects", "--json")
    assert result.code == 0 and result.json()["inserted"] == 8
    assert result.json()["rejects_file"] is None
    assert keep.read_text() == "precious\n"
    assert _dir_listing(tmp_path) == ["cli.db", "keep.txt", "ok.jsonl"]


def test_no_rejects_file_is_created_without_a_reject(cli, tmp_path: Path) -> None:
    ok = _file(tmp_path / "ok.jsonl", good_lines())
    result = cli("ingest", str(ok), "--skip-invalid")
    assert result.code == 0
    assert not Path(f"{ok}.rejects.jsonl").exists()
    assert _dir_listing(tmp_path) == ["cli.db", "ok.jsonl"]  # no temporary file left


def test_an_existing_rejects_file_is_replaced_only_when_asked(cli, tmp_path: Path) -> None:
    mixed = _file(tmp_path / "mixed.jsonl", [cost(1), "{oops", cost(2)])
    old = tmp_path / "rejects.jsonl"
    old.write_text("old run\n")
    refused = cli("ingest", str(mixed), "--skip-invalid", "--rejects-file", str(old))
    assert refused.code == 2 and old.read_text() == "old run\n"
    result = cli("ingest", str(mixed), "--skip-invalid", "--rejects-file", str(old),
                 "--overwrite-rejects", "--json")
    assert result.code == 1 and result.json()["inserted"] == 2
    assert result.json()["rejects_file"] == str(old)
    assert '"line": 2' in old.read_text() and "old run" not in old.read_text()
    assert _dir_listing(tmp_path) == ["cli.db", "mixed.jsonl", "rejects.jsonl"]


def test_an_unwritable_rejects_path_fails_before_anything_is_committed(cli,
                                                                        tmp_path: Path) -> None:
    mixed = _file(tmp_path / "mixed.jsonl", [cost(i) for i in range(1, 6)] + ["{oops"])
    not_a_dir = tmp_path / "plain-file"
    not_a_dir.write_text("")
    result = cli("ingest", str(mixed), "--skip-invalid", "--batch-size", "1",
                 "--rejects-file", str(not_a_dir / "rejects.jsonl"))
    assert result.code == 2, result.err
    assert "--rejects-file" in result.err and "Traceback" not in result.err
    # Nothing was committed: ingesting the good lines now inserts every one of them.
    good = _file(tmp_path / "good.jsonl", [cost(i) for i in range(1, 6)])
    assert cli("ingest", "--json", str(good)).json()["inserted"] == 5


def test_a_directory_is_not_a_rejects_file(cli, tmp_path: Path) -> None:
    ok = _file(tmp_path / "ok.jsonl", good_lines())
    result = cli("ingest", str(ok), "--rejects-file", str(tmp_path), "--overwrite-rejects")
    assert result.code == 2 and "directory" in result.err


def test_a_rejected_alert_routes_secret_and_url_are_not_repeated(cli, tmp_path: Path) -> None:
    """The rejects file keeps the start of each rejected line, but never an alert route's
    HMAC secret or its URL (a Slack webhook URL is the credential itself)."""
    secret, url = "s3cr3t-" + "x" * 20, "https://hooks.slack.com/services/T0/B0/tokentoken"
    route = json.dumps({"type": "alert_route", "tenant_id": "acme", "name": "ops", "url": url,
                        "secret": secret, "min_severity": "apocalyptic"})
    source = _file(tmp_path / "in.jsonl", [*good_lines(), route])
    rejects = tmp_path / "rejects.jsonl"
    result = cli("ingest", str(source), "--skip-invalid", "--rejects-file", str(rejects))
    assert result.code == 1, result.err
    text = rejects.read_text()
    assert secret not in text and "tokentoken" not in text and secret not in result.err
    assert '\\"secret\\": \\"[redacted]\\"' in text and "min_severity" in text
