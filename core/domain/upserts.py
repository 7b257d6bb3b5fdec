"""Upsert decisions by natural key, owned by the core so every adapter stores the same rows.

An adapter fetches the stored rows a batch might touch (prefiltering is an optimisation: the
rule here decides which of them may absorb a new item), asks for a plan, and writes it: the
plan says which rows to insert, which stored rows to overwrite and what each input item became.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from costsight.core.domain.anomalies import (
    MEASURED_FIELDS,
    Anomaly,
    AnomalyStatus,
    DetectedAnomaly,
)
from costsight.core.domain.costs import UpsertResult, WorkerRun
from costsight.core.domain.patterns import NewPatternFeedback, PatternFeedback
from costsight.core.domain.predictions import NewPrediction, Prediction
from costsight.core.errors import Conflict
from costsight.core.ids import ANOMALY, new_id, new_uuid

Item = TypeVar("Item")
Row = TypeVar("Row")


@dataclass(frozen=True)
class UpsertPlan(Generic[Row]):
    """``rows``: the stored row of every input item, in input order. ``inserts``: new rows in
    first-seen order (an item updating a row inserted earlier in the batch changes that insert).
    ``updates``: stored rows to overwrite, in their final state."""

    rows: list[Row] = field(default_factory=list)
    inserts: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)


def plan_upserts(items: Sequence[Item], stored: Iterable[Row], *,
                 item_key: Callable[[Item], Hashable], row_key: Callable[[Row], Hashable],
                 may_absorb: Callable[[Row], bool], recency: Callable[[Row], Any],
                 create: Callable[[Item], Row], refresh: Callable[[Row, Item], Row],
                 row_id: Callable[[Row], str]) -> UpsertPlan[Row]:
    """Each item refreshes the most recent (by ``recency``) stored row with its natural key
    that ``may_absorb`` it, else becomes a new row; later items of the batch see the rows the
    earlier ones produced."""
    target: dict[Hashable, Row] = {}
    for row in stored:
        if may_absorb(row):
            key = row_key(row)
            if key not in target or recency(row) > recency(target[key]):
                target[key] = row
    inserts: dict[str, Row] = {}
    updates: dict[str, Row] = {}
    rows: list[Row] = []
    for item in items:
        key = item_key(item)
        current = target.get(key)
        new = create(item) if current is None else refresh(current, item)
        (inserts if current is None or row_id(new) in inserts else updates)[row_id(new)] = new
        target[key] = new
        rows.append(new)
    return UpsertPlan(rows=rows, inserts=list(inserts.values()), updates=list(updates.values()))


def changed_fields(before: Any, after: Any, names: Iterable[str]) -> list[str]:
    return sorted(n for n in names if getattr(before, n) != getattr(after, n))


@dataclass(frozen=True)
class WorkerRunPlan:
    """What a worker-run upsert writes: runs to insert, runs to update, and the counts."""

    inserts: list[WorkerRun]
    updates: list[WorkerRun]
    result: UpsertResult


def plan_worker_runs(runs: Sequence[WorkerRun],
                     stored: Mapping[str, WorkerRun]) -> WorkerRunPlan:
    """Insert new runs, update progressing ones; refuse (``Conflict``, nothing written) a run id
    of another tenant or any change to a terminal run. An identical replay is ``unchanged``."""
    seen = dict(stored)
    inserts: dict[str, WorkerRun] = {}
    updates: dict[str, WorkerRun] = {}
    inserted = updated = unchanged = 0
    for run in runs:
        current = seen.get(run.id)
        if current is None:
            inserted += 1
            inserts[run.id] = run
        elif current.tenant_id != run.tenant_id:
            raise Conflict(f"worker_run.id: run {run.id!r} belongs to another tenant; run ids "
                           f"are global, so use a new id for tenant {run.tenant_id!r}")
        elif current == run:
            unchanged += 1
            continue
        elif current.status.is_terminal:
            changed = ", ".join(changed_fields(current, run, WorkerRun.model_fields))
            raise Conflict(f"worker_run {run.id!r} is {current.status.value} (terminal) and "
                           f"cannot change (changed: {changed}); only an identical replay is "
                           "allowed")
        else:
            updated += 1
            (inserts if run.id in inserts else updates)[run.id] = run
        seen[run.id] = run
    return WorkerRunPlan(inserts=list(inserts.values()), updates=list(updates.values()),
                         result=UpsertResult(inserted=inserted, updated=updated,
                                             unchanged=unchanged))


def plan_anomaly_upserts(findings: Sequence[DetectedAnomaly], stored: Iterable[Anomaly], *,
                         since: datetime, now: datetime) -> UpsertPlan[Anomaly]:
    """A finding refreshes (``MEASURED_FIELDS``, updated_at = now) the newest (detected_at, id)
    stored anomaly with its dedupe key that is not closed and was detected at or after
    ``since``; otherwise it becomes a new open anomaly detected now."""
    return plan_upserts(
        findings, stored, item_key=lambda f: f.dedupe_key, row_key=lambda a: a.dedupe_key,
        may_absorb=lambda a: not a.status.is_closed and a.detected_at >= since,
        recency=lambda a: (a.detected_at, a.id),
        create=lambda f: Anomaly(**f.model_dump(), id=new_id(ANOMALY),
                                 status=AnomalyStatus.OPEN, detected_at=now, updated_at=now),
        refresh=lambda a, f: a.model_copy(update={
            **{n: getattr(f, n) for n in MEASURED_FIELDS}, "updated_at": now}),
        row_id=lambda a: a.id)


#: Fields repeated feedback overwrites (besides last_seen_at).
FEEDBACK_REFRESHED = ("description", "severity", "provenance", "occurrence_count",
                      "time_window_minutes", "threshold_used", "metadata")


def feedback_key(f: NewPatternFeedback) -> tuple[str, str, str]:
    return (f.tenant_id, f.pattern_type, f.signature)


def plan_feedback_upserts(items: Sequence[NewPatternFeedback], stored: Iterable[PatternFeedback],
                          *, open_since: datetime, now: datetime) -> UpsertPlan[PatternFeedback]:
    """Feedback refreshes the most recently seen (last_seen_at, detected_at, id) unacknowledged
    row with its (tenant, pattern_type, signature) seen at or after ``open_since``; otherwise
    it becomes a new row detected now."""
    return plan_upserts(
        items, stored, item_key=feedback_key, row_key=feedback_key,
        may_absorb=lambda f: not f.acknowledged and f.last_seen_at >= open_since,
        recency=lambda f: (f.last_seen_at, f.detected_at, f.id),
        create=lambda i: PatternFeedback(**i.model_dump(), id=new_uuid(), detected_at=now,
                                         last_seen_at=now),
        refresh=lambda f, i: f.model_copy(update={
            **{n: getattr(i, n) for n in FEEDBACK_REFRESHED}, "last_seen_at": now}),
        row_id=lambda f: f.id)


#: Fields a repeated prediction overwrites (besides updated_at).
PREDICTION_REFRESHED = ("confidence_score", "prediction_value", "contributing_factors", "notes",
                        "expires_at")


def prediction_key(p: NewPrediction) -> tuple[str, str, str, str]:
    return (p.tenant_id, p.prediction_type, p.subject_type, p.subject_id)


def plan_prediction_upserts(items: Sequence[NewPrediction], stored: Iterable[Prediction], *,
                            now: datetime) -> UpsertPlan[Prediction]:
    """A prediction refreshes the newest (created_at, id) unexpired (expires_at > now) stored
    prediction with its (tenant, type, subject type, subject id); otherwise a new advisory
    row created now."""
    return plan_upserts(
        items, stored, item_key=prediction_key, row_key=prediction_key,
        may_absorb=lambda p: p.expires_at > now, recency=lambda p: (p.created_at, p.id),
        create=lambda i: Prediction(**i.model_dump(), id=new_uuid(), created_at=now,
                                    updated_at=now, is_advisory=True),
        refresh=lambda p, i: p.model_copy(update={
            **{n: getattr(i, n) for n in PREDICTION_REFRESHED}, "updated_at": now}),
        row_id=lambda p: p.id)
