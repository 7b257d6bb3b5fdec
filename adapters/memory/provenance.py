"""In-memory ProvenancePort: sequence ids, dedupe by (tenant, variant, input_hash), drift stats."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from costsight.adapters.memory._buckets import aware
from costsight.adapters.memory._paging import keyset_page
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.provenance import (
    DriftStats,
    NewProvenance,
    Provenance,
    ProvenanceFilter,
    drift_verdict,
)
from costsight.core.errors import Conflict
from costsight.core.pagination import Page

_Key = tuple[str, str, str]


def _key(record: NewProvenance) -> _Key | None:
    """The unique key; rows without an input_hash never collide (NULLs are distinct in SQL)."""
    if record.input_hash is None:
        return None
    return (record.tenant_id, record.variant_slug, record.input_hash)


class MemoryProvenance:
    """ProvenancePort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def _clashes(self, records: Sequence[NewProvenance]) -> list[bool]:
        """For each record: does its key repeat a stored row or an earlier row of the batch?"""
        seen: set[_Key] = set()
        result = []
        for record in records:
            key = _key(record)
            result.append(key is not None and (key in seen or key in self._tx.provenance_keys))
            if key is not None:
                seen.add(key)
        return result

    def _insert(self, record: NewProvenance) -> int:
        row = Provenance(
            **record.model_dump(exclude={"created_at"}),
            id=self._tx.next_provenance_id(),
            cost_delta=record.cost_delta,
            created_at=record.created_at or self._tx.now())
        self._tx.provenance.put(row.id, row)
        key = _key(record)
        if key is not None:
            self._tx.provenance_keys.put(key, row.id)
        return row.id

    @staticmethod
    def _conflict(record: NewProvenance) -> Conflict:
        return Conflict(f"provenance: a row with (tenant_id, variant_slug, input_hash) = "
                        f"({record.tenant_id!r}, {record.variant_slug!r}, "
                        f"{record.input_hash!r}) already exists; keys must be unique "
                        "(use write_missing to skip duplicates)")

    async def write(self, record: NewProvenance) -> int:
        if self._clashes([record])[0]:
            raise self._conflict(record)
        return self._insert(record)

    async def write_batch(self, records: Sequence[NewProvenance]) -> list[int]:
        for record, clash in zip(records, self._clashes(records), strict=True):
            if clash:
                raise self._conflict(record)
        return [self._insert(record) for record in records]

    async def write_missing(self, records: Sequence[NewProvenance]) -> list[int | None]:
        clashes = self._clashes(records)
        return [None if clash else self._insert(record)
                for record, clash in zip(records, clashes, strict=True)]

    def _matching(self, tenant_id: str, f: ProvenanceFilter) -> list[Provenance]:
        return self._tx.provenance.rows(
            lambda p: p.tenant_id == tenant_id
            and (f.variant_slug is None or p.variant_slug == f.variant_slug)
            and (f.source is None or p.source == f.source)
            and (f.input_hash is None or p.input_hash == f.input_hash)
            and (f.run_id is None or p.run_id == f.run_id)
            and (f.start is None or p.created_at >= f.start)
            and (f.end is None or p.created_at < f.end))

    async def query(self, tenant_id: str, filters: ProvenanceFilter, *, limit: int,
                    cursor: str | None = None) -> Page[Provenance]:
        return keyset_page(self._matching(tenant_id, filters),
                           key=lambda p: (p.created_at, p.id), kinds=(datetime, int),
                           limit=limit, cursor=cursor, descending=True)

    async def count(self, tenant_id: str, filters: ProvenanceFilter) -> int:
        return len(self._matching(tenant_id, filters))

    async def drift_stats(self, tenant_id: str, *, variant_slug: str | None = None,
                          start: datetime | None = None,
                          end: datetime | None = None) -> DriftStats:
        start = aware(start, "start") if start is not None else None
        end = aware(end, "end") if end is not None else None
        rows = self._tx.provenance.rows(
            lambda p: p.tenant_id == tenant_id
            and (variant_slug is None or p.variant_slug == variant_slug)
            and (start is None or p.created_at >= start)
            and (end is None or p.created_at < end))
        costs = [(p.v1_cost, p.v2_cost) for p in rows
                 if p.v1_cost is not None and p.v2_cost is not None]
        if not costs:
            return DriftStats()
        deltas: list[Decimal] = [v2 - v1 for v1, v2 in costs]
        verdicts = Counter(drift_verdict(v1, v2).value for v1, v2 in costs)
        return DriftStats(
            total=len(costs),
            avg_delta=float(sum(deltas) / len(deltas)),
            min_delta=float(min(deltas)),
            max_delta=float(max(deltas)),
            stddev_delta=float(statistics.stdev(deltas)) if len(deltas) > 1 else 0.0,
            verdicts=dict(sorted(verdicts.items())))

    async def is_duplicate(self, tenant_id: str, input_hash: str,
                           variant_slug: str | None = None) -> bool:
        if variant_slug is not None:
            return (tenant_id, variant_slug, input_hash) in self._tx.provenance_keys
        return bool(self._tx.provenance.rows(
            lambda p: p.tenant_id == tenant_id and p.input_hash == input_hash))
