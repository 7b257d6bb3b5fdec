"""Contract: ProvenancePort (real ids, all-or-nothing batches, queries, drift stats, dedupe).

The tests live in costsight.testing.contract.test_provenance; this module runs them on memory,
SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["provenance"])
