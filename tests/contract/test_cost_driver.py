"""Contract: CostDriverPort on memory, SQLite and Postgres (tests in
costsight.testing.contract.test_cost_driver)."""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["cost_driver"])
