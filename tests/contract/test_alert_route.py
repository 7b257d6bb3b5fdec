"""Contract: the alerts port alert_route, run on memory, SQLite and Postgres through the shipped
suite (costsight.testing.contract.test_alert_route)."""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["alert_route"])
