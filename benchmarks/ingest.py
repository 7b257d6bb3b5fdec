"""Ingest throughput: costsight's batch path vs the physical limit on the same machine.

costsight: ``uow.costs.record_costs`` in batches of the ingest batch size, each committed
(Postgres: COPY into a staging table + one INSERT ... SELECT ... ON CONFLICT; SQLite: one
executemany INSERT). The limit: raw asyncpg ``copy_records_to_table`` / raw aiosqlite
``executemany`` of the same rows into an identical, freshly migrated ``cost_records`` (same
indexes, same unique key) - plus, on Postgres, COPY into a heap without any index, to show
what the indexes themselves cost.

Every contender gets the same generated rows, chunk by chunk and interleaved, so background
noise hits them alike; building the port's pydantic records is outside the timer (the raw
writers get ready-made tuples too). The rows are written in growing totals (the checkpoints),
so the growth of each cost with the table size comes from the same run.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import asyncpg

from benchmarks.databases import (
    SQLITE_INSERT,
    asyncpg_dsn,
    postgres_database,
    register_tags,
    sqlite_connect,
    sqlite_file,
    sqlite_params,
)
from benchmarks.measure import all_met, goal, log, rnd
from benchmarks.workload import COLUMNS, Row, RowSource, Workload, to_new_record
from costsight.adapters.sql.storage import SqlStorage

CHUNK = 500_000
Checkpoint = Callable[[str, int], Awaitable[None]]


class Writer(Protocol):
    name: str

    async def write(self, rows: list[Row]) -> float:
        """Write the rows; seconds spent writing."""
        ...

    async def aclose(self) -> None: ...


class CostsightWriter:
    """``record_costs`` in committed batches, through the real SQL storage."""

    name = "costsight"

    def __init__(self, storage: SqlStorage, batch_size: int) -> None:
        self.storage = storage
        self.batch_size = batch_size
        self.inserted = 0

    async def write(self, rows: list[Row]) -> float:
        spent = 0.0
        for start in range(0, len(rows), self.batch_size):
            batch = [to_new_record(r) for r in rows[start:start + self.batch_size]]
            t0 = time.perf_counter()
            async with self.storage.unit_of_work() as uow:
                result = await uow.costs.record_costs(batch)
                await uow.commit()
            spent += time.perf_counter() - t0
            self.inserted += result.inserted
        return spent

    async def aclose(self) -> None:
        await self.storage.aclose()


class PgCopyWriter:
    """Raw asyncpg COPY of the tuples in one transaction per chunk."""

    def __init__(self, name: str, conn: asyncpg.Connection, table: str) -> None:
        self.name, self.conn, self.table = name, conn, table

    async def write(self, rows: list[Row]) -> float:
        t0 = time.perf_counter()
        async with self.conn.transaction():
            await self.conn.copy_records_to_table(self.table, records=rows, columns=list(COLUMNS))
        return time.perf_counter() - t0

    async def aclose(self) -> None:
        await self.conn.close()


class SqliteExecutemanyWriter:
    """Raw aiosqlite executemany of the rows in one transaction per chunk."""

    name = "executemany"

    def __init__(self, db: Any) -> None:
        self.db = db

    async def write(self, rows: list[Row]) -> float:
        t0 = time.perf_counter()
        await self.db.execute("BEGIN IMMEDIATE")
        await self.db.executemany(SQLITE_INSERT, (sqlite_params(r) for r in rows))
        await self.db.execute("COMMIT")
        return time.perf_counter() - t0

    async def aclose(self) -> None:
        await self.db.close()


async def _race(workload: RowSource, writers: list[Writer], checkpoints: list[int],
                on_checkpoint: Callable[[int], Awaitable[None]] | None) -> dict[str, list[float]]:
    """Feed every writer the same chunks; cumulative seconds per writer at each checkpoint."""
    spent = {w.name: 0.0 for w in writers}
    at: dict[str, list[float]] = {w.name: [] for w in writers}
    done = 0
    for target in checkpoints:
        while done < target:
            size = min(CHUNK, target - done)
            rows = list(workload.rows(size, offset=done))
            for writer in writers:
                spent[writer.name] += await writer.write(rows)
            done += size
            log(f"  {done:>10,} rows: " + ", ".join(
                f"{name} {done / s:,.0f} rows/s" for name, s in spent.items()))
        for name in spent:
            at[name].append(spent[name])
        if on_checkpoint is not None:
            await on_checkpoint(done)
    return at


def _growth(checkpoints: list[int], at: dict[str, list[float]], ours: str,
            limit: str) -> list[dict[str, Any]]:
    """Throughput of each segment between checkpoints (the table already holds rows_from)."""
    out = []
    previous, prev_t = 0, {name: 0.0 for name in at}
    for k, rows in enumerate(checkpoints):
        seg = {name: (rows - previous) / (times[k] - prev_t[name]) for name, times in at.items()}
        out.append({"rows_from": previous, "rows_to": rows,
                    **{f"{name}_rows_per_s": round(v) for name, v in seg.items()},
                    "ratio": rnd(seg[ours] / seg[limit])})
        previous, prev_t = rows, {name: times[k] for name, times in at.items()}
    return out


def _summary(checkpoints: list[int], at: dict[str, list[float]], ratio_key: str,
             limit: str, headline: int) -> dict[str, Any]:
    """Totals and ratio at the ``headline`` checkpoint; every checkpoint in ``growth``."""
    k = checkpoints.index(headline)
    rates = {name: headline / times[k] for name, times in at.items()}
    out: dict[str, Any] = {"rows": headline, "max_rows": checkpoints[-1]}
    for name, times in at.items():
        out[f"{name}_s"] = rnd(times[k])
        out[f"{name}_rows_per_s"] = round(rates[name])
    out[ratio_key] = rnd(rates["costsight"] / rates[limit])
    out["growth"] = _growth(checkpoints, at, "costsight", limit)
    return out


async def ingest_postgres(workload: RowSource, checkpoints: list[int], batch_size: int,
                          on_checkpoint: Checkpoint | None = None,
                          headline: int | None = None) -> dict[str, Any]:
    """costsight vs raw COPY (indexed table, and a bare heap) on Postgres."""
    async with postgres_database("ingest_ours") as ours_url, \
            postgres_database("ingest_copy") as copy_url:
        await register_tags(ours_url, workload.feature_tags())
        raw = await asyncpg.connect(asyncpg_dsn(copy_url), server_settings={"timezone": "UTC"})
        bare = await asyncpg.connect(asyncpg_dsn(copy_url), server_settings={"timezone": "UTC"})
        await raw.execute("CREATE TABLE cost_records_bare (LIKE cost_records INCLUDING DEFAULTS)")
        ours = CostsightWriter(await SqlStorage.open(ours_url), batch_size)
        writers: list[Writer] = [PgCopyWriter("copy", raw, "cost_records"),
                                 PgCopyWriter("copy_bare", bare, "cost_records_bare"), ours]

        async def checkpoint(rows: int) -> None:
            if on_checkpoint is not None:
                await on_checkpoint(ours_url, rows)

        try:
            at = await _race(workload, writers, checkpoints, checkpoint)
        finally:
            for writer in writers:
                await writer.aclose()
    if ours.inserted != checkpoints[-1]:
        raise RuntimeError(f"costsight stored {ours.inserted} of {checkpoints[-1]} rows")
    out = _summary(checkpoints, at, "ratio_vs_copy", "copy", headline or checkpoints[-1])
    out["ratio_vs_copy_bare"] = rnd(out["costsight_rows_per_s"] / out["copy_bare_rows_per_s"])
    first, last = out["growth"][0], out["growth"][-1]
    # costsight's own throughput while the table is largest / while it is (almost) empty
    out["segment_ratio"] = rnd(last["costsight_rows_per_s"] / first["costsight_rows_per_s"])
    out["segment_ratio_segments"] = [[first["rows_from"], first["rows_to"]],
                                     [last["rows_from"], last["rows_to"]]]
    out["batch_size"] = batch_size
    exact = out["costsight_rows_per_s"] / out["copy_rows_per_s"]  # judged unrounded
    out["goals"] = {"ratio_vs_copy": goal(exact, ">=", 0.5),
                    "ratio_vs_copy_bare": goal(
                        out["costsight_rows_per_s"] / out["copy_bare_rows_per_s"], ">=", 0.2),
                    "segment_ratio": goal(last["costsight_rows_per_s"]
                                          / first["costsight_rows_per_s"], ">=", 0.8)}
    out["goal"] = ">= 0.5"
    out["met"] = all_met(out["goals"])
    return out


async def ingest_sqlite(workload: Workload, checkpoints: list[int],
                        batch_size: int) -> dict[str, Any]:
    """costsight vs raw aiosqlite executemany into an identical SQLite file."""
    async with sqlite_file("ours") as (ours_url, _), sqlite_file("raw") as (_, raw_path):
        await register_tags(ours_url, workload.feature_tags())
        ours = CostsightWriter(await SqlStorage.open(ours_url), batch_size)
        raw = SqliteExecutemanyWriter(await sqlite_connect(Path(raw_path)))
        writers: list[Writer] = [raw, ours]
        try:
            at = await _race(workload, writers, checkpoints, None)
        finally:
            for writer in writers:
                await writer.aclose()
    if ours.inserted != checkpoints[-1]:
        raise RuntimeError(f"costsight stored {ours.inserted} of {checkpoints[-1]} rows")
    out = _summary(checkpoints, at, "ratio_vs_executemany", "executemany", checkpoints[-1])
    out["batch_size"] = batch_size
    out["goals"] = {"ratio_vs_executemany": goal(
        out["costsight_rows_per_s"] / out["executemany_rows_per_s"], ">=", 0.5)}
    out["goal"] = ">= 0.5"
    out["met"] = all_met(out["goals"])
    return out
