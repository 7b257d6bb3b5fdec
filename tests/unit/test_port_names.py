"""Names pair mechanically: port ``XPort`` in ``core/ports/x.py``, ``MemoryX`` in
``adapters/memory/x.py``, ``SqlX`` in ``adapters/sql/x.py``, contract tests shipped in
``costsight/testing/contract/test_x.py`` and run on our backends by ``tests/contract/test_x.py``.
Walks the ports folder, so a new port without its pair fails."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Protocol

import pytest

from costsight.testing import CONTRACT_MODULES

ROOT = Path(__file__).resolve().parents[2]
PORTS_DIR = ROOT / "core" / "ports"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _ports() -> list[tuple[str, type]]:
    found = []
    for path in sorted(PORTS_DIR.glob("*.py")):
        if path.stem == "__init__":
            continue
        module = importlib.import_module(f"costsight.core.ports.{path.stem}")
        for name, obj in vars(module).items():
            if (name.endswith("Port") and inspect.isclass(obj) and Protocol in obj.__mro__
                    and obj.__module__ == module.__name__):
                found.append((path.stem, obj))
    return found


PORTS = _ports()


def test_the_walk_finds_every_port() -> None:
    # Guards the walk itself: an empty or shrunken list would make the pairing vacuous.
    assert sorted(port.__name__ for _, port in PORTS) == [
        "AlertRoutePort", "AnalyticsPort", "AnomalyRecordPort", "AuditPort", "CostAnomalyPort",
        "CostDriverPort", "CostWritePort",
        "ForecastPort", "LeaderElectionPort", "NotificationPort", "PatternDetectionPort",
        "PatternFeedbackPort", "PredictionPort", "PredictionRecordPort", "PriceBookPort",
        "ProvenancePort", "RawRetentionPort", "RollupPort"]


def _methods(cls: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(fn) for name, fn in vars(cls).items()
            if not name.startswith("_") and callable(fn)}


@pytest.mark.parametrize(("stem", "port"), PORTS, ids=[p.__name__ for _, p in PORTS])
def test_port_module_adapters_and_contract_tests_pair_by_name(stem: str, port: type) -> None:
    x = port.__name__.removesuffix("Port")
    assert stem == _snake(x), f"{port.__name__} must live in core/ports/{_snake(x)}.py"
    for family, prefix in (("memory", "Memory"), ("sql", "Sql")):
        path = ROOT / "adapters" / family / f"{stem}.py"
        assert path.is_file(), f"missing adapters/{family}/{stem}.py"
        module = importlib.import_module(f"costsight.adapters.{family}.{stem}")
        adapter = getattr(module, prefix + x, None)
        assert inspect.isclass(adapter), f"adapters/{family}/{stem}.py must define {prefix}{x}"
        # Same methods with the same parameters: the pair really implements the port.
        for name, signature in _methods(port).items():
            assert hasattr(adapter, name), f"{prefix}{x} lacks {port.__name__}.{name}"
            mine = inspect.signature(getattr(adapter, name))
            assert list(mine.parameters) == list(signature.parameters), (
                f"{prefix}{x}.{name}{mine} differs from {port.__name__}.{name}{signature}")
    assert (ROOT / "costsight" / "testing" / "contract" / f"test_{stem}.py").is_file(), (
        f"missing costsight/testing/contract/test_{stem}.py")
    assert stem in CONTRACT_MODULES
    thin = ROOT / "tests" / "contract" / f"test_{stem}.py"
    assert thin.is_file(), f"missing tests/contract/test_{stem}.py"
    assert f'contract_suite(globals(), modules=["{stem}"])' in thin.read_text()


def test_every_shipped_contract_module_is_listed_and_run_on_our_backends() -> None:
    shipped = sorted(p.stem.removeprefix("test_") for p in
                     (ROOT / "costsight" / "testing" / "contract").glob("test_*.py"))
    assert shipped == sorted(CONTRACT_MODULES)
    for stem in shipped:
        thin = (ROOT / "tests" / "contract" / f"test_{stem}.py").read_text()
        assert f'contract_suite(globals(), modules=["{stem}"])' in thin


def test_adapter_modules_are_named_for_a_port_or_are_helpers() -> None:
    """A module defining a class named Memory*/Sql* that implements a port is that port's
    module; helpers keep role names and hold no port adapter."""
    stems = {stem for stem, _ in PORTS}
    for family, prefix in (("memory", "Memory"), ("sql", "Sql")):
        for path in sorted((ROOT / "adapters" / family).glob("*.py")):
            module = importlib.import_module(f"costsight.adapters.{family}.{path.stem}")
            for name, obj in vars(module).items():
                if not (inspect.isclass(obj) and obj.__module__ == module.__name__):
                    continue
                port_named = f"{name.removeprefix(prefix)}Port"
                if name.startswith(prefix) and any(p.__name__ == port_named for _, p in PORTS):
                    assert path.stem in stems and _snake(name.removeprefix(prefix)) == path.stem
