"""Contract: money at its exact bounds through the write ports, on every backend.

The tests live in costsight.testing.contract.test_money_bounds; this module runs them on memory,
SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["money_bounds"])
