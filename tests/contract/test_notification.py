"""Contract: the alerts port notification, run on memory, SQLite and Postgres through the shipped
suite (costsight.testing.contract.test_notification)."""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["notification"])
