"""Rollup maintenance: the sums of the rows a write inserted (or a reprice changed) are added to
(or subtracted from) every rollup grain, inside the writer's transaction.

Every statement aggregates a *source* shaped like ``cost_records`` (the rows a statement just
inserted, or the stored rows named by id) and upserts one row per key, adding to what is there.
Keys are upserted in ascending order; writers of one tenant are also serialised by the tenant's
advisory lock (``SqlDialect.lock_tenants``), so overlapping writers never deadlock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, case, delete, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlalchemy.sql.selectable import FromClause

from costsight.adapters.sql.bucket_width import Width
from costsight.adapters.sql.dialects import SqlDialect, dialect_for
from costsight.adapters.sql.rollup_tables import (
    SPLIT_SUMS,
    SUMS,
    cost_rollup_daily,
    cost_rollup_hourly,
    cost_rollup_run_daily,
    cost_rollup_skill_daily,
    cost_rollup_user_daily,
    cost_rollup_user_monthly,
    cost_rollup_workflow_daily,
)
from costsight.adapters.sql.tables import cost_records

cr = cost_records.c
#: The low 32 bits of a cost (the high ones are ``cost >> 32``; see rollup_tables).
LOW_BITS: ColumnClause[int] = literal_column("4294967295")


def high_half(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """``value >> 32``: the high half of a cost (rollups sum the halves apart)."""
    return value.op(">>")(literal_column("32"))


def low_half(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """``value & (2**32 - 1)``: the low half of a cost."""
    return value.op("&")(LOW_BITS)
#: A missing feature tag or user in a rollup key (rendered inline: GROUP BY must repeat it).
NONE_KEY: ColumnClause[str] = literal_column("''")
#: The cost_records columns a rollup source must offer.
SOURCE_COLUMNS = ("tenant_id", "created_at", "model", "feature_tag", "user_id", "workflow_id",
                  "skill_id", "worker_run_id", "is_retry", "cost_source", "cost_micros", "input_tokens",
                  "output_tokens")


@dataclass(frozen=True)
class Grain:
    """One rollup table: its bucket width, the record columns it keys by (after tenant and
    bucket) and the columns it sums. ``finer``: a grain with the same keys and sums in
    narrower buckets, from which this one can be summed up again (rebuild and verify do, so a
    coarse bucket whose oldest raw rows retention removed stays exact)."""

    table: Table
    width: Width
    dims: tuple[str, ...]
    sums: tuple[str, ...] = SUMS
    finer: Grain | None = None

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def key_columns(self) -> tuple[str, ...]:
        return ("tenant_id", "bucket", *self.dims)


_MODEL_KEY = ("model", "feature_tag", "is_retry", "cost_source")
HOURLY = Grain(cost_rollup_hourly, Width.HOUR, _MODEL_KEY)
DAILY = Grain(cost_rollup_daily, Width.DAY, _MODEL_KEY)
USER_DAILY = Grain(cost_rollup_user_daily, Width.DAY, ("user_id",), SUMS + SPLIT_SUMS)
USER_MONTHLY = Grain(cost_rollup_user_monthly, Width.MONTH, ("user_id",), SUMS + SPLIT_SUMS,
                     finer=USER_DAILY)
WORKFLOW_DAILY = Grain(cost_rollup_workflow_daily, Width.DAY, ("workflow_id",),
                       SUMS + SPLIT_SUMS)
SKILL_DAILY = Grain(cost_rollup_skill_daily, Width.DAY, ("skill_id",), SUMS + SPLIT_SUMS)
RUN_DAILY = Grain(cost_rollup_run_daily, Width.DAY, ("worker_run_id",), SUMS + SPLIT_SUMS)
#: Every grain, each after the grain it may be summed up from.
GRAINS = (HOURLY, DAILY, USER_DAILY, USER_MONTHLY, WORKFLOW_DAILY, SKILL_DAILY, RUN_DAILY)
#: Key columns that may be NULL on a record (stored as NONE_KEY in a rollup).
NULLABLE = frozenset({"feature_tag", "user_id", "workflow_id", "skill_id", "worker_run_id"})


def source_columns(table: FromClause) -> list[ColumnElement[Any]]:
    return [table.c[name] for name in SOURCE_COLUMNS]


_SUM_OF: dict[str, Callable[[Any], ColumnElement[Any]]] = {
    "calls": lambda c: func.count(),
    "cost_hi": lambda c: func.sum(high_half(c.cost_micros)),
    "cost_lo": lambda c: func.sum(low_half(c.cost_micros)),
    "input_tokens": lambda c: func.sum(c.input_tokens),
    "output_tokens": lambda c: func.sum(c.output_tokens),
    "retry_calls": lambda c: func.sum(case((c.is_retry, 1), else_=0)),
    "unpriced_calls": lambda c: func.sum(case((c.cost_source == "unpriced", 1), else_=0)),
    "unpriced_tokens": lambda c: func.sum(case((c.cost_source == "unpriced",
                                                c.input_tokens + c.output_tokens), else_=0)),
}


def sum_of(c: Any, name: str) -> ColumnElement[Any]:
    """The aggregate behind one summed column, over record-shaped rows ``c``."""
    return _SUM_OF[name](c)


def aggregate(dialect: SqlDialect, grain: Grain, src: FromClause, sign: int = 1) -> Select[Any]:
    """One row per key of ``grain`` over ``src``: the key columns, then the grain's sums
    (times ``sign``)."""
    c = src.c
    keys: list[ColumnElement[Any]] = [c.tenant_id, dialect.bucket(c.created_at, grain.width)]
    keys += [func.coalesce(c[d], NONE_KEY) if d in NULLABLE else c[d] for d in grain.dims]
    sums = [sum_of(c, name) for name in grain.sums]
    if sign < 0:
        sums = [-s for s in sums]
    labelled = [k.label(n) for k, n in zip(keys, grain.key_columns, strict=True)]
    return (select(*labelled, *(s.label(n) for s, n in zip(sums, grain.sums, strict=True)))
            .group_by(*keys).order_by(*keys))


def summed_up(dialect: SqlDialect, grain: Grain, tenant_id: str,
              start: datetime | None) -> Select[Any]:
    """The rows of ``grain`` summed from its ``finer`` grain's rows (bucket >= ``start``),
    shaped like ``aggregate``'s."""
    assert grain.finer is not None
    t = grain.finer.table.c
    keys: list[ColumnElement[Any]] = [t.tenant_id, dialect.bucket(t.bucket, grain.width),
                                      *(t[d] for d in grain.dims)]
    stmt = select(*(k.label(n) for k, n in zip(keys, grain.key_columns, strict=True)),
                  *(func.sum(t[s]).label(s) for s in grain.sums)).where(t.tenant_id == tenant_id)
    if start is not None:
        stmt = stmt.where(t.bucket >= start)
    return stmt.group_by(*keys).order_by(*keys)


def upsert(dialect: SqlDialect, grain: Grain, rows: Select[Any]) -> Any:
    """INSERT the aggregated ``rows`` into ``grain``, adding to the sums of existing keys."""
    table = grain.table
    stmt = dialect.insert(table).from_select([*grain.key_columns, *grain.sums], rows)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in grain.key_columns],
        set_={s: table.c[s] + stmt.excluded[s] for s in grain.sums})


#: The bound parameter naming the tenant in a rollup source (statements are built once).
TENANT = "rollup_tenant"


@dataclass(frozen=True)
class RollupUpserts:
    """One upsert per grain of the rows a source yields for the tenant bound to ``TENANT``:
    built once, executed per write (building them costs more than running them)."""

    statements: tuple[Any, ...]

    async def apply(self, conn: AsyncConnection, tenants: Iterable[str],
                    **params: Any) -> None:
        """Run every upsert for each tenant, one tenant at a time in ascending order."""
        for tenant in sorted(set(tenants)):
            for stmt in self.statements:
                await conn.execute(stmt, {TENANT: tenant, **params})


def upserts(dialect: SqlDialect, src: FromClause, sign: int = 1) -> RollupUpserts:
    """The upserts adding (``sign`` 1) or subtracting (-1) the rows of ``src`` to every grain
    (``apply`` binds ``TENANT`` for a source pinned to it; SQLite's staged path runs the
    statements once over every tenant of its batch, keys ascending, tenant first)."""
    return RollupUpserts(tuple(upsert(dialect, grain, aggregate(dialect, grain, src, sign))
                               for grain in GRAINS))


async def drop_empty_rollups(conn: AsyncConnection, tenant_id: str, first: datetime,
                             last: datetime) -> None:
    """Delete the tenant's rollup rows between the buckets of ``first`` and ``last`` left without
    calls (a reprice moved every call of a key to another cost_source): a raw scan has no such
    key, so neither may the rollups."""
    for grain in GRAINS:
        t = grain.table.c
        await conn.execute(delete(grain.table).where(
            t.tenant_id == tenant_id, t.bucket >= grain.width.floor(first), t.bucket <= last,
            t.calls == 0))


#: Ids per statement when the rows are named by id (bound as one parameter).
ID_CHUNK = 500


@cache
def _stored_upserts(dialect_name: str, sign: int) -> RollupUpserts:
    """The upserts of stored records named by id (``rollup_ids``) within the span of their
    created_at (``rollup_first`` .. ``rollup_last``)."""
    dialect = dialect_for(dialect_name)
    src = (select(*source_columns(cost_records))
           .where(dialect.unindexed(cr.tenant_id) == bindparam(TENANT),
                  dialect.in_values(cr.id, "rollup_ids"),
                  cr.created_at >= bindparam("rollup_first", type_=cr.created_at.type),
                  cr.created_at <= bindparam("rollup_last", type_=cr.created_at.type))
           .subquery("src"))
    return upserts(dialect, src, sign)


async def apply_stored(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                       keys: Sequence[tuple[str, datetime]], sign: int = 1) -> None:
    """Add (or subtract) the stored records of ``tenant_id`` named by ``keys`` (their primary
    key: id, created_at) to every grain. The rows are found by id in the primary key, within
    the span of their created_at (so Postgres searches their months' partitions only)."""
    statements = _stored_upserts(dialect.name, sign)
    for k in range(0, len(keys), ID_CHUNK):
        chunk = list(keys[k:k + ID_CHUNK])
        await statements.apply(conn, [tenant_id],
                               rollup_ids=dialect.values_param([i for i, _ in chunk]),
                               rollup_first=min(at for _, at in chunk),
                               rollup_last=max(at for _, at in chunk))


def with_rollups(dialect: SqlDialect, inserting: Any) -> Any:
    """``inserting`` (an INSERT INTO cost_records without RETURNING) as ONE statement that also
    maintains every grain: a data-modifying CTE whose returned rows feed the upserts (Postgres)."""
    inserted = inserting.returning(cr.id, *source_columns(cost_records)).cte("inserted")
    upserts = [upsert(dialect, grain, aggregate(dialect, grain, inserted)).cte(f"r_{grain.name}")
               for grain in GRAINS]
    return select(inserted.c.id).add_cte(*upserts)
