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
    case,
    delete,
    func,
    or_,
    select,
    tuple_,
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
#: Bound parameters per tag-lookup statement (SQLite allows 32766 per statement).
_TAG_CHUNK = 400

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
        if self._dialect.name == "postgresql" and len(records) >= self.copy_threshold:
            inserted = await self._copy(ids, records)
        else:
            inserted = await self._executemany(ids, records)
        return RecordResult(
            inserted_ids=[i for i in ids if i in inserted],
            duplicate_request_ids=[r.request_id for i, r in zip(ids, records, strict=True)
                                   if i not in inserted and r.request_id is not None],
        )

    def _upsert(self) -> Any:
        stmt = self._dialect.insert(cost_records)
        return stmt.on_conflict_do_nothing(
            index_elements=[cost_records.c.tenant_id, cost_records.c.request_id],
            index_where=cost_records.c.request_id.is_not(None),
        )

    async def _executemany(self, ids: list[str], records: Sequence[NewCostRecord]) -> set[str]:
        active = await self._active_tags(records)
        seen: set[tuple[str, str]] = set()
        rows = []
        for record_id, r in zip(ids, records, strict=True):
            if r.request_id is not None:
                key = (r.tenant_id, r.request_id)
                if key in seen:
                    continue
                seen.add(key)
            values = _values(record_id, r)
            tag = r.feature_tag
            if tag is not None and tag != UNCLASSIFIED and (r.tenant_id, tag) not in active:
                values["feature_tag"] = UNCLASSIFIED
            rows.append(values)
        result = await self._conn.execute(self._upsert().returning(cost_records.c.id), rows)
        return {row[0] for row in result}

    async def _active_tags(self, records: Sequence[NewCostRecord]) -> set[tuple[str, str]]:
        wanted = sorted({(r.tenant_id, r.feature_tag) for r in records
                         if r.feature_tag is not None and r.feature_tag != UNCLASSIFIED})
        found: set[tuple[str, str]] = set()
        for start in range(0, len(wanted), _TAG_CHUNK):
            chunk = wanted[start:start + _TAG_CHUNK]
            result = await self._conn.execute(
                select(feature_tags.c.tenant_id, feature_tags.c.tag).where(
                    feature_tags.c.is_active,
                    tuple_(feature_tags.c.tenant_id, feature_tags.c.tag).in_(chunk)))
            found.update((t, g) for t, g in result)
        return found

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
            .order_by(ranked.c.ord)
        )
        return (self._upsert_from(source)).returning(cost_records.c.id)

    def _upsert_from(self, source: Any) -> Any:
        stmt = self._dialect.insert(cost_records).from_select(list(COLUMNS), source)
        return stmt.on_conflict_do_nothing(
            index_elements=[cost_records.c.tenant_id, cost_records.c.request_id],
            index_where=cost_records.c.request_id.is_not(None),
        )
