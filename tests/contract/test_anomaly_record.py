"""Contract: CostAnomalyPort, the anomaly records (upsert with dedupe, list, get, status).

The tests live in costsight.testing.contract.test_anomaly_record; this module runs them on memory,
SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["anomaly_record"])
