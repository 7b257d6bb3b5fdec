"""The in-memory tables: committed state held by the storage, and per-transaction overlays.

Isolation model (documented because the fakes must behave like the database where tests look):

- The storage holds the committed rows, one ``dict`` per table (primary key -> frozen row).
- A unit of work writes into a private overlay per table; its reads see the latest committed
  rows with its own writes on top (READ COMMITTED, like Postgres' default).
- ``commit`` first checks the unique indexes against what others committed meanwhile, then
  applies the overlays row by row, atomically (no ``await`` in between). A cost record whose
  (tenant, request_id) another unit committed first is dropped, as ``ON CONFLICT DO NOTHING``
  would (stored once, never zero times); a provenance key clash raises ``Conflict`` and
  nothing is applied; a clashing audit row is dropped (audit never undoes business writes).
- Concurrent commits of the SAME row are last-writer-wins (no row locks: a unit that updated a
  row it read before another unit's commit overwrites that commit, terminal worker runs
  included); rows of different keys merge, so concurrent units never lose each other's inserts.
  Fine for a fake; the SQL adapters are the ones to trust under real write contention.
- A unit's deletes (``TxTable.delete``: raw retention) hide the committed rows from its own
  reads and remove them from the committed table at commit.
- Rolling back just drops the overlays. Rows are frozen pydantic models, so sharing them
  between the committed state and overlays is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from costsight.core.domain.alerts import AlertRoute, Notification
from costsight.core.domain.anomalies import Anomaly, Breach, DriftTracker
from costsight.core.domain.audit import StoredAuditRecord
from costsight.core.domain.costs import Budget, CostRecord, FeatureTag, WorkerRun
from costsight.core.domain.forecasts import ForecastSnapshot
from costsight.core.domain.patterns import PatternFeedback
from costsight.core.domain.predictions import Prediction
from costsight.core.domain.prices import ModelPrice
from costsight.core.domain.provenance import Provenance
from costsight.core.errors import Conflict
from costsight.core.timeutil import Clock

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: What commit does when another unit committed the same key of a unique table first.
OnClash = Literal["raise", "skip"]

#: (tenant_id, entity_type, entity_id, breach_type, breach_date): one breach per entity and day.
BreachKey = tuple[str, str, str, str, date]


@dataclass
class CommittedState:
    """Every table of the memory backend, as committed. One instance per MemoryStorage."""

    cost_records: dict[str, CostRecord] = field(default_factory=dict)
    #: unique index (tenant_id, request_id) -> cost record id
    request_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    worker_runs: dict[str, WorkerRun] = field(default_factory=dict)
    #: (tenant_id, tag)
    feature_tags: dict[tuple[str, str], FeatureTag] = field(default_factory=dict)
    #: (tenant_id, budget_type, entity_id)
    budgets: dict[tuple[str, str, str], Budget] = field(default_factory=dict)
    anomalies: dict[str, Anomaly] = field(default_factory=dict)
    breaches: dict[BreachKey, Breach] = field(default_factory=dict)
    #: (tenant_id, entity_type, entity_id)
    drift_trackers: dict[tuple[str, str, str], DriftTracker] = field(default_factory=dict)
    feedback: dict[str, PatternFeedback] = field(default_factory=dict)
    predictions: dict[str, Prediction] = field(default_factory=dict)
    provenance: dict[int, Provenance] = field(default_factory=dict)
    #: unique index (tenant_id, variant_slug, input_hash) -> provenance id
    provenance_keys: dict[tuple[str, str, str], int] = field(default_factory=dict)
    audit: dict[str, StoredAuditRecord] = field(default_factory=dict)
    alert_routes: dict[tuple[str, str], AlertRoute] = field(default_factory=dict)
    notifications: dict[str, Notification] = field(default_factory=dict)
    #: (tenant_id or "", provider or "", model, effective_from)
    model_prices: dict[tuple[str, str, str, datetime], ModelPrice] = field(default_factory=dict)
    #: tenant_id -> its latest forecast snapshot
    forecasts: dict[str, ForecastSnapshot] = field(default_factory=dict)


#: Tables whose keys are unique indexes over inserts (not upserts): a key another unit
#: committed first is a clash.
UNIQUE_TABLES: dict[str, OnClash] = {
    "request_ids": "skip",
    "provenance_keys": "raise",
    "audit": "skip",
}


class TxTable(Generic[K, V]):
    """One table as seen by one unit of work: committed rows plus this unit's writes."""

    def __init__(self, name: str, committed: dict[K, V], on_clash: OnClash | None) -> None:
        self.name = name
        self._committed = committed
        self._writes: dict[K, V] = {}
        #: committed keys this unit deleted (removed from the committed table at commit)
        self._deleted: set[K] = set()
        self._on_clash = on_clash

    def get(self, key: K) -> V | None:
        if key in self._writes:
            return self._writes[key]
        if key in self._deleted:
            return None
        return self._committed.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._writes or (key in self._committed and key not in self._deleted)

    def put(self, key: K, row: V) -> None:
        self._deleted.discard(key)
        self._writes[key] = row

    def delete(self, key: K) -> None:
        """Remove ``key``: this unit's write of it, and the committed row at commit."""
        self._writes.pop(key, None)
        if key in self._committed:
            self._deleted.add(key)

    def rows(self, where: Callable[[V], bool] | None = None) -> list[V]:
        """Every visible row (committed overlaid by own writes), optionally filtered."""
        merged = [self._writes.get(k, v) for k, v in self._committed.items()
                  if k not in self._deleted]
        merged.extend(v for k, v in self._writes.items() if k not in self._committed)
        if where is None:
            return merged
        return [row for row in merged if where(row)]

    def unwrite(self, key: K) -> None:
        """Forget this unit's write of ``key`` (commit-time dedupe)."""
        self._writes.pop(key, None)

    def clashes(self) -> list[K]:
        """Keys this unit inserted that another unit committed (with another row) meanwhile."""
        if self._on_clash is None:
            return []
        return [k for k, v in self._writes.items()
                if k in self._committed and self._committed[k] != v]

    def apply(self) -> None:
        """Write this unit's rows into the committed table (called by commit only)."""
        clashes = set(self.clashes())
        for key in self._deleted:
            self._committed.pop(key, None)
        self._deleted = set()
        for key, row in self._writes.items():
            if key in clashes:  # only "skip" tables reach here with clashes
                log.info("memory commit: %s key %r was committed by another unit first; "
                         "this unit's row is dropped", self.name, key)
                continue
            self._committed[key] = row
        self._writes = {}

    def discard(self) -> None:
        self._writes = {}
        self._deleted = set()


class Tx:
    """The tables of one unit of work, the clock, and the provenance id sequence."""

    def __init__(self, state: CommittedState, clock: Clock,
                 next_provenance_id: Callable[[], int]) -> None:
        self.clock = clock
        self.next_provenance_id = next_provenance_id
        def table(name: str, committed: dict[K, V]) -> TxTable[K, V]:
            return TxTable(name, committed, UNIQUE_TABLES.get(name))

        self.cost_records = table("cost_records", state.cost_records)
        self.request_ids = table("request_ids", state.request_ids)
        self.worker_runs = table("worker_runs", state.worker_runs)
        self.feature_tags = table("feature_tags", state.feature_tags)
        self.budgets = table("budgets", state.budgets)
        self.anomalies = table("anomalies", state.anomalies)
        self.breaches = table("breaches", state.breaches)
        self.drift_trackers = table("drift_trackers", state.drift_trackers)
        self.feedback = table("feedback", state.feedback)
        self.predictions = table("predictions", state.predictions)
        self.provenance = table("provenance", state.provenance)
        self.provenance_keys = table("provenance_keys", state.provenance_keys)
        self.audit = table("audit", state.audit)
        self.alert_routes = table("alert_routes", state.alert_routes)
        self.notifications = table("notifications", state.notifications)
        self.model_prices = table("model_prices", state.model_prices)
        self.forecasts = table("forecasts", state.forecasts)
        self.tables: list[TxTable[Any, Any]] = [
            self.cost_records, self.request_ids, self.worker_runs, self.feature_tags,
            self.budgets, self.anomalies, self.breaches, self.drift_trackers, self.feedback,
            self.predictions, self.provenance, self.provenance_keys, self.audit,
            self.alert_routes, self.notifications, self.model_prices, self.forecasts]
        if [t.name for t in self.tables] != [f.name for f in fields(state)]:
            # a table added to CommittedState but not here would silently never commit
            raise RuntimeError("Tx does not overlay every table of CommittedState")

    def now(self) -> datetime:
        return self.clock.now()

    def commit(self) -> None:
        """Check unique indexes, then apply every table's writes; all or nothing."""
        for table in self.tables:
            if UNIQUE_TABLES.get(table.name) == "raise" and table.clashes():
                key = table.clashes()[0]
                self.rollback()
                raise Conflict(f"{table.name}: key {key!r} was committed by another unit of work "
                               "first; this unit was rolled back (retry it)")
        for key in self.request_ids.clashes():
            # a concurrent retry stored this request first: keep one copy, like the database
            stored_id = self.request_ids.get(key)
            if stored_id is not None:
                self.cost_records.unwrite(stored_id)
        for table in self.tables:
            table.apply()

    def rollback(self) -> None:
        for table in self.tables:
            table.discard()
