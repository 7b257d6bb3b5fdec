"""Large cost-record batches: plain tuples into a TEMP staging table, then one INSERT ... SELECT.

Postgres stages with asyncpg's COPY into a table dropped at commit. SQLite
(``cost_staging_sqlite``) stages with a driver-level executemany (no SQLAlchemy bind
processing: the values are already in the form SQLite stores) into a TEMP table of the
connection, emptied before and after every batch, so no staged row outlives its batch nor
reaches another unit of work on a pooled connection.

The records to store are the same SELECT on both (``staged_source``): the first record of
each (tenant_id, request_id) wins by ``row_number()`` over the input order, a feature tag that
is not an active tag of the tenant becomes ``unclassified`` (LEFT JOIN feature_tags). A record
with a request id is stored only if this write claims (tenant_id, request_id) in
``cost_request_ids`` (a unique index on the partitioned cost_records would have to hold
created_at). Postgres: ONE statement of data-modifying CTEs, the claim
(``INSERT ... ON CONFLICT DO NOTHING RETURNING``), the INSERT of the records it claimed and of
those without a request id, whose RETURNING feeds the rollup upserts. SQLite (no
data-modifying CTE, one writer at a time): the records whose request id is not yet claimed
are kept in a second TEMP table, then inserted, claimed and added to the rollups from there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import CreateTable

from costsight.adapters.sql.dialects import SqlDialect, dialect_for
from costsight.adapters.sql.rollup_pending import PendingRollups, with_pending
from costsight.adapters.sql.rollup_writes import with_rollups
from costsight.adapters.sql.tables import cost_records, cost_request_ids, feature_tags
from costsight.core.domain.costs import UNCLASSIFIED, NewCostRecord
from costsight.core.pricing.costing import Costed

#: Columns of ``cost_records`` written per record, in the order of the staged tuples.
COLUMNS = ("id", "tenant_id", "user_id", "feature_tag", "request_id", "workflow_id", "skill_id",
           "worker_run_id", "model", "input_tokens", "output_tokens", "cost_micros", "is_retry",
           "created_at", "provider", "cache_read_tokens", "cache_write_tokens",
           "reasoning_tokens", "cost_source", "price_id")

_stage_meta = MetaData()
#: Per-connection staging table (Postgres: dropped at commit; SQLite: emptied every batch).
stage = Table(
    "cost_records_stage", _stage_meta,
    Column("ord", Integer, nullable=False),
    Column("id", String(64), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("user_id", String(64)),
    Column("feature_tag", String(128)),
    Column("request_id", String(64)),
    Column("workflow_id", String(64)),
    Column("skill_id", String(64)),
    Column("worker_run_id", String(64)),
    Column("model", String(64), nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("cost_micros", BigInteger, nullable=False),
    Column("is_retry", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("provider", String(64)),
    Column("cache_read_tokens", Integer, nullable=False),
    Column("cache_write_tokens", Integer, nullable=False),
    Column("reasoning_tokens", Integer, nullable=False),
    Column("cost_source", String(16), nullable=False),
    Column("price_id", String(128)),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def sqlite_timestamp(value: datetime) -> str:
    """``value`` as ``costsight.adapters.sql.types.UtcDateTime`` stores it on SQLite.

    Naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's SQLite DATETIME layout, always
    six fraction digits); a naive datetime is refused like ``UtcDateTime`` refuses it.
    """
    if value.tzinfo is not UTC:  # domain timestamps are already UTC: skip the conversion
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: "
                             "timestamps must carry a UTC offset")
        value = value.astimezone(UTC)
    # isoformat of an aware UTC value ends in '+00:00' after the 26 characters kept.
    return value.isoformat(" ", "microseconds")[:26]


def _as_is(value: datetime) -> datetime:
    return value


def stage_tuples(ids: Sequence[str], records: Sequence[NewCostRecord],
                 costs: Sequence[Costed],
                 timestamp: Callable[[datetime], Any] = _as_is) -> list[tuple[Any, ...]]:
    """One tuple per record in the column order of ``stage``: input ordinal, then COLUMNS."""
    return [
        (ordinal, record_id, r.tenant_id, r.user_id, r.feature_tag, r.request_id,
         r.workflow_id, r.skill_id, r.worker_run_id, r.model, r.input_tokens, r.output_tokens,
         c.micros, r.is_retry, timestamp(r.created_at), r.provider, r.cache_read_tokens,
         r.cache_write_tokens, r.reasoning_tokens, c.source.value, c.price_id)
        for ordinal, (record_id, r, c) in enumerate(zip(ids, records, costs, strict=True))
    ]


async def stage_and_insert(conn: AsyncConnection, dialect: SqlDialect, ids: Sequence[str],
                           records: Sequence[NewCostRecord],
                           costs: Sequence[Costed],
                           pending: PendingRollups | None = None) -> set[str]:
    """Stage the records and insert them into ``cost_records``; the ids actually inserted.
    ``pending`` (Postgres): the inserted rows' rollups wait in it for the commit."""
    sql = _statements(dialect.name)
    if dialect.bulk_copy:
        await conn.exec_driver_sql(sql.create)
        await conn.exec_driver_sql(sql.clear)  # a second batch in the same transaction
        driver = (await conn.get_raw_connection()).driver_connection
        if driver is None:  # only after the pool invalidated it; the caller's transaction is gone
            raise RuntimeError("the Postgres connection was invalidated mid-transaction")
        await driver.copy_records_to_table(
            stage.name, records=stage_tuples(ids, records, costs), columns=list(sql.stage_columns))
        # One statement: the INSERT's returned rows feed the rollup upserts (rollup_writes),
        # or wait in ``pending`` for the commit (rollup_pending).
        if pending is not None:
            await pending.prepare(conn)
        result = await conn.execute(sql.insert_with_rollups if pending is None
                                    else sql.insert_with_pending)
        return {row[0] for row in result}
    raise ValueError("the SQLite staged path is cost_staging_sqlite.stage_and_insert_sqlite")


class _Statements:
    """The staging statements of one dialect, compiled once."""

    def __init__(self, dialect: SqlDialect) -> None:
        compile_dialect = _sqlalchemy_dialect(dialect.name)
        self.create = str(CreateTable(stage, if_not_exists=True).compile(dialect=compile_dialect))
        self.clear = str(delete(stage).compile(dialect=compile_dialect))
        if dialect.name == "postgresql":
            # Not DELETE: the deleted rows of every earlier batch of the transaction stay in
            # the table (none can be pruned before it ends) and each later batch's scan reads
            # them again, so a file's ingest would grow quadratically with its batches.
            self.clear = f"TRUNCATE {stage.name}"
        self.stage_columns = tuple(c.name for c in stage.c)
        self.insert_with_rollups = with_rollups(dialect, staged_insert(dialect))
        self.insert_with_pending = with_pending(staged_insert(dialect))


def _sqlalchemy_dialect(name: str) -> Any:
    return {"postgresql": postgresql.dialect, "sqlite": sqlite.dialect}[name]()


@cache
def _statements(name: str) -> _Statements:
    return _Statements(dialect_for(name))


def staged_source(dialect: SqlDialect) -> Select[Any]:
    """The staged records to store, in COLUMNS order: the first of each (tenant_id,
    request_id) by input order, feature tags normalised."""
    ranked = select(
        stage,
        func.row_number().over(partition_by=(stage.c.tenant_id, stage.c.request_id),
                               order_by=stage.c.ord).label("rn"),
    ).subquery("ranked")
    ft = feature_tags.alias("ft")
    tag = ranked.c.feature_tag
    normalised = case(
        (tag.is_(None), None),
        (tag == UNCLASSIFIED, UNCLASSIFIED),
        (ft.c.id.is_not(None), tag),
        else_=UNCLASSIFIED,
    )
    return (
        select(*(normalised.label(c) if c == "feature_tag" else ranked.c[c] for c in COLUMNS))
        .select_from(ranked.outerjoin(ft, and_(
            ft.c.tenant_id == ranked.c.tenant_id, ft.c.tag == tag, ft.c.is_active)))
        .where(or_(ranked.c.request_id.is_(None), ranked.c.rn == 1))
    )


def staged_insert(dialect: SqlDialect) -> Any:
    """INSERT INTO cost_records ... SELECT from ``stage`` (no RETURNING yet) of the staged
    records whose request id this statement claimed in ``cost_request_ids`` (or that have
    none): the claim is an ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` in a
    data-modifying CTE, so a request id already stored, or stored by another writer of the
    tenant that committed first, is skipped (Postgres)."""
    src = staged_source(dialect).cte("src")
    claim = dialect.insert(cost_request_ids).from_select(
        ["tenant_id", "request_id"],
        select(src.c.tenant_id, src.c.request_id).where(src.c.request_id.is_not(None)))
    claimed = (claim.on_conflict_do_nothing()
               .returning(cost_request_ids.c.tenant_id, cost_request_ids.c.request_id)
               .cte("claimed"))
    won = (select(*(src.c[c] for c in COLUMNS))
           .select_from(src.outerjoin(claimed, and_(claimed.c.tenant_id == src.c.tenant_id,
                                                    claimed.c.request_id == src.c.request_id)))
           .where(or_(src.c.request_id.is_(None), claimed.c.request_id.is_not(None))))
    return insert(cost_records).from_select(list(COLUMNS), won)
