"""What ``costsight rollups verify`` reports: a rollup row that differs from its raw rows."""

from __future__ import annotations

from datetime import datetime

from costsight.core.domain.base import Frozen


class RollupSums(Frozen):
    """The sums one rollup row keeps (cost in micro-cents, exact). A grain keyed by retry and
    cost source has no separate retry/unpriced sums (0 here)."""

    calls: int
    cost_micros: int
    input_tokens: int
    output_tokens: int
    retry_calls: int = 0
    unpriced_calls: int = 0
    unpriced_tokens: int = 0


class RollupDifference(Frozen):
    """One key of one grain whose stored sums are not the sums of its raw rows.

    ``stored`` None: the rollup row is missing; ``expected`` None: no raw row has that key.
    ``key`` names the grain's key columns (``''``: no feature tag or user).
    """

    grain: str
    tenant_id: str
    bucket: datetime
    key: dict[str, str | bool]
    stored: RollupSums | None
    expected: RollupSums | None
