"""Identifier formats: the original prefixes plus 16 hex characters, or UUID strings."""

from __future__ import annotations

import uuid

COST_RECORD = "cr_"
FEATURE_TAG = "ft_"
BUDGET = "cb_"
ANOMALY = "ca_"
BREACH = "bh_"
DRIFT = "dt_"


def new_id(prefix: str) -> str:
    """A prefixed id: ``prefix`` followed by the first 16 hex chars of a uuid4."""
    return prefix + uuid.uuid4().hex[:16]


def new_uuid() -> str:
    return str(uuid.uuid4())
