"""Identifier formats: the original prefixes plus 16 hex characters, or UUID strings."""

from __future__ import annotations

import os
import uuid

COST_RECORD = "cr_"
FEATURE_TAG = "ft_"
BUDGET = "cb_"
ANOMALY = "ca_"
BREACH = "bh_"
DRIFT = "dt_"
MODEL_PRICE = "mp_"


def new_id(prefix: str) -> str:
    """A prefixed id: ``prefix`` followed by the first 16 hex chars of a uuid4."""
    return prefix + uuid.uuid4().hex[:16]


def new_ids(prefix: str, n: int) -> list[str]:
    """``n`` ids shaped like :func:`new_id` (``prefix`` + 16 lowercase hex chars).

    One ``os.urandom`` call for the whole batch, 64 random bits per id (``new_id`` keeps 60:
    its 13th hex char is uuid4's version nibble): 5,000 ids cost one system call, not 5,000.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    digits = os.urandom(8 * n).hex()
    return [prefix + digits[k:k + 16] for k in range(0, 16 * n, 16)]


def new_uuid() -> str:
    return str(uuid.uuid4())
