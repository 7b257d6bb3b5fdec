"""The unit of work spanning the transactional ports, and the storage that hands them out."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from costsight.core.ports.alert_route import AlertRoutePort
from costsight.core.ports.analytics import AnalyticsPort
from costsight.core.ports.anomaly_record import AnomalyRecordPort
from costsight.core.ports.audit import AuditPort
from costsight.core.ports.cost_anomaly import CostAnomalyPort
from costsight.core.ports.cost_driver import CostDriverPort
from costsight.core.ports.cost_write import CostWritePort
from costsight.core.ports.forecast import ForecastPort
from costsight.core.ports.leader_election import LeaderElectionPort
from costsight.core.ports.notification import NotificationPort
from costsight.core.ports.pattern_detection import PatternDetectionPort
from costsight.core.ports.pattern_feedback import PatternFeedbackPort
from costsight.core.ports.prediction import PredictionPort
from costsight.core.ports.prediction_record import PredictionRecordPort
from costsight.core.ports.price_book import PriceBookPort
from costsight.core.ports.provenance import ProvenancePort
from costsight.core.ports.raw_retention import RawRetentionPort
from costsight.core.ports.rollup import RollupPort


class UnitOfWork(Protocol):
    """One transaction across every transactional port.

    ``async with storage.unit_of_work() as uow:`` opens it; leaving the block without
    ``await uow.commit()`` rolls everything back (also on exceptions, which propagate).
    Adapters never commit on their own. A unit of work is used by one task at a time.
    """

    # Read-only members (properties), so an adapter's own port classes satisfy them: a plain
    # ``analytics: AnalyticsPort`` would be settable, hence invariant, and refuse MemoryAnalytics.
    @property
    def analytics(self) -> AnalyticsPort: ...
    @property
    def costs(self) -> CostWritePort: ...
    @property
    def cost_anomalies(self) -> CostAnomalyPort: ...
    @property
    def cost_drivers(self) -> CostDriverPort: ...
    @property
    def anomaly_records(self) -> AnomalyRecordPort: ...
    @property
    def patterns(self) -> PatternDetectionPort: ...
    @property
    def pattern_feedback(self) -> PatternFeedbackPort: ...
    @property
    def predictions(self) -> PredictionPort: ...
    @property
    def prediction_records(self) -> PredictionRecordPort: ...
    @property
    def provenance(self) -> ProvenancePort: ...
    @property
    def audit(self) -> AuditPort: ...
    @property
    def alert_routes(self) -> AlertRoutePort: ...
    @property
    def notifications(self) -> NotificationPort: ...
    @property
    def price_book(self) -> PriceBookPort: ...
    @property
    def forecasts(self) -> ForecastPort: ...
    @property
    def rollups(self) -> RollupPort: ...
    @property
    def raw_retention(self) -> RawRetentionPort: ...

    async def commit(self) -> None:
        """Make every write of this unit durable and visible to others."""
        ...

    async def rollback(self) -> None:
        """Discard every write of this unit."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None: ...


class Storage(Protocol):
    """An adapter family (memory, SQLite, Postgres) wired to one database."""

    @property
    def backend(self) -> str:
        """``memory``, ``sqlite`` or ``postgresql``."""
        ...

    @property
    def leader(self) -> LeaderElectionPort:
        """This storage's own contender for the job locks."""
        ...

    def unit_of_work(self) -> UnitOfWork:
        """A new, not yet entered, unit of work."""
        ...

    def new_leader_election(self, holder: str | None = None) -> LeaderElectionPort:
        """Another contender for the same job locks, as another process would be (its own
        connections or holder name); released by ``aclose``."""
        ...

    async def aclose(self) -> None:
        """Release connections and pools."""
        ...
