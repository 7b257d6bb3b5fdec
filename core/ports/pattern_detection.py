"""Pattern detection data: bounded reads of worker runs for the pattern detectors."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from costsight.core.domain.costs import WorkerRun


class PatternDetectionPort(Protocol):
    """Reads runs for the pattern detectors and stores their feedback. Tenant-explicit."""

    async def failed_runs(self, tenant_id: str, since: datetime, until: datetime,
                          limit: int) -> list[WorkerRun]:
        """Failed runs with a non-null error and ``since <= created_at <= until``, newest first
        (ties by id), at most ``limit``."""
        ...

    async def recent_cost_runs(self, tenant_id: str, since: datetime, until: datetime,
                               per_worker: int) -> list[WorkerRun]:
        """Completed runs with cost > 0 and ``since <= created_at <= until``: the newest
        ``per_worker`` runs of EVERY worker, in one query, ordered by (worker_id, created_at
        desc, id desc)."""
        ...
