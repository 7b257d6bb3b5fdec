"""One writer process of the concurrent-ingest test: ``python -m tests.reliability.ingest_worker
URL WRITER[,WRITER...]`` runs those writers concurrently (each its own storage and engine,
each replaying its slice through the ingest service) and prints one JSON line per writer."""

from __future__ import annotations

import json
import sys

import anyio

from costsight.core.ingest.lines import BytesSource
from tests.reliability.workload import jsonl, writer_slice

#: Batch sizes cycle per writer: several batches per unit of work, COPY-sized and small ones.
BATCH_SIZES = (600, 250, 5_000, 1_000)


async def replay(url: str, writer: int) -> dict[str, int]:
    """Ingest writer ``writer``'s slice into ``url`` (all-or-nothing: one unit of work)."""
    from costsight.bootstrap import bootstrap
    from costsight.settings import Settings

    app = await bootstrap(Settings(database_url=url), load_entrypoints=False)
    try:
        indices = writer_slice(writer)
        source = BytesSource(f"writer-{writer}.jsonl", jsonl(indices))
        report = await app.ingest.ingest([source], batch_size=BATCH_SIZES[writer % 4])
    finally:
        await app.aclose()
    return {"writer": writer, "lines": len(indices), "written": int(report.written),
            "rejected": report.rejected, "inserted": report.inserted,
            "duplicates": report.duplicates}


async def main(url: str, writers: list[int]) -> None:
    results: list[dict[str, int]] = []

    async def run(writer: int) -> None:
        results.append(await replay(url, writer))

    with anyio.fail_after(90):
        async with anyio.create_task_group() as tg:
            for writer in writers:
                tg.start_soon(run, writer)
    for result in results:
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], [int(w) for w in sys.argv[2].split(",")])
