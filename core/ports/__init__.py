"""The eight driven ports, as typing.Protocols, plus the unit of work that spans them.

| port                   | original driver                         |
|------------------------|-----------------------------------------|
| AnalyticsReadPort      | analytics_read_driver                   |
| CostWritePort          | cost_write_driver                       |
| CostAnomalyPort        | cost_anomaly_driver (+ read helpers)    |
| PatternDetectionPort   | pattern_detection_driver                |
| PredictionPort         | prediction_driver                       |
| ProvenancePort         | provenance_async                        |
| AuditPort              | audit_persistence                       |
| LeaderElection         | leader                                  |
"""

from core.ports.analytics import AnalyticsReadPort
from core.ports.anomalies import CostAnomalyPort
from core.ports.audit import AuditPort
from core.ports.costs import CostWritePort
from core.ports.leader import JobLock, LeaderElection, Lease
from core.ports.patterns import PatternDetectionPort
from core.ports.predictions import PredictionPort
from core.ports.provenance import ProvenancePort
from core.ports.unit_of_work import Storage, UnitOfWork

__all__ = [
    "AnalyticsReadPort", "AuditPort", "CostAnomalyPort", "CostWritePort", "JobLock",
    "Lease", "LeaderElection", "PatternDetectionPort", "PredictionPort", "ProvenancePort",
    "Storage", "UnitOfWork",
]
