"""Contract: the unit of work is one transaction across every port (commit or nothing).

The tests live in costsight.testing.contract.test_unit_of_work; this module runs them on memory,
SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["unit_of_work"])
