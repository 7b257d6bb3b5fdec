"""Throw-away databases for one benchmark run: uniquely named Postgres databases and temp
SQLite files, migrated with ``costsight.adapters.sql.migrate.upgrade`` and removed afterwards."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from benchmarks.workload import COLUMNS, DAYS, END, Row
from costsight.adapters.sql.migrate import upgrade
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.costs import NewFeatureTag
from costsight.core.services.rollups import RollupService

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PG_URL = os.environ.get("COSTSIGHT_BENCH_POSTGRES_URL", DEFAULT_PG_URL)


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


async def _admin(sql: str, admin_url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def postgres_database(label: str, admin_url: str = PG_URL,
                            migrate: bool = True) -> AsyncIterator[str]:
    """A new database ``costsight_bench_<label>_<random>`` (migrated), dropped on exit."""
    name = f"costsight_bench_{label}_{uuid.uuid4().hex[:8]}"
    # The name is built from a fixed label and hex only, so quoting it is safe.
    await _admin(f'CREATE DATABASE "{name}"', admin_url)
    url = _with_database(admin_url, name)
    try:
        if migrate:
            await upgrade(url)
            await _workload_partitions(url)
        yield url
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_url)


async def _workload_partitions(url: str) -> None:
    """The monthly partitions of cost_records for the workload's months (migrate creates the
    months from now on; without these the workload's rows would all land in DEFAULT)."""
    storage = await SqlStorage.open(url)
    try:
        start = END - timedelta(days=DAYS)
        months = (END.year * 12 + END.month) - (start.year * 12 + start.month)
        await storage.ensure_partitions(months, now=start)
    finally:
        await storage.aclose()


@asynccontextmanager
async def sqlite_file(label: str) -> AsyncIterator[tuple[str, Path]]:
    """A migrated SQLite file in a temp directory: (URL, path)."""
    with tempfile.TemporaryDirectory(prefix=f"costsight-bench-{label}-") as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(url)
        yield url, path


async def register_tags(url: str, tags: Iterable[tuple[str, str]]) -> None:
    """Create the feature tags through the port (so costsight keeps those tags)."""
    storage = await SqlStorage.open(url)
    try:
        async with storage.unit_of_work() as uow:
            for tenant_id, tag in tags:
                await uow.costs.create_feature_tag(NewFeatureTag(
                    tenant_id=tenant_id, tag=tag, display_name=tag.replace(".", " ")))
            await uow.commit()
    finally:
        await storage.aclose()


async def rebuild_rollups(url: str) -> None:
    """``costsight rollups rebuild`` of every tenant: after rows were COPYed around the port."""
    storage = await SqlStorage.open(url, create_schema=False)
    try:
        await RollupService(storage).rebuild()
    finally:
        await storage.aclose()


async def pg_copy_rows(url: str, rows: Iterable[Row], table: str = "cost_records") -> None:
    """Raw asyncpg COPY of storage tuples into ``table`` (one transaction)."""
    conn = await asyncpg.connect(asyncpg_dsn(url), server_settings={"timezone": "UTC"})
    try:
        async with conn.transaction():
            await conn.copy_records_to_table(table, records=rows, columns=list(COLUMNS))
    finally:
        await conn.close()


SQLITE_INSERT = (f"INSERT INTO cost_records ({', '.join(COLUMNS)}) "
                 f"VALUES ({', '.join('?' for _ in COLUMNS)})")


def sqlite_params(row: Row) -> tuple[Any, ...]:
    """A row as SQLite stores it (UtcDateTime: naive UTC text with microseconds)."""
    # Generated timestamps are already UTC; SQLAlchemy's SQLite DATETIME layout is this one.
    return (*row[:12], int(row[12]), row[13].strftime("%Y-%m-%d %H:%M:%S.%f"))


async def sqlite_connect(path: Path) -> aiosqlite.Connection:
    """A raw aiosqlite connection with costsight's pragmas (WAL, synchronous=NORMAL)."""
    db = await aiosqlite.connect(path, isolation_level=None)
    for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                   "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=30000"):
        await db.execute(pragma)
    return db
