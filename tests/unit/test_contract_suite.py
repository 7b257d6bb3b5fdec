"""costsight.testing.contract_suite: what it installs into a test module, and what it refuses."""

from __future__ import annotations

import pytest

from costsight.testing import CONTRACT_MODULES, contract_suite


def test_one_module_keeps_names_and_brings_its_fixtures() -> None:
    namespace: dict = {}
    installed = contract_suite(namespace, modules=["leader_election"])
    assert installed and all(name.startswith("test_") and "__" not in name for name in installed)
    assert "contenders" in namespace  # the module's own fixture travels with its tests
    assert [m.name for m in namespace["pytestmark"]] == ["anyio"]


def test_several_modules_are_prefixed_so_equal_names_cannot_shadow() -> None:
    namespace: dict = {}
    installed = contract_suite(namespace)
    assert {name.split("__")[0].removeprefix("test_") for name in installed} == set(
        CONTRACT_MODULES)
    assert len(installed) == len(set(installed))


def test_unknown_modules_and_clashing_names_are_refused() -> None:
    with pytest.raises(ValueError, match=r"modules: unknown contract module\(s\) \['nope'\]"):
        contract_suite({}, modules=["audit", "nope"])
    namespace = {"contenders": object()}
    with pytest.raises(ValueError, match="contenders: the test module already defines"):
        contract_suite(namespace, modules=["leader_election"])
