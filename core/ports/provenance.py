"""CostSim V1/V2 provenance: writes with real ids, queries, drift statistics, dedupe."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from costsight.core.domain.provenance import DriftStats, NewProvenance, Provenance, ProvenanceFilter
from costsight.core.pagination import Page
from costsight.core.timeutil import UtcDateTime


class ProvenancePort(Protocol):
    """Provenance rows, deduplicated by (tenant_id, variant_slug, input_hash)."""

    async def write(self, record: NewProvenance) -> int:
        """Store one row and return its database-generated id. cost_delta = v2 - v1 when both
        costs are present. created_at defaults to now. ``Conflict`` on a duplicate key."""
        ...

    async def write_batch(self, records: Sequence[NewProvenance]) -> list[int]:
        """Store rows in one statement; returns the real ids in input order ([] for []).
        ``Conflict`` if any row duplicates a stored row or another row of the batch; then
        nothing of the batch is written."""
        ...

    async def write_missing(self, records: Sequence[NewProvenance]) -> list[int | None]:
        """Like write_batch, but rows whose key is already stored (or repeats an earlier row
        of the batch) are skipped: their slot in the result is None."""
        ...

    async def query(self, tenant_id: str, filters: ProvenanceFilter, *, limit: int,
                    cursor: str | None = None) -> Page[Provenance]:
        """Rows of the tenant matching the filters, newest first (ties by id desc), keyset-paged."""
        ...

    async def count(self, tenant_id: str, filters: ProvenanceFilter) -> int:
        """How many rows ``query`` would return over all pages."""
        ...

    async def drift_stats(self, tenant_id: str, *, variant_slug: str | None = None,
                          start: UtcDateTime | None = None,
                          end: UtcDateTime | None = None) -> DriftStats:
        """Over the tenant's rows with both costs (optionally one variant, created in
        [start, end)): count, avg/min/max and SAMPLE stddev of cost_delta (0.0 for fewer than
        two rows), and the verdict distribution; all zeros when there are no rows."""
        ...

    async def is_duplicate(self, tenant_id: str, input_hash: str,
                           variant_slug: str | None = None) -> bool:
        """True if the tenant has a row with that input_hash (and variant, when given)."""
        ...
