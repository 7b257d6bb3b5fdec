"""Contract: CostWritePort (idempotent records, tag normalisation, tags, budgets, worker runs).

The tests live in costsight.testing.contract.test_cost_write; this module runs them on memory,
SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["cost_write"])
