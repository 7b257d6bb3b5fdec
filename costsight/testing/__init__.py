"""costsight's contract suite, shipped with the package so any ``Storage`` can prove itself.

One entry point, ``contract_suite(globals())``, installs the contract tests into a pytest
module; that module (or a ``conftest.py`` above it) defines a fixture ``storage`` yielding a
fresh, empty ``Storage`` per test. costsight's own memory, SQLite and Postgres runs use the
same call (``tests/contract/``). Needs the ``testing`` extra (pytest, hypothesis, anyio's
pytest plugin). See README, "Prove your own adapter".
"""

from costsight.testing.suite import CONTRACT_MODULES, contract_suite

__all__ = ["CONTRACT_MODULES", "contract_suite"]
