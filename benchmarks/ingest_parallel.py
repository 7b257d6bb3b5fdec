"""Parallel ingest: two tenants' ingests started together vs the same two one after the other.

Each tenant streams ``rows`` of the workload's calls (its own tenant id, every workload feature
tag registered for both) through ``uow.costs.record_costs`` in batches of the ingest batch size,
each batch its own committed unit of work, through one ``SqlStorage`` (one engine and pool,
like a server or receiver serving many tenants). Sequential: tenant A's stream, then B's.
Concurrent: both streams as two tasks of one anyio task group. Each mode writes into its own
fresh database, every round (the order of the two modes alternates between rounds).
The port's records are built before the clock starts.

``ratio`` = median concurrent wall time / median sequential wall time: 1.0 means the two
writers were fully serialised (for instance on a lock), 0.5 fully parallel (which needs two
free cores; the Python side of both streams shares one process and one core).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import anyio

from benchmarks.databases import postgres_database, register_tags
from benchmarks.measure import goal, log, rnd
from benchmarks.workload import Workload, to_new_record
from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.costs import NewCostRecord

TENANTS = ("parallel-a", "parallel-b")


def _records(workload: Workload, tenant: str, rows: int, offset: int) -> list[NewCostRecord]:
    return [to_new_record((r[0], tenant, *r[2:])) for r in workload.rows(rows, offset=offset)]


async def _stream(storage: SqlStorage, records: list[NewCostRecord], batch_size: int) -> int:
    inserted = 0
    for start in range(0, len(records), batch_size):
        async with storage.unit_of_work() as uow:
            result = await uow.costs.record_costs(records[start:start + batch_size])
            await uow.commit()
        inserted += result.inserted
    return inserted


async def _round(workload: Workload, streams: dict[str, list[NewCostRecord]],
                 batch_size: int, concurrent: bool) -> dict[str, Any]:
    """One mode on a fresh database: wall seconds, and when each tenant's stream finished."""
    tags = sorted({tag for _, tag in workload.feature_tags()})
    async with postgres_database("parallel") as url:
        await register_tags(url, [(t, tag) for t in TENANTS for tag in tags])
        storage = await SqlStorage.open(url)
        inserted: dict[str, int] = {}
        finished: dict[str, float] = {}
        try:
            t0 = time.perf_counter()

            async def one(tenant: str) -> None:
                inserted[tenant] = await _stream(storage, streams[tenant], batch_size)
                finished[tenant] = rnd(time.perf_counter() - t0)

            if concurrent:
                async with anyio.create_task_group() as tg:
                    for tenant in TENANTS:
                        tg.start_soon(one, tenant)
            else:
                for tenant in TENANTS:
                    await one(tenant)
            wall = time.perf_counter() - t0
        finally:
            await storage.aclose()
    expected = {t: len(streams[t]) for t in TENANTS}
    if inserted != expected:
        raise RuntimeError(f"stored {inserted}, expected {expected}")
    return {"seconds": rnd(wall), "finished_s": finished, "stored": inserted}


async def ingest_parallel(workload: Workload, rows: int, batch_size: int,
                          repeats: int) -> dict[str, Any]:
    streams = {tenant: _records(workload, tenant, rows, k * rows)
               for k, tenant in enumerate(TENANTS)}
    samples: dict[str, list[dict[str, Any]]] = {"sequential": [], "concurrent": []}
    for round_ in range(repeats):
        order = ("sequential", "concurrent") if round_ % 2 == 0 else ("concurrent", "sequential")
        for mode in order:
            samples[mode].append(await _round(workload, streams, batch_size,
                                              mode == "concurrent"))
        log(f"  parallel round {round_ + 1}: sequential {samples['sequential'][-1]['seconds']} s, "
            f"concurrent {samples['concurrent'][-1]['seconds']} s")
    seq = statistics.median(s["seconds"] for s in samples["sequential"])
    conc = statistics.median(s["seconds"] for s in samples["concurrent"])
    ratio = rnd(conc / seq)
    return {"tenants": len(TENANTS), "rows_per_tenant": rows, "batch_size": batch_size,
            "repeats": repeats, "sequential_s": rnd(seq), "concurrent_s": rnd(conc),
            "sequential_rows_per_s": round(len(TENANTS) * rows / seq),
            "concurrent_rows_per_s": round(len(TENANTS) * rows / conc),
            "ratio": ratio,
            "ratio_means": "median wall time of two tenants' ingests started together (two "
                           "tasks, one storage) / median wall time of the same two run one "
                           "after the other, each mode on a fresh database: 1.0 = fully "
                           "serialised, 0.5 = fully parallel on 2 cores",
            "rounds": samples, "goals": {"ratio": goal(ratio, "report")}}
