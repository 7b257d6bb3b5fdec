"""Contract: every read of every port for one tenant shows that tenant's data only.

The tests live in costsight.testing.contract.test_tenant_isolation; this module runs them on memory,
SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite
from costsight.testing.contract.test_tenant_isolation import (  # noqa: F401 - used by
    tenant_ids,  # tests/reliability/test_tenant_isolation.py
)

contract_suite(globals(), modules=["tenant_isolation"])
