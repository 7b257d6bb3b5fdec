"""Identifier formats: time-ordered prefixed ids, or UUID strings.

A prefixed id is ``prefix`` + 28 lowercase hex characters:

- 12: milliseconds since the Unix epoch (48 bits, enough until the year 10889);
- 4: a per-process sequence within that millisecond, so ids made in the same millisecond by
  one process still increase;
- 12: random bits (48), which keep ids of different processes apart when their clocks, and
  sequences, coincide.

The first 16 characters are one 64-bit counter ``ms << 16 | sequence`` per process that only
moves forward: a batch reserves a run of it, a clock that steps back does not make ids go back
(the counter continues from the last id), and more than 65,536 ids in one millisecond carry
into the next. So, as text, every id a process makes sorts after every id it made before, and
ids of different processes sort by the millisecond they were made in (as far as their clocks
agree). With ``prefix`` of three characters an id has 31, within the narrowest id column
(``String(32)``).
"""

from __future__ import annotations

import os
import re
import struct
import threading
import time
import uuid

COST_RECORD = "cr_"
FEATURE_TAG = "ft_"
BUDGET = "cb_"
ANOMALY = "ca_"
BREACH = "bh_"
DRIFT = "dt_"
MODEL_PRICE = "mp_"

ID_HEX_LENGTH = 28
_SEQUENCE_BITS = 16
_RANDOM_BYTES = 6
_SHAPE = re.compile(rf"[0-9a-f]{{{ID_HEX_LENGTH}}}")

_clock = time.time_ns
_lock = threading.Lock()
_last = 0  # the last ``ms << 16 | sequence`` this process handed out


def _reinit_lock_after_fork() -> None:
    # A fork while another thread held the lock would leave the child's copy held forever.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_reinit_lock_after_fork)


def _reserve(n: int) -> int:
    """The first of ``n`` consecutive counter values, all after every value handed out so far."""
    global _last
    now = (_clock() // 1_000_000) << _SEQUENCE_BITS
    with _lock:
        first = max(now, _last + 1)
        _last = first + n - 1
    return first


def new_ids(prefix: str, n: int) -> list[str]:
    """``n`` time-ordered ids (``prefix`` + 28 lowercase hex chars), increasing in list order.

    One ``os.urandom`` call for the whole batch: 5,000 ids cost one system call, not 5,000.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return []
    first = _reserve(n)
    counters = struct.pack(f">{n}Q", *range(first, first + n)).hex()  # 16 hex chars each
    digits = os.urandom(_RANDOM_BYTES * n).hex()  # 12 hex chars each
    return [f"{prefix}{counters[i:i + 16]}{digits[j:j + 12]}"
            for i, j in zip(range(0, 16 * n, 16), range(0, 12 * n, 12), strict=True)]


def new_id(prefix: str) -> str:
    """One id shaped like those of :func:`new_ids`, after every id this process made before."""
    return new_ids(prefix, 1)[0]


def is_id(value: str, prefix: str) -> bool:
    """Whether ``value`` has the shape :func:`new_id` gives for ``prefix``."""
    return value.startswith(prefix) and _SHAPE.fullmatch(value, len(prefix)) is not None


def new_uuid() -> str:
    return str(uuid.uuid4())
