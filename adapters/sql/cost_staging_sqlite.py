"""Large cost-record batches on SQLite: the staged rows to store are materialised once.

SQLite has no data-modifying CTE but one writer at a time (``BEGIN IMMEDIATE``, taken by
``SqlDialect.lock_tenants`` before anything else). A batch is:

1. a driver-level executemany of plain tuples (``stage_tuples``: no SQLAlchemy bind
   processing, the values are already in the form SQLite stores) into the TEMP ``stage``;
2. ``INSERT INTO`` the TEMP ``winners`` of ``staged_source`` (the same SELECT as Postgres: the
   first record of each (tenant_id, request_id) by input order, feature tags normalised) whose
   request id is not yet claimed in ``cost_request_ids`` (or that have none): exactly the
   records this batch stores, in the form stored;
3. ``INSERT INTO cost_records`` of every winner, in (tenant_id, created_at) order (the
   leading columns of most of its indexes); the ids stored are the winners' (the whole batch
   when as many rows won as were staged);
4. the claims of their request ids (none can conflict: a winner's request id is unclaimed and
   first of its batch; a conflict would be a bug, and fails the unit instead of being skipped);
5. one upsert per rollup grain over the winners, every tenant in one statement, keys ascending.

Both TEMP tables belong to the connection and are emptied before and after every batch, so no
staged row outlives its batch nor reaches another unit of work on a pooled connection. Every
statement is compiled once per process.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Column, Table, delete, exists, insert, or_, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import CreateTable

from costsight.adapters.sql.cost_staging import (
    COLUMNS,
    sqlite_timestamp,
    stage,
    stage_tuples,
    staged_source,
)
from costsight.adapters.sql.dialects import dialect_for
from costsight.adapters.sql.rollup_writes import upserts
from costsight.adapters.sql.tables import cost_records, cost_request_ids
from costsight.core.domain.costs import NewCostRecord
from costsight.core.pricing.costing import Costed

#: Per-connection TEMP table of the records a batch stores, shaped like ``cost_records``.
winners = Table(
    "cost_records_winners", stage.metadata,
    *(Column(name, cost_records.c[name].type, nullable=cost_records.c[name].nullable)
      for name in COLUMNS),
    prefixes=["TEMPORARY"],
)


class _Statements:
    """The SQLite staging statements, compiled once (the SQL text is all that is run)."""

    def __init__(self) -> None:
        dialect = dialect_for("sqlite")
        compiler = sqlite.dialect()

        def sql(statement: Any) -> str:
            # The few literals (the constant 'unclassified', 'unpriced', 0 and 1) inline, so the
            # text runs without parameters; no value of a record is ever rendered here.
            return str(statement.compile(dialect=compiler,
                                         compile_kwargs={"literal_binds": True}))

        self.create = [sql(CreateTable(t, if_not_exists=True)) for t in (stage, winners)]
        self.clear = [sql(delete(t)) for t in (stage, winners)]
        stage_insert = insert(stage).compile(dialect=compiler)  # qmark parameters
        # Positional (qmark) parameters must follow the tuple order of stage_tuples.
        if tuple(stage_insert.positiontup or ()) != tuple(c.name for c in stage.c):
            raise RuntimeError("staging INSERT parameters are not in column order")
        self.stage_insert = str(stage_insert)
        src = staged_source(dialect).subquery("src")
        claims = cost_request_ids.alias("d")
        known = exists().where(claims.c.tenant_id == src.c.tenant_id,
                               claims.c.request_id == src.c.request_id)
        self.select_winners = sql(insert(winners).from_select(
            list(COLUMNS),
            select(*(src.c[c] for c in COLUMNS)).where(or_(src.c.request_id.is_(None), ~known))))
        w = winners.c
        self.winner_ids = sql(select(w.id))
        self.insert = sql(insert(cost_records).from_select(
            list(COLUMNS), select(*(w[c] for c in COLUMNS)).order_by(w.tenant_id, w.created_at)))
        self.claim = sql(insert(cost_request_ids).from_select(
            ["tenant_id", "request_id"],
            select(w.tenant_id, w.request_id).where(w.request_id.is_not(None))
            .order_by(w.tenant_id, w.request_id)))
        self.rollups = [sql(stmt) for stmt in upserts(dialect, winners).statements]


@cache
def _statements() -> _Statements:
    return _Statements()


async def stage_and_insert_sqlite(conn: AsyncConnection, ids: Sequence[str],
                                  records: Sequence[NewCostRecord],
                                  costs: Sequence[Costed]) -> set[str]:
    """Stage the records, insert those this batch stores into ``cost_records``, claim their
    request ids and add them to the rollups; the ids actually inserted."""
    sql = _statements()
    for statement in (*sql.create, *sql.clear):  # rows of a batch that failed half-way
        await conn.exec_driver_sql(statement)
    await conn.exec_driver_sql(sql.stage_insert,
                               stage_tuples(ids, records, costs, sqlite_timestamp))
    winning = (await conn.exec_driver_sql(sql.select_winners)).rowcount
    # Every winner is inserted (or the statement fails): usually the whole batch.
    inserted = (set(ids) if winning == len(ids)
                else {row[0] for row in await conn.exec_driver_sql(sql.winner_ids)})
    if inserted:
        await conn.exec_driver_sql(sql.insert)
        await conn.exec_driver_sql(sql.claim)
        for statement in sql.rollups:
            await conn.exec_driver_sql(statement)
    for statement in sql.clear:
        await conn.exec_driver_sql(statement)
    return inserted
