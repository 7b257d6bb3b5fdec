"""Contract: the price book port, run on memory, SQLite and Postgres through the shipped
suite (costsight.testing.contract.test_price_book)."""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["price_book"])
