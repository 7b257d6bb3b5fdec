"""MemoryStorage and MemoryUnitOfWork: the in-memory adapter family (shipped fakes).

The storage holds the committed tables (see ``_tables`` for the isolation model: READ
COMMITTED reads, private writes until commit, unique indexes re-checked at commit, concurrent
commits of the same row last-writer-wins) and the leader-election lock map.
"""

from __future__ import annotations

import itertools
from types import TracebackType
from typing import Self

from costsight.adapters.memory._tables import CommittedState, Tx
from costsight.adapters.memory.alert_route import MemoryAlertRoute
from costsight.adapters.memory.analytics import MemoryAnalytics
from costsight.adapters.memory.anomaly_record import MemoryAnomalyRecord
from costsight.adapters.memory.audit import MemoryAudit
from costsight.adapters.memory.cost_anomaly import MemoryCostAnomaly
from costsight.adapters.memory.cost_driver import MemoryCostDriver
from costsight.adapters.memory.cost_write import MemoryCostWrite
from costsight.adapters.memory.forecast import MemoryForecast
from costsight.adapters.memory.leader_election import LockTable, MemoryLeaderElection
from costsight.adapters.memory.notification import MemoryNotification
from costsight.adapters.memory.pattern_detection import MemoryPatternDetection
from costsight.adapters.memory.pattern_feedback import MemoryPatternFeedback
from costsight.adapters.memory.prediction import MemoryPrediction
from costsight.adapters.memory.prediction_record import MemoryPredictionRecord
from costsight.adapters.memory.price_book import MemoryPriceBook
from costsight.adapters.memory.provenance import MemoryProvenance
from costsight.adapters.memory.raw_retention import MemoryRawRetention
from costsight.adapters.memory.rollup import MemoryRollup
from costsight.core.errors import CostsightError
from costsight.core.timeutil import Clock, SystemClock


class MemoryUnitOfWork:
    """One transaction over the storage's tables; rolls back unless committed."""

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self._tx = Tx(storage._state, storage.clock, storage._next_provenance_id)
        self.analytics = MemoryAnalytics(self._tx)
        self.price_book = MemoryPriceBook(self._tx)
        self.costs = MemoryCostWrite(self._tx, self.price_book)
        self.cost_anomalies = MemoryCostAnomaly(self._tx)
        self.cost_drivers = MemoryCostDriver(self._tx)
        self.anomaly_records = MemoryAnomalyRecord(self._tx)
        self.patterns = MemoryPatternDetection(self._tx)
        self.pattern_feedback = MemoryPatternFeedback(self._tx)
        self.predictions = MemoryPrediction(self._tx)
        self.prediction_records = MemoryPredictionRecord(self._tx)
        self.provenance = MemoryProvenance(self._tx)
        self.audit = MemoryAudit(self._tx)
        self.alert_routes = MemoryAlertRoute(self._tx)
        self.notifications = MemoryNotification(self._tx)
        self.forecasts = MemoryForecast(self._tx)
        self.rollups = MemoryRollup(self._tx)
        self.raw_retention = MemoryRawRetention(self._tx)

    async def commit(self) -> None:
        """Publish every write of this unit; a unique-key clash with a unit that committed
        first raises Conflict and rolls this unit back. The unit stays usable afterwards."""
        self._storage._check_open()
        self._tx.commit()

    async def rollback(self) -> None:
        self._tx.rollback()

    async def __aenter__(self) -> Self:
        self._storage._check_open()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        # Anything not committed is discarded; exceptions propagate (we return None).
        self._tx.rollback()


class MemoryStorage:
    """The in-memory Storage: all state lives in this object and dies with it.

    ``clock`` stamps created_at/updated_at where the database would use now() (feature tags,
    budgets, audit rows, provenance without created_at). ``leader`` is this storage's
    contender; ``new_leader_election()`` makes more contenders for the SAME locks.
    """

    backend = "memory"

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self._state = CommittedState()
        self._provenance_ids = itertools.count(1)  # a sequence: never rolled back or reused
        self._locks = LockTable()
        self._closed = False
        self.leader = self.new_leader_election()

    def _next_provenance_id(self) -> int:
        return next(self._provenance_ids)

    def _check_open(self) -> None:
        if self._closed:
            raise CostsightError("memory storage is closed; open a new one")

    def new_leader_election(self, holder: str | None = None) -> MemoryLeaderElection:
        """Another contender (like another process) for this storage's leader locks."""
        return MemoryLeaderElection(self._locks, holder=holder, clock=self.clock)

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    async def aclose(self) -> None:
        """Nothing to release; later units of work are refused."""
        self._closed = True
