"""Contract: the whole row each write rule leaves behind, every field, on every backend.

The tests live in costsight.testing.contract.test_stored_rows; this module runs them on memory,
SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["stored_rows"])
