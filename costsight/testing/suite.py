"""``contract_suite``: install the shipped contract tests into a pytest module."""

from __future__ import annotations

import importlib
from collections.abc import MutableMapping, Sequence
from typing import Any

import pytest

#: Every contract module, by the name after ``costsight.testing.contract.test_``. A port
#: ``XPort`` has its module ``x``; the others check what spans the ports.
CONTRACT_MODULES = (
    "alert_route", "notification", "forecast", "analytics", "anomaly_record", "audit",
    "cost_anomaly", "cost_driver", "cost_write", "leader_election", "price_book", "raw_retention",
    "pattern_detection", "pattern_feedback", "prediction", "prediction_record", "provenance",
    "rollup",
    "money_bounds", "pagination", "stored_rows", "tenant_isolation", "unit_of_work",
)


def _is_fixture(obj: object) -> bool:
    # pytest >= 8.4 wraps fixtures in FixtureFunctionDefinition; older versions mark them.
    return (getattr(obj, "_fixture_function_marker", None) is not None
            or getattr(obj, "_pytestfixturefunction", None) is not None)


def contract_suite(namespace: MutableMapping[str, Any], *,
                   modules: Sequence[str] | None = None) -> list[str]:
    """Install the contract tests of ``modules`` (default: all of ``CONTRACT_MODULES``) into
    ``namespace``, a test module's ``globals()``. Returns the names of the installed tests.

    The tests need a fixture named ``storage`` that yields a fresh, empty ``Storage`` (see
    ``costsight.core.ports.unit_of_work``) for every test, defined in that module or a
    conftest.py; the leader-election tests also call ``storage.new_leader_election()``.
    Installing one module keeps test names as they are; installing several prefixes each with
    its module (``test_audit__append_...``) so equal names cannot shadow each other.
    """
    chosen = list(CONTRACT_MODULES if modules is None else modules)
    unknown = sorted(set(chosen) - set(CONTRACT_MODULES))
    if unknown or not chosen:
        raise ValueError(f"modules: unknown contract module(s) {unknown or chosen!r} "
                         f"(allowed: {', '.join(CONTRACT_MODULES)})")
    installed: list[str] = []
    for stem in chosen:
        module = importlib.import_module(f"costsight.testing.contract.test_{stem}")
        for name, obj in vars(module).items():
            if _is_fixture(obj):
                _install(namespace, name, obj)
            elif name.startswith("test") and callable(obj):
                key = name if len(chosen) == 1 else f"test_{stem}__{name.removeprefix('test_')}"
                _install(namespace, key, obj)
                installed.append(key)
    marks = namespace.get("pytestmark", [])
    marks = list(marks) if isinstance(marks, list | tuple) else [marks]
    # Explicit, so the suite runs under any anyio_mode (costsight's own runs use "auto").
    namespace["pytestmark"] = [*marks, pytest.mark.anyio]
    return installed


def _install(namespace: MutableMapping[str, Any], name: str, obj: object) -> None:
    current = namespace.get(name)
    if current is not None and current is not obj:
        raise ValueError(f"{name}: the test module already defines this name; the contract "
                         "suite would replace it (rename yours)")
    namespace[name] = obj
