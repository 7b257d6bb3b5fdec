"""``costsight ingest`` end to end (a child process, start-up included) against ``psql \\copy``.

The same generated rows are written twice: as the JSON Lines file a client would hand to
``costsight ingest``, and as a CSV of the storage columns for ``psql \\copy``. psql loads the CSV
into two tables of the same database: ``copy_like`` (``LIKE cost_records INCLUDING ALL``: the
same columns, constraints and indexes as costsight's raw table, so the same index work; the
comparable table) and ``copy_heap`` (``INCLUDING DEFAULTS`` only: no index, the physical
limit). costsight loads the JSON Lines into its own migrated, empty ``cost_records``. Each side
runs ``repeats`` times into emptied tables, alternating; the best time of each counts.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.databases import asyncpg_dsn, postgres_database, register_tags
from benchmarks.measure import goal, log, rnd
from benchmarks.memory import _costsight
from benchmarks.workload import COLUMNS, Workload, to_json_line
from costsight.adapters.sql.tables import ROLLUP_TABLES, cost_request_ids

GOAL = 0.25

#: What ``costsight ingest`` writes besides cost_records (request-id claims, rollups).
WITH_RECORDS = (cost_request_ids.name, *(t.name for t in ROLLUP_TABLES))


def _write_inputs(workload: Workload, lines: int, jsonl: Path, rows_csv: Path) -> None:
    with jsonl.open("w", encoding="utf-8") as out_json, \
            rows_csv.open("w", encoding="utf-8", newline="") as out_csv:
        writer = csv.writer(out_csv)
        for row in workload.rows(lines):
            out_json.write(json.dumps(to_json_line(row), separators=(",", ":")) + "\n")
            writer.writerow(["" if v is None else ("t" if v is True else "f" if v is False
                                                   else v.isoformat() if hasattr(v, "isoformat")
                                                   else v) for v in row])


def _psql_copy(dsn: str, table: str, rows_csv: Path) -> float:
    psql = shutil.which("psql")
    if psql is None:
        raise RuntimeError("psql is not installed")
    command = f"\\copy {table} ({', '.join(COLUMNS)}) from '{rows_csv}' csv"
    t0 = time.perf_counter()
    subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", dsn, "-c", command],
                   check=True, capture_output=True, timeout=3600)
    return time.perf_counter() - t0


def _cli_ingest(url: str, jsonl: Path, lines: int) -> float:
    env = {**os.environ, "COSTSIGHT_DATABASE_URL": url}
    t0 = time.perf_counter()
    done = subprocess.run([_costsight(), "ingest", str(jsonl), "--json"], env=env,
                          capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"costsight ingest failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    if report.get("inserted") != lines:
        raise RuntimeError(f"costsight ingest stored {report.get('inserted')} of {lines}")
    return seconds


async def _truncate(dsn: str, *tables: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"TRUNCATE {', '.join(tables)}")
        await conn.execute("CHECKPOINT")  # each run starts without the last one's dirty pages
    finally:
        await conn.close()


async def cli_ingest_postgres(workload: Workload, lines: int, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="costsight-bench-cli-") as tmp:
        jsonl, rows_csv = Path(tmp) / "costs.jsonl", Path(tmp) / "costs.csv"
        _write_inputs(workload, lines, jsonl, rows_csv)
        size_mb = jsonl.stat().st_size / 2**20
        log(f"  wrote {lines:,} lines ({size_mb:.0f} MB JSON Lines) and the same rows as CSV")
        async with postgres_database("cli") as url:
            await register_tags(url, workload.feature_tags())
            dsn = asyncpg_dsn(url)
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute("CREATE TABLE copy_like (LIKE cost_records INCLUDING ALL)")
                await conn.execute(
                    "CREATE TABLE copy_heap (LIKE cost_records INCLUDING DEFAULTS)")
            finally:
                await conn.close()
            best = {"cli": float("inf"), "copy_like": float("inf"), "copy_heap": float("inf")}
            for round_ in range(repeats):
                # every round stores the same request ids again: empty their claims and the
                # rollups with the records
                await _truncate(dsn, "cost_records", *WITH_RECORDS, "copy_like", "copy_heap")
                for name in ("copy_like", "copy_heap"):
                    best[name] = min(best[name], _psql_copy(dsn, name, rows_csv))
                best["cli"] = min(best["cli"], _cli_ingest(url, jsonl, lines))
                log(f"  round {round_ + 1}: " + ", ".join(
                    f"{name} {lines / s:,.0f} lines/s" for name, s in best.items()))
    ratio = best["copy_like"] / best["cli"]
    return {
        "lines": lines, "file_mb": rnd(size_mb, 1), "repeats": repeats,
        "cli_seconds": rnd(best["cli"], 2), "cli_lines_per_s": round(lines / best["cli"]),
        "psql_copy_seconds": rnd(best["copy_like"], 2),
        "psql_copy_lines_per_s": round(lines / best["copy_like"]),
        "psql_copy_heap_seconds": rnd(best["copy_heap"], 2),
        "psql_copy_heap_lines_per_s": round(lines / best["copy_heap"]),
        "ratio_vs_psql_copy": rnd(ratio),
        "ratio_vs_psql_copy_heap": rnd(best["copy_heap"] / best["cli"]),
        "goals": {"ratio_vs_psql_copy": goal(ratio, ">=", GOAL)},
        "goal": f">= {GOAL}", "met": ratio >= GOAL,
    }
