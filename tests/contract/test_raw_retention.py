"""Contract: RawRetentionPort (a tenant's raw rows before a cutoff, removed in batches).

The tests live in costsight.testing.contract.test_raw_retention; this module runs them on
memory, SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["raw_retention"])
