"""Peak RSS of ``costsight ingest`` on a generated JSON Lines file, in a child process.

A fresh probe interpreter runs the CLI as its only child and reports
``getrusage(RUSAGE_CHILDREN).ru_maxrss``, so nothing of the benchmark process is counted.
The target is a temp SQLite file (the CLI's default kind of database).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import goal, log, rnd
from benchmarks.workload import Workload, to_json_line

LIMIT_MB = 500
_PROBE = (
    "import os, resource, subprocess, sys\n"
    "env = {**os.environ, 'COSTSIGHT_DATABASE_URL': sys.argv[2]}\n"
    "p = subprocess.run([sys.argv[1], 'ingest', sys.argv[3], '--json'], env=env,\n"
    "                   capture_output=True, text=True)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "print(p.returncode)\n"
    "print(p.stdout.strip().replace(chr(10), ' '))\n"
    "sys.stderr.write(p.stderr[-3000:])\n"
)


def _costsight() -> str:
    found = Path(sys.executable).with_name("costsight")
    if found.exists():
        return str(found)
    which = shutil.which("costsight")
    if which is None:
        raise RuntimeError("the costsight console script is not installed (pip install -e .)")
    return which


def _write_jsonl(path: Path, workload: Workload, lines: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in workload.rows(lines):
            out.write(json.dumps(to_json_line(row), separators=(",", ":")) + "\n")


def ingest_memory(workload: Workload, lines: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="costsight-bench-rss-") as tmp:
        path = Path(tmp) / "costs.jsonl"
        _write_jsonl(path, workload, lines)
        size_mb = path.stat().st_size / 2**20
        log(f"  wrote {lines:,} lines ({size_mb:.0f} MB); running costsight ingest")
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'rss.db'}"
        t0 = time.perf_counter()
        probe = subprocess.run([sys.executable, "-c", _PROBE, _costsight(), url, str(path)],
                               capture_output=True, text=True, timeout=3600)
        seconds = time.perf_counter() - t0
    out_lines = probe.stdout.splitlines()
    if len(out_lines) < 3 or out_lines[1] != "0":
        raise RuntimeError(f"costsight ingest failed: {probe.stdout}\n{probe.stderr}")
    report = json.loads(out_lines[2])
    if report.get("inserted") != lines:
        raise RuntimeError(f"costsight ingest stored {report.get('inserted')} of {lines}")
    peak_mb = int(out_lines[0]) / 1024  # ru_maxrss is KiB on Linux
    return {"lines": lines, "file_mb": rnd(size_mb, 1), "peak_rss_mb": rnd(peak_mb, 1),
            "seconds": rnd(seconds, 1), "lines_per_s": round(lines / seconds),
            "database": "sqlite",
            "goals": {"peak_rss_mb": goal(rnd(peak_mb, 1), "<", LIMIT_MB)},
            "goal": f"< {LIMIT_MB}", "met": peak_mb < LIMIT_MB}
