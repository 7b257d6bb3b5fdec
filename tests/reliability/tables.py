"""Row counts of every costsight table: "the database is unchanged" in one comparison."""

from __future__ import annotations

from sqlalchemy import func, select

from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.tables import ALL_TABLES, ROLLUP_TABLES, cost_request_ids

#: What storing a cost record also writes: its request id's claim and the rollups' sums.
WITH_RECORDS = frozenset({cost_request_ids.name, *(t.name for t in ROLLUP_TABLES)})


def besides_records(counts: dict[str, int]) -> dict[str, int]:
    """The row counts of every table that storing cost records does not write."""
    return {k: v for k, v in counts.items() if k != "cost_records" and k not in WITH_RECORDS}


async def row_counts(url: str) -> dict[str, int]:
    storage = await SqlStorage.open(url)
    try:
        async with storage.unit_of_work() as uow:
            return {table.name: int((await uow.connection.execute(
                select(func.count()).select_from(table))).scalar_one()) for table in ALL_TABLES}
    finally:
        await storage.aclose()
