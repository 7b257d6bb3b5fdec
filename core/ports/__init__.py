"""The driven ports, as typing.Protocols, plus the unit of work that spans them.

Names pair mechanically: the port ``XPort`` lives in ``core/ports/x.py``, its in-memory adapter
``MemoryX`` in ``adapters/memory/x.py``, its SQL adapter ``SqlX`` in ``adapters/sql/x.py`` and
its contract tests in ``tests/contract/test_x.py`` (``tests/unit/test_port_names.py`` checks).

| port                   | original driver                         |
|------------------------|-----------------------------------------|
| AnalyticsPort          | analytics_read_driver                   |
| CostWritePort          | cost_write_driver                       |
| CostAnomalyPort        | cost_anomaly_driver (+ read helpers)    |
| AnomalyRecordPort      | cost_anomaly_driver (stored anomalies)  |
| PatternDetectionPort   | pattern_detection_driver                |
| PatternFeedbackPort    | pattern_detection_driver (feedback)     |
| PredictionPort         | prediction_driver                       |
| PredictionRecordPort   | prediction_driver (stored predictions)  |
| ProvenancePort         | provenance_async                        |
| AuditPort              | audit_persistence                       |
| LeaderElectionPort     | leader                                  |
| PriceBookPort          | (new) model prices for cost at ingest   |
| ForecastPort           | (new) forecast snapshots                |
| RollupPort             | (new) rebuild/verify the spend rollups  |
| RawRetentionPort       | (new) raw cost record retention         |
"""

from costsight.core.ports.analytics import AnalyticsPort
from costsight.core.ports.anomaly_record import AnomalyRecordPort
from costsight.core.ports.audit import AuditPort
from costsight.core.ports.cost_anomaly import CostAnomalyPort
from costsight.core.ports.cost_write import CostWritePort
from costsight.core.ports.forecast import ForecastPort
from costsight.core.ports.leader_election import JobLock, LeaderElectionPort, Lease
from costsight.core.ports.pattern_detection import PatternDetectionPort
from costsight.core.ports.pattern_feedback import PatternFeedbackPort
from costsight.core.ports.prediction import PredictionPort
from costsight.core.ports.prediction_record import PredictionRecordPort
from costsight.core.ports.price_book import PriceBookPort
from costsight.core.ports.provenance import ProvenancePort
from costsight.core.ports.raw_retention import RawRetentionPort
from costsight.core.ports.rollup import RollupPort
from costsight.core.ports.unit_of_work import Storage, UnitOfWork

__all__ = [
    "AnalyticsPort", "AnomalyRecordPort", "AuditPort", "CostAnomalyPort", "CostWritePort",
    "ForecastPort", "JobLock", "Lease", "LeaderElectionPort", "PatternDetectionPort",
    "PatternFeedbackPort", "PredictionPort", "PredictionRecordPort", "PriceBookPort",
    "ProvenancePort", "RawRetentionPort", "RollupPort", "Storage", "UnitOfWork",
]
