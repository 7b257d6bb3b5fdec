"""The machine and software a run measured on (recorded next to every result)."""

from __future__ import annotations

import os
import platform
import sqlite3
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.databases import asyncpg_dsn


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


async def describe_machine(pg_url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:
        pg_version = await conn.fetchval("SHOW server_version")
        settings = {name: await conn.fetchval(f"SHOW {name}") for name in
                    ("shared_buffers", "max_wal_size", "synchronous_commit", "work_mem",
                     "max_parallel_workers_per_gather")}
    finally:
        await conn.close()
    return {
        "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(), "cores": os.cpu_count(), "ram_gb": _ram_gb(),
        "os": platform.platform(), "python": platform.python_version(),
        "postgresql": pg_version, "postgresql_settings": settings,
        "sqlite": sqlite3.sqlite_version,
        "packages": {name: version(name) for name in
                     ("sqlalchemy", "asyncpg", "aiosqlite", "pydantic", "mcp", "uvicorn")},
        "load_average_at_start": load_average(),
    }
