"""Provenance port: real ids from INSERT ... RETURNING, keyset queries, exact drift stats."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import check_limit, newest_first, page_of
from costsight.adapters.sql.provenance_drift import drift_stats
from costsight.adapters.sql.rows import cents, micros
from costsight.adapters.sql.tables import costsim_provenance
from costsight.adapters.sql.types import UtcDateTime, utc_now
from costsight.core.domain.provenance import DriftStats, NewProvenance, Provenance, ProvenanceFilter
from costsight.core.errors import Conflict
from costsight.core.pagination import Page
from costsight.core.timeutil import UtcDateTime as DomainUtc

p = costsim_provenance.c

_FIELDS = ("tenant_id", "variant_slug", "source", "run_id", "model_version", "adapter_version",
           "commit_sha", "input_hash", "output_hash", "v1_cost_micros", "v2_cost_micros",
           "cost_delta_micros", "payload", "runtime_ms")


def _params(r: NewProvenance) -> dict[str, Any]:
    return {
        "tenant_id": r.tenant_id, "variant_slug": r.variant_slug, "source": r.source,
        "run_id": r.run_id, "model_version": r.model_version,
        "adapter_version": r.adapter_version, "commit_sha": r.commit_sha,
        "input_hash": r.input_hash, "output_hash": r.output_hash,
        "v1_cost_micros": micros(r.v1_cost), "v2_cost_micros": micros(r.v2_cost),
        "cost_delta_micros": micros(r.cost_delta), "payload": r.payload,
        "runtime_ms": r.runtime_ms, "p_created_at": r.created_at,
    }


def _key(r: NewProvenance) -> tuple[str, str, str] | None:
    return None if r.input_hash is None else (r.tenant_id, r.variant_slug, r.input_hash)


def provenance_from_row(row: Row[Any]) -> Provenance:
    m = row._mapping
    return Provenance(
        id=m["id"], tenant_id=m["tenant_id"], variant_slug=m["variant_slug"],
        source=m["source"], run_id=m["run_id"], model_version=m["model_version"],
        adapter_version=m["adapter_version"], commit_sha=m["commit_sha"],
        input_hash=m["input_hash"], output_hash=m["output_hash"],
        v1_cost=cents(m["v1_cost_micros"]), v2_cost=cents(m["v2_cost_micros"]),
        cost_delta=cents(m["cost_delta_micros"]), payload=m["payload"],
        runtime_ms=m["runtime_ms"], created_at=m["created_at"],
    )


def _insert() -> Any:
    """INSERT of one row per parameter set; created_at falls back to the database clock."""
    created = func.coalesce(bindparam("p_created_at", type_=UtcDateTime()), utc_now())
    return insert(costsim_provenance).values(
        {**{f: bindparam(f) for f in _FIELDS}, "created_at": created})


class SqlProvenance:
    """Provenance rows deduplicated by (tenant_id, variant_slug, input_hash)."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def write(self, record: NewProvenance) -> int:
        return (await self.write_batch([record]))[0]

    async def write_batch(self, records: Sequence[NewProvenance]) -> list[int]:
        if not records:
            return []
        seen: set[tuple[str, str, str]] = set()
        for r in records:
            key = _key(r)
            if key in seen:
                raise Conflict(f"provenance batch repeats input_hash {r.input_hash!r} for "
                               f"tenant {r.tenant_id!r}, variant {r.variant_slug!r}; nothing "
                               f"was written")
            if key is not None:
                seen.add(key)
        stmt = _insert().returning(p.id, sort_by_parameter_order=True)
        try:
            async with self._conn.begin_nested():
                result = await self._conn.execute(stmt, [_params(r) for r in records])
                ids = [row[0] for row in result]
        except IntegrityError:
            raise Conflict("a provenance row with the same (tenant_id, variant_slug, input_hash) "
                           "is already stored; nothing of the batch was written (use "
                           "write_missing to skip stored rows)") from None
        return ids

    async def write_missing(self, records: Sequence[NewProvenance]) -> list[int | None]:
        out: list[int | None] = [None] * len(records)
        keyed: dict[tuple[str, str, str], int] = {}
        unkeyed: list[int] = []
        for index, r in enumerate(records):
            key = _key(r)
            if key is None:
                unkeyed.append(index)
            elif key not in keyed:
                keyed[key] = index
        if unkeyed:
            stmt = _insert().returning(p.id, sort_by_parameter_order=True)
            result = await self._conn.execute(stmt, [_params(records[i]) for i in unkeyed])
            for index, row in zip(unkeyed, result, strict=True):
                out[index] = row[0]
        if keyed:
            stmt = self._dialect.insert(costsim_provenance).values(
                {**{f: bindparam(f) for f in _FIELDS},
                 "created_at": func.coalesce(bindparam("p_created_at", type_=UtcDateTime()),
                                             utc_now())})
            stmt = stmt.on_conflict_do_nothing(
                index_elements=[p.tenant_id, p.variant_slug, p.input_hash],
            ).returning(p.id, p.tenant_id, p.variant_slug, p.input_hash)
            result = await self._conn.execute(stmt, [_params(records[i]) for i in keyed.values()])
            for row_id, tenant_id, variant, input_hash in result:
                out[keyed[(tenant_id, variant, input_hash)]] = row_id
        return out

    def _filtered(self, tenant_id: str, filters: ProvenanceFilter) -> Any:
        stmt = select(costsim_provenance).where(p.tenant_id == tenant_id)
        for name in ("variant_slug", "source", "input_hash", "run_id"):
            value = getattr(filters, name)
            if value is not None:
                stmt = stmt.where(p[name] == value)
        if filters.start is not None:
            stmt = stmt.where(p.created_at >= filters.start)
        if filters.end is not None:
            stmt = stmt.where(p.created_at < filters.end)
        return stmt

    async def query(self, tenant_id: str, filters: ProvenanceFilter, *, limit: int,
                    cursor: str | None = None) -> Page[Provenance]:
        check_limit(limit)
        stmt = self._filtered(tenant_id, filters)
        stmt = newest_first(stmt, cursor, p.created_at, p.id, limit, int_id=True)
        items = [provenance_from_row(r) for r in await self._conn.execute(stmt)]
        return page_of(items, limit, lambda x: (x.created_at, x.id))

    async def count(self, tenant_id: str, filters: ProvenanceFilter) -> int:
        inner = self._filtered(tenant_id, filters).subquery()
        return int((await self._conn.execute(select(func.count()).select_from(inner))).scalar_one())

    async def drift_stats(self, tenant_id: str, *, variant_slug: str | None = None,
                          start: DomainUtc | None = None,
                          end: DomainUtc | None = None) -> DriftStats:
        where = [p.tenant_id == tenant_id, p.v1_cost_micros.is_not(None),
                 p.v2_cost_micros.is_not(None)]
        if variant_slug is not None:
            where.append(p.variant_slug == variant_slug)
        if start is not None:
            where.append(p.created_at >= start)
        if end is not None:
            where.append(p.created_at < end)
        return await drift_stats(self._conn, self._dialect, and_(*where))

    async def is_duplicate(self, tenant_id: str, input_hash: str,
                           variant_slug: str | None = None) -> bool:
        stmt = select(p.id).where(p.tenant_id == tenant_id, p.input_hash == input_hash)
        if variant_slug is not None:
            stmt = stmt.where(p.variant_slug == variant_slug)
        return (await self._conn.execute(stmt.limit(1))).first() is not None
