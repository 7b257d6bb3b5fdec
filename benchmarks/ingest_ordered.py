"""Ingest in arrival order: the ``ingest_postgres`` race on the same rows sorted by created_at.

``ingest_postgres`` draws every row's instant at random over the 60-day history, so each batch
of 5,000 touches nearly one rollup key per row in every grain: the worst case for rollup
maintenance. A live fleet's calls arrive in roughly the order they happen (the OTLP receiver
and the log files ``costsight ingest`` reads see them so), and then a batch shares its hours,
days and months. This report-only key runs the same comparison (costsight vs COPY into the same
indexed table, and into a bare heap) on the same rows, delivered in created_at order. The
generated ids stay random (the raw writers store them; costsight makes its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from benchmarks.ingest import ingest_postgres
from benchmarks.measure import goal
from benchmarks.workload import COLUMNS, Row, Workload

#: the position of created_at in a workload row
CREATED_AT = COLUMNS.index("created_at")


class ArrivalOrder:
    """The first ``total`` rows of ``workload``, served sorted by created_at (ties in stream
    order), sliced like ``Workload.rows``."""

    def __init__(self, workload: Workload, total: int) -> None:
        self.workload = workload
        self._rows = sorted(workload.rows(total), key=lambda row: row[CREATED_AT])

    def rows(self, count: int, *, offset: int = 0) -> Iterator[Row]:
        if offset + count > len(self._rows):
            raise ValueError(f"rows {offset}..{offset + count} asked of {len(self._rows)}")
        return iter(self._rows[offset:offset + count])

    def feature_tags(self) -> list[tuple[str, str]]:
        return self.workload.feature_tags()


async def ingest_postgres_ordered(workload: Workload, checkpoints: list[int],
                                  batch_size: int) -> dict[str, Any]:
    """``ingest_postgres`` on rows arriving in created_at order; every key report-only."""
    out = await ingest_postgres(ArrivalOrder(workload, checkpoints[-1]), checkpoints,
                                batch_size)
    out["goals"] = {key: goal(g["value"], "report") for key, g in out["goals"].items()}
    out["goal"] = "report"
    out["met"] = None
    return out
