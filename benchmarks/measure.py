"""Timing, percentiles, progress on stderr, and a SQL statement counter."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")
_STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress for humans: stderr only, so ``--json`` keeps stdout to one JSON object."""
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


class Stopwatch:
    """Accumulates the time spent inside ``with watch:`` blocks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._t0 = 0.0

    def __enter__(self) -> Stopwatch:
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds += time.perf_counter() - self._t0


async def timed(fn: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    t0 = time.perf_counter()
    result = await fn()
    return time.perf_counter() - t0, result


async def median_of(repeats: int, *fns: Callable[[], Awaitable[Any]]) -> list[float]:
    """Median seconds of each fn, run interleaved ``repeats`` times (after one warm-up each),
    so cache state and background noise hit every contender alike."""
    for fn in fns:
        await fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            samples[k].append((await timed(fn))[0])
    return [statistics.median(s) for s in samples]


def percentile(samples: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def rnd(value: float, digits: int = 3) -> float:
    return round(value, digits)


class StatementCounter:
    """Counts SQL statements sent to the database (round trips) through one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        #: (statement, parameters) of each execution, in order
        self.executed: list[tuple[str, tuple[Any, ...]]] = []

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, parameters: Any,
                    *_: Any) -> None:
        self.executed.append((statement, tuple(parameters or ())))

    @contextmanager
    def counting(self) -> Iterator[StatementCounter]:
        self.executed = []
        event.listen(self._engine, "before_cursor_execute", self._on_execute)
        try:
            yield self
        finally:
            event.remove(self._engine, "before_cursor_execute", self._on_execute)

    @property
    def count(self) -> int:
        return len(self.executed)


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda v, t: v <= t, ">=": lambda v, t: v >= t, "<": lambda v, t: v < t}


def goal(value: Any, op: str, threshold: float | None = None) -> dict[str, Any]:
    """One key's goal: ``{"value", "goal", "met"}``; op ``report`` has no goal (met None).

    A missing value (None: not measured at this size) does not meet a goal. The goal is judged
    on ``value`` as given, so pass the unrounded measurement (0.2498 rounded to 0.25 would meet
    ">= 0.25"); a float is shown rounded to four decimals."""
    shown = round(value, 4) if isinstance(value, float) else value
    if op == "report":
        return {"value": shown, "goal": "report", "met": None}
    if op not in _COMPARE or threshold is None:
        raise ValueError(f"goal op must be one of {sorted(_COMPARE)} or 'report', "
                         f"with a threshold; got {op!r}, {threshold!r}")
    met = value is not None and bool(_COMPARE[op](value, threshold))
    return {"value": shown, "goal": f"{op} {threshold:g}", "met": met}


def all_met(goals: dict[str, dict[str, Any]]) -> bool | None:
    """True when every goal (not the report-only keys) is met; None when there is none."""
    judged = [g["met"] for g in goals.values() if g["met"] is not None]
    return all(judged) if judged else None
