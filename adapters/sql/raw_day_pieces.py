"""Raw cost rows summed per key and UTC day: the raw edge of a read whose windows all start and
end at midnight UTC (``rollup_source.spend_select(raw_days=True)``).

The rows have the spend-row columns of ``rollup_source``; a call counts once in ``calls`` and
its cost as high and low halves, as a raw row per call would.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, literal, null, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from costsight.adapters.sql.bucket_width import Width
from costsight.adapters.sql.rollup_tables import SPLIT_SUMS, SUMS
from costsight.adapters.sql.rollup_writes import sum_of
from costsight.adapters.sql.tables import cost_records

cr = cost_records.c

#: The key columns of a spend row, in their order (``rollup_source``'s pieces share it).
SPEND_KEYS = ("model", "feature_tag", "user_id", "workflow_id", "skill_id", "worker_id",
              "cost_source", "is_retry")


def raw_day_pieces(tenant_id: str, ranges: list[tuple[datetime, datetime]],
                    keyed: tuple[str, ...]) -> list[Select[Any]]:
    """The raw rows of ``ranges`` summed per ``keyed`` columns (the others read NULL, as on
    the plan's grains) within each UTC day of each range, ``ts`` the start of that range's
    piece of the day. For reads whose windows all start and end at midnight UTC: one row per
    key and day instead of one per call (an as-of day's calls of every user are tens of
    thousands of rows). One SELECT per piece of a day, so the key is a plain column whose
    distinct values the planner knows (it then hashes instead of sorting every call)."""
    if "worker_run_id" in keyed:  # a run's worker is looked up per row, never summed per day
        raise ValueError("raw rows summed per day do not read workers")
    keys = [_key(k, keyed) for k in SPEND_KEYS]
    # the sums of the user grain, by the writers' own aggregates
    sums = [sum_of(cr, name).label(name) for name in SUMS + SPLIT_SUMS]
    out = []
    for a, b in ranges:
        while a < b:
            piece_end = min(b, Width.DAY.floor(a) + timedelta(days=1))
            out.append(select(literal(a, cr.created_at.type).label("ts"),
                              *(k.label(n) for k, n in zip(keys, SPEND_KEYS, strict=True)),
                              *sums)
                       .where(cr.tenant_id == tenant_id, cr.created_at >= a,
                              cr.created_at < piece_end)
                       .group_by(*(cr[k] for k in keyed)))
            a = piece_end
    return out


def _key(name: str, keyed: tuple[str, ...]) -> ColumnElement[Any]:
    """Spend-row key ``name`` of a raw row summed by the ``keyed`` columns (NULL if unkeyed;
    ``worker_id`` always: the detection reads that sum raw days keep no worker)."""
    if name == "worker_id":
        return cast(null(), String)
    return cr[name] if name in keyed else cast(null(), cr[name].type)
