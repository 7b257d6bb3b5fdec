"""Write side of metering: cost records, worker runs, feature tags, budgets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from costsight.core.domain.costs import (
    Budget,
    BudgetUpsert,
    CostChange,
    CostRecord,
    FeatureTag,
    FeatureTagUpdate,
    NewCostRecord,
    NewFeatureTag,
    RecordResult,
    UpsertResult,
    WorkerRun,
)


class CostWritePort(Protocol):
    """Records metering data inside the current unit of work (adapters never commit)."""

    async def record_costs(self, records: Sequence[NewCostRecord], *,
                           bulk: bool = False) -> RecordResult:
        """Store cost records in one set-based write; idempotent by (tenant_id, request_id).

        A record whose request_id is already stored for its tenant, or repeats an earlier record
        of the same batch, is not stored again and is reported in ``duplicate_request_ids``.
        Records without a request_id are always stored. Each stored record gets a new ``cr_`` id.
        A feature_tag that is not an **active** feature tag of the record's tenant (and is not
        ``unclassified`` already) is stored as ``unclassified``. An empty batch is a no-op.

        ``bulk``: the caller writes many batches in this unit of work and reads no answer
        about them before it commits (a file's ingest). The adapter may then maintain what it
        derives from the records (rollups) once, at commit, instead of per batch: every answer
        after the commit is the same; answers read in the same unit of work before the commit
        may not include the bulk batches yet.
        """
        ...

    async def records_to_reprice(self, tenant_id: str, since: datetime, until: datetime | None,
                                 *, after_id: str | None, limit: int) -> list[CostRecord]:
        """The tenant's ``priced`` and ``unpriced`` records created in [since, until) (no
        upper bound when None) whose id is greater than ``after_id``, by id, at most ``limit``
        (keyset pages: pass the last id back). ``reported`` records are never returned."""
        ...

    async def update_costs(self, tenant_id: str, changes: Sequence[CostChange]) -> int:
        """Set cost, cost_source and price_id of the tenant's listed records; a ``reported``
        record or another tenant's id is left alone. Returns how many rows changed."""
        ...

    async def upsert_worker_runs(self, runs: Sequence[WorkerRun]) -> UpsertResult:
        """Insert runs or update them by id while they progress.

        Once a stored run is terminal (completed, failed, crashed) an update that changes any
        field raises ``Conflict`` (and nothing of the batch is written); an identical replay is
        counted as unchanged. A run id owned by another tenant raises ``Conflict``.
        """
        ...

    async def create_feature_tag(self, tag: NewFeatureTag) -> FeatureTag:
        """Create a tag (new ``ft_`` id); ``Conflict`` if (tenant, tag) exists."""
        ...

    async def update_feature_tag(self, tenant_id: str, tag: str,
                                 update: FeatureTagUpdate) -> FeatureTag:
        """Apply the explicitly set fields (None clears description/budget); ``NotFound``."""
        ...

    async def get_feature_tag(self, tenant_id: str, tag: str) -> FeatureTag | None:
        ...

    async def list_feature_tags(self, tenant_id: str, *,
                                include_inactive: bool = True) -> list[FeatureTag]:
        """The tenant's tags ordered by tag."""
        ...

    async def upsert_budget(self, budget: BudgetUpsert) -> Budget:
        """Create or update the budget keyed by (tenant, budget_type, entity_id).

        On update only the fields set on ``budget`` change (an explicit None clears a limit),
        ``is_active`` included, so an upsert of an inactive budget reactivates it. Tenant
        budgets have entity_id ``""``, so at most one exists per tenant.
        """
        ...

    async def list_budgets(self, tenant_id: str, *, active_only: bool = False) -> list[Budget]:
        """The tenant's budgets ordered by (budget_type, entity_id)."""
        ...
