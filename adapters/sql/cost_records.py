"""Idempotent, set-based writes of cost records: COPY on Postgres, executemany elsewhere.

Both paths store identical rows: the first record of each (tenant_id, request_id) wins, records
already stored are skipped by ``ON CONFLICT DO NOTHING`` on the partial unique index, and a
feature tag that is not an active tag of the tenant becomes ``unclassified``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import CreateTable

from adapters.sql.dialects import SqlDialect
from adapters.sql.tables import cost_records, feature_tags
from core.domain.costs import UNCLASSIFIED, NewCostRecord, RecordResult
from core.ids import COST_RECORD, new_id
from core.money import cents_to_micros

#: Batches at least this large go through COPY on Postgres.
COPY_THRESHOLD = 500

COLUMNS = ("id", "tenant_id", "user_id", "feature_tag", "request_id", "workflow_id", "skill_id",
           "worker_run_id", "model", "input_tokens", "output_tokens", "cost_micros", "is_retry",
           "created_at")

_stage_meta = MetaData()
#: Per-transaction staging table for COPY (dropped at commit).
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
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def _values(record_id: str, r: NewCostRecord) -> dict[str, Any]:
    return {
        "id": record_id, "tenant_id": r.tenant_id, "user_id": r.user_id,
        "feature_tag": r.feature_tag, "request_id": r.request_id, "workflow_id": r.workflow_id,
        "skill_id": r.skill_id, "worker_run_id": r.worker_run_id, "model": r.model,
        "input_tokens": r.input_tokens, "output_tokens": r.output_tokens,
        "cost_micros": cents_to_micros(r.cost_cents), "is_retry": r.is_retry,
        "created_at": r.created_at,
    }


class CostRecordWriter:
    """``record_costs`` of the cost write port."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect, *,
                 copy_threshold: int = COPY_THRESHOLD) -> None:
        self._conn = conn
        self._dialect = dialect
        self.copy_threshold = copy_threshold

    async def record_costs(self, records: Sequence[NewCostRecord]) -> RecordResult:
        if not records:
            return RecordResult()
        ids = [new_id(COST_RECORD) for _ in records]
        if any(r.request_id is not None for r in records):
            await self._dialect.serialize_idempotent_writes(self._conn)
        if self._dialect.bulk_copy and len(records) >= self.copy_threshold:
            inserted = await self._copy(ids, records)
        else:
            inserted = await self._executemany(ids, records)
        return RecordResult(
            inserted_ids=[i for i in ids if i in inserted],
            duplicate_request_ids=[r.request_id for i, r in zip(ids, records, strict=True)
                                   if i not in inserted and r.request_id is not None],
        )

    async def _executemany(self, ids: list[str], records: Sequence[NewCostRecord]) -> set[str]:
        # One INSERT (executemany) whose VALUES normalise the tag with EXISTS: the first
        # statement of the unit is a write, so concurrent SQLite writers queue on the lock.
        seen: set[tuple[str, str]] = set()
        rows = []
        for record_id, r in zip(ids, records, strict=True):
            if r.request_id is not None:
                key = (r.tenant_id, r.request_id)
                if key in seen:
                    continue
                seen.add(key)
            params = {f"p_{c}": v for c, v in _values(record_id, r).items()}
            # Each bound name appears once in the statement: asyncpg's numbered parameters
            # and insertmanyvalues batching do not mix with a name used twice.
            params.update(tag_null=r.feature_tag, tag_eq=r.feature_tag,
                          tag_exists=r.feature_tag, tag_tenant=r.tenant_id)
            rows.append(params)
        result = await self._conn.execute(self._values_insert(), rows)
        return {row[0] for row in result}

    def _values_insert(self) -> Any:
        params = {c: bindparam(f"p_{c}", type_=cost_records.c[c].type) for c in COLUMNS}
        tag = params["feature_tag"]
        text_type = feature_tags.c.tag.type
        active = exists().where(
            feature_tags.c.tenant_id == bindparam("tag_tenant", type_=text_type),
            feature_tags.c.tag == bindparam("tag_exists", type_=text_type),
            feature_tags.c.is_active)
        params["feature_tag"] = case(
            (bindparam("tag_null", type_=text_type).is_(None), null()),
            (or_(bindparam("tag_eq", type_=text_type) == UNCLASSIFIED, active), tag),
            else_=UNCLASSIFIED,
        )
        stmt = self._dialect.insert(cost_records).values(params)
        return stmt.on_conflict_do_nothing(
            index_elements=[cost_records.c.tenant_id, cost_records.c.request_id],
            index_where=cost_records.c.request_id.is_not(None),
        ).returning(cost_records.c.id)

    async def _copy(self, ids: list[str], records: Sequence[NewCostRecord]) -> set[str]:
        conn = self._conn
        await conn.execute(CreateTable(stage, if_not_exists=True))
        await conn.execute(delete(stage))  # a second batch in the same transaction
        tuples = []
        for ordinal, (record_id, r) in enumerate(zip(ids, records, strict=True)):
            v = _values(record_id, r)
            tuples.append((ordinal, *(v[c] for c in COLUMNS)))
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(
            stage.name, records=tuples, columns=["ord", *COLUMNS])
        result = await conn.execute(self._copy_insert())
        return {row[0] for row in result}

    def _copy_insert(self) -> Any:
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
        source = (
            select(*(normalised if c == "feature_tag" else ranked.c[c] for c in COLUMNS))
            .select_from(ranked.outerjoin(ft, and_(
                ft.c.tenant_id == ranked.c.tenant_id, ft.c.tag == tag, ft.c.is_active)))
            .where(or_(ranked.c.request_id.is_(None), ranked.c.rn == 1))
        )
        return (self._upsert_from(source)).returning(cost_records.c.id)

    def _upsert_from(self, source: Any) -> Any:
        stmt = self._dialect.insert(cost_records).from_select(list(COLUMNS), source)
        return stmt.on_conflict_do_nothing(
            index_elements=[cost_records.c.tenant_id, cost_records.c.request_id],
            index_where=cost_records.c.request_id.is_not(None),
        )
