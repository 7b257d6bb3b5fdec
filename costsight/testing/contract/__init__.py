"""The contract test modules (one per port, plus cross-cutting ones) and their builders.

Do not collect this package directly: install it with ``costsight.testing.contract_suite``,
which also marks every test for AnyIO and needs a ``storage`` fixture.
"""
