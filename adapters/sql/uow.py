"""One transaction on one connection, shared by every port adapter of the unit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from costsight.adapters.sql.alert_route import SqlAlertRoute
from costsight.adapters.sql.analytics import SqlAnalytics
from costsight.adapters.sql.anomaly_record import SqlAnomalyRecord
from costsight.adapters.sql.audit import SqlAudit
from costsight.adapters.sql.cost_anomaly import SqlCostAnomaly
from costsight.adapters.sql.cost_driver import SqlCostDriver
from costsight.adapters.sql.cost_write import SqlCostWrite
from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.forecast import SqlForecast
from costsight.adapters.sql.notification import SqlNotification
from costsight.adapters.sql.pattern_detection import SqlPatternDetection
from costsight.adapters.sql.pattern_feedback import SqlPatternFeedback
from costsight.adapters.sql.prediction import SqlPrediction
from costsight.adapters.sql.prediction_record import SqlPredictionRecord
from costsight.adapters.sql.price_book import SqlPriceBook
from costsight.adapters.sql.provenance import SqlProvenance
from costsight.adapters.sql.raw_retention import SqlRawRetention
from costsight.adapters.sql.rollup import SqlRollup
from costsight.adapters.sql.rollup_pending import PendingRollups


class SqlUnitOfWork:
    """``async with`` opens a connection and begins a transaction; without ``commit()`` the
    exit rolls back. Exceptions propagate. The port adapters never commit themselves."""

    def __init__(self, engine: AsyncEngine, dialect: SqlDialect) -> None:
        self._engine = engine
        self._dialect = dialect
        self._conn: AsyncConnection | None = None
        #: rollups of bulk cost writes, added at commit (rollup_pending)
        self._pending = PendingRollups()

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("this unit of work is already open; create a new one")
        conn = await self._engine.connect()
        try:
            await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        d = self._dialect
        self.analytics = SqlAnalytics(conn, d)
        self.price_book = SqlPriceBook(conn, d)
        self.costs = SqlCostWrite(conn, d, self.price_book, self._pending)
        self.cost_anomalies = SqlCostAnomaly(conn, d)
        self.cost_drivers = SqlCostDriver(conn, d)
        self.anomaly_records = SqlAnomalyRecord(conn, d)
        self.patterns = SqlPatternDetection(conn, d)
        self.pattern_feedback = SqlPatternFeedback(conn, d)
        self.predictions = SqlPrediction(conn, d)
        self.prediction_records = SqlPredictionRecord(conn, d)
        self.provenance = SqlProvenance(conn, d)
        self.audit = SqlAudit(conn, d)
        self.alert_routes = SqlAlertRoute(conn, d)
        self.notifications = SqlNotification(conn, d)
        self.forecasts = SqlForecast(conn, d)
        self.rollups = SqlRollup(conn, d)
        self.raw_retention = SqlRawRetention(conn, d)
        return self

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open: use `async with`")
        return self._conn

    async def commit(self) -> None:
        """Commit; the next statement (if any) starts a new transaction on the same connection."""
        conn = self.connection
        if conn.in_transaction():
            try:
                await self._pending.flush(conn)
                await conn.commit()
            finally:
                self._pending.reset()

    async def rollback(self) -> None:
        conn = self.connection
        self._pending.reset()
        if conn.in_transaction():
            await conn.rollback()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        conn, self._conn = self._conn, None
        self._pending.reset()
        if conn is None:
            return
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()
