"""EXPLAIN ANALYZE of costsight's own statements, with and without index access paths.

For each captured statement the plan is shown as Postgres chooses it, then timed again with
index and bitmap scans disabled (a sequential scan), so each index's benefit is measured.
Index names are read off the plans; indexes of cost_records no plan used are listed too.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from benchmarks.databases import asyncpg_dsn

_NO_INDEX = ("SET LOCAL enable_indexscan = off", "SET LOCAL enable_bitmapscan = off",
             "SET LOCAL enable_indexonlyscan = off")
_INDEX_NAME = re.compile(r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? "
                         r"(?:using|on) (\w+)")
_EXEC_TIME = re.compile(r"Execution Time: ([\d.]+) ms")


async def _plan(conn: asyncpg.Connection, sql: str, params: tuple[Any, ...],
                disable_indexes: bool) -> list[str]:
    async with conn.transaction():
        if disable_indexes:
            for setting in _NO_INDEX:
                await conn.execute(setting)
        rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *params)
    return [r[0] for r in rows]


def _exec_ms(plan: list[str]) -> float | None:
    for line in plan:
        found = _EXEC_TIME.search(line)
        if found:
            return float(found.group(1))
    return None


async def explain_all(url: str, captured: list[tuple[str, str, tuple[Any, ...]]]
                      ) -> dict[str, Any]:
    """Plans and timings per statement, and which cost_records indexes the plans used."""
    conn = await asyncpg.connect(asyncpg_dsn(url), server_settings={"timezone": "UTC"})
    try:
        indexes = [r[0] for r in await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'cost_records' ORDER BY 1")]
        statements = []
        used: set[str] = set()
        for label, sql, params in captured:
            chosen = await _plan(conn, sql, params, disable_indexes=False)
            seq = await _plan(conn, sql, params, disable_indexes=True)
            names = sorted(set(_INDEX_NAME.findall("\n".join(chosen))))
            used.update(names)
            statements.append({"statement": label, "sql": " ".join(sql.split()),
                               "indexes_used": names, "ms": _exec_ms(chosen),
                               "ms_without_indexes": _exec_ms(seq), "plan": chosen})
    finally:
        await conn.close()
    return {"cost_records_indexes": indexes,
            "unused_by_these_statements": [i for i in indexes if i not in used],
            "statements": statements}
