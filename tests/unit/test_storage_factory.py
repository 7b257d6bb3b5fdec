"""Which adapter class each storage builds for every port of the unit of work (and the leader),
per backend: the factory test of the adapter families, as eventsourcing's factory tests do."""

from __future__ import annotations

from costsight.core.ports.unit_of_work import UnitOfWork

MEMORY = {
    "analytics": "costsight.adapters.memory.analytics.MemoryAnalytics",
    "costs": "costsight.adapters.memory.cost_write.MemoryCostWrite",
    "cost_anomalies": "costsight.adapters.memory.cost_anomaly.MemoryCostAnomaly",
    "cost_drivers": "costsight.adapters.memory.cost_driver.MemoryCostDriver",
    "anomaly_records": "costsight.adapters.memory.anomaly_record.MemoryAnomalyRecord",
    "patterns": "costsight.adapters.memory.pattern_detection.MemoryPatternDetection",
    "pattern_feedback": "costsight.adapters.memory.pattern_feedback.MemoryPatternFeedback",
    "predictions": "costsight.adapters.memory.prediction.MemoryPrediction",
    "prediction_records": "costsight.adapters.memory.prediction_record.MemoryPredictionRecord",
    "provenance": "costsight.adapters.memory.provenance.MemoryProvenance",
    "audit": "costsight.adapters.memory.audit.MemoryAudit",
    "alert_routes": "costsight.adapters.memory.alert_route.MemoryAlertRoute",
    "notifications": "costsight.adapters.memory.notification.MemoryNotification",
    "price_book": "costsight.adapters.memory.price_book.MemoryPriceBook",
    "forecasts": "costsight.adapters.memory.forecast.MemoryForecast",
    "rollups": "costsight.adapters.memory.rollup.MemoryRollup",
    "raw_retention": "costsight.adapters.memory.raw_retention.MemoryRawRetention",
}
SQL = {
    "analytics": "costsight.adapters.sql.analytics.SqlAnalytics",
    "costs": "costsight.adapters.sql.cost_write.SqlCostWrite",
    "cost_anomalies": "costsight.adapters.sql.cost_anomaly.SqlCostAnomaly",
    "cost_drivers": "costsight.adapters.sql.cost_driver.SqlCostDriver",
    "anomaly_records": "costsight.adapters.sql.anomaly_record.SqlAnomalyRecord",
    "patterns": "costsight.adapters.sql.pattern_detection.SqlPatternDetection",
    "pattern_feedback": "costsight.adapters.sql.pattern_feedback.SqlPatternFeedback",
    "predictions": "costsight.adapters.sql.prediction.SqlPrediction",
    "prediction_records": "costsight.adapters.sql.prediction_record.SqlPredictionRecord",
    "provenance": "costsight.adapters.sql.provenance.SqlProvenance",
    "audit": "costsight.adapters.sql.audit.SqlAudit",
    "alert_routes": "costsight.adapters.sql.alert_route.SqlAlertRoute",
    "notifications": "costsight.adapters.sql.notification.SqlNotification",
    "price_book": "costsight.adapters.sql.price_book.SqlPriceBook",
    "forecasts": "costsight.adapters.sql.forecast.SqlForecast",
    "rollups": "costsight.adapters.sql.rollup.SqlRollup",
    "raw_retention": "costsight.adapters.sql.raw_retention.SqlRawRetention",
}
LEADER = {
    "memory": ("costsight.adapters.memory.leader_election.MemoryLeaderElection", None),
    "sqlite": ("costsight.adapters.sql.leader_election.SqlLeaderElection",
               "costsight.adapters.sql.leader_sqlite.SqliteLeaderElection"),
    "postgresql": ("costsight.adapters.sql.leader_election.SqlLeaderElection",
                   "costsight.adapters.sql.leader_postgres.PostgresLeaderElection"),
}


def _qualname(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def test_the_tables_name_every_port_attribute_of_the_unit_of_work() -> None:
    # the ports are the protocol's read-only properties
    ports = {name for name, member in vars(UnitOfWork).items() if isinstance(member, property)}
    assert set(MEMORY) == set(SQL) == ports


async def test_the_storage_builds_its_family_s_adapter_for_every_port(storage) -> None:
    expected = MEMORY if storage.backend == "memory" else SQL
    async with storage.unit_of_work() as uow:
        built = {name: _qualname(getattr(uow, name)) for name in expected}
    assert built == expected


async def test_the_storage_builds_its_backend_s_leader_election(storage) -> None:
    adapter, mechanism = LEADER[storage.backend]
    assert _qualname(storage.leader) == adapter
    assert _qualname(storage.new_leader_election()) == adapter
    if mechanism is not None:
        assert _qualname(storage.leader.mechanism) == mechanism
