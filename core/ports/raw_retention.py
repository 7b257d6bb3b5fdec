"""Raw retention port: count and remove a tenant's oldest raw cost records."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class RawRetentionPort(Protocol):
    """The raw rows (``cost_records``) older than a cutoff, counted and removed in batches.

    A row is older than ``before`` when its ``created_at`` is strictly earlier: a row at
    exactly ``before`` stays. Only raw rows go; rollups and everything else are untouched.
    Every statement is pinned to ``tenant_id``. ``before`` is aware UTC. A removed row's
    request id stays claimed: a replay of that request is a duplicate, never stored (nor
    counted) twice.
    """

    async def count_raw_before(self, tenant_id: str, before: datetime) -> int:
        """How many of the tenant's raw rows have ``created_at < before``."""
        ...

    async def delete_raw_before(self, tenant_id: str, before: datetime, *, batch: int) -> int:
        """Remove at most ``batch`` (>= 1, else ValidationError) of the tenant's raw rows with
        ``created_at < before``, oldest first (by created_at, then id), in the caller's unit of
        work; returns how many were removed (fewer than ``batch``: none are left)."""
        ...
