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

from costsight.core.ports.analytics import AnalyticsReadPort
from costsight.core.ports.anomalies import CostAnomalyPort
from costsight.core.ports.audit import AuditPort
from costsight.core.ports.costs import CostWritePort
from costsight.core.ports.leader import JobLock, LeaderElection, Lease
from costsight.core.ports.patterns import PatternDetectionPort
from costsight.core.ports.predictions import PredictionPort
from costsight.core.ports.provenance import ProvenancePort
from costsight.core.ports.unit_of_work import Storage, UnitOfWork

__all__ = [
    "AnalyticsReadPort", "AuditPort", "CostAnomalyPort", "CostWritePort", "JobLock",
    "Lease", "LeaderElection", "PatternDetectionPort", "PredictionPort", "ProvenancePort",
    "Storage", "UnitOfWork",
]
