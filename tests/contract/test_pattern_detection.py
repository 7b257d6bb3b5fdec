"""Contract: PatternDetectionPort (bounded, newest-first reads of worker runs).

The tests live in costsight.testing.contract.test_pattern_detection; this module runs them on memory,
SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["pattern_detection"])
