"""Row counts of every costsight table: "the database is unchanged" in one comparison."""

from __future__ import annotations

from sqlalchemy import func, select

from costsight.adapters.sql.storage import SqlStorage
from costsight.adapters.sql.tables import ALL_TABLES


async def row_counts(url: str) -> dict[str, int]:
    storage = await SqlStorage.open(url)
    try:
        async with storage.unit_of_work() as uow:
            return {table.name: int((await uow.connection.execute(
                select(func.count()).select_from(table))).scalar_one()) for table in ALL_TABLES}
    finally:
        await storage.aclose()
