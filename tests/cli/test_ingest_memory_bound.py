"""Bounded memory: ingesting a 1,000,000-line file keeps the process under 500 MB peak RSS."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import COSTSIGHT

LINES = 1_000_000
LIMIT_MB = 500


def _write_file(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(LINES):
            out.write(json.dumps({
                "type": "cost_record", "tenant_id": f"tenant-{i % 7}", "model": "gpt-4o-mini",
                "input_tokens": 1000 + i % 500, "output_tokens": 200, "cost_cents": "0.0275",
                "created_at": f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00",
                "request_id": f"req-{i}", "user_id": f"user-{i % 50}",
                "feature_tag": "support.reply", "is_retry": i % 10 == 0}) + "\n")


@pytest.mark.slow
def test_one_million_lines_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    _write_file(path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'big.db'}"
    # A fresh interpreter measures only the ingest (RUSAGE_CHILDREN is the max over children).
    probe = (
        "import os, resource, subprocess, sys\n"
        "env = {**os.environ, 'COSTSIGHT_DATABASE_URL': sys.argv[2]}\n"
        "p = subprocess.run([sys.argv[1], 'ingest', sys.argv[3], '--json'], env=env,\n"
        "                   capture_output=True, text=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(p.returncode)\n"
        "print(p.stdout.strip())\n"
        "print(p.stderr[-2000:], file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe, COSTSIGHT, url, str(path)],
                            capture_output=True, text=True, timeout=1800)
    lines = result.stdout.splitlines()
    assert len(lines) >= 3, result.stderr
    peak_mb = int(lines[0]) / 1024  # ru_maxrss is in KiB on Linux
    code, report = int(lines[1]), json.loads(lines[2])
    assert code == 0, result.stderr
    assert report["inserted"] == LINES and report["rejected"] == 0
    print(f"peak RSS {peak_mb:.0f} MB for {LINES} lines")
    assert peak_mb < LIMIT_MB
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss > 0
