"""An adapter living outside the package passes the whole shipped contract suite.

A tiny package written to a temporary folder wraps MemoryStorage behind its own classes (so
nothing of it is costsight's), and its tests are README's "Prove your own adapter" files as
written there (``my_store.MyStorage`` swapped for the wrapper).
pytest runs it in a subprocess, outside this repository's configuration (strict AnyIO mode, no
costsight conftest); the JUnit report must list every shipped test, each passed.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from costsight.testing import CONTRACT_MODULES

pytestmark = pytest.mark.memory

ADAPTER = '''
"""A third-party Storage: MemoryStorage behind wrappers of its own."""

from costsight.adapters.memory import MemoryStorage


class WrappedUnitOfWork:
    PORTS = ("analytics", "costs", "cost_anomalies", "cost_drivers", "anomaly_records", "patterns",
             "pattern_feedback", "predictions", "prediction_records", "provenance", "audit",
             "alert_routes", "notifications", "price_book", "forecasts", "rollups",
             "raw_retention")

    def __init__(self, inner):
        self._inner = inner
        for name in self.PORTS:
            setattr(self, name, getattr(inner, name))

    async def commit(self):
        await self._inner.commit()

    async def rollback(self):
        await self._inner.rollback()

    async def __aenter__(self):
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc):
        return await self._inner.__aexit__(*exc)


class WrappedStorage:
    backend = "wrapped-memory"

    def __init__(self):
        self._inner = MemoryStorage()
        self.leader = self._inner.leader

    def new_leader_election(self, holder=None):
        return self._inner.new_leader_election(holder)

    def unit_of_work(self):
        return WrappedUnitOfWork(self._inner.unit_of_work())

    async def aclose(self):
        await self._inner.aclose()
'''



def _readme_files() -> tuple[str, str]:
    """The conftest.py and test module README's "Prove your own adapter" shows."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = text.split("## Prove your own adapter", 1)[1].split("\n## ", 1)[0]
    conftest, suite = re.findall(r"```python\n(.*?)```", section, re.S)
    return conftest.replace("my_store", "wrapped_store").replace("MyStorage", "WrappedStorage"), suite


def _expected_tests() -> set[str]:
    import importlib

    names = set()
    for stem in CONTRACT_MODULES:
        module = importlib.import_module(f"costsight.testing.contract.test_{stem}")
        names |= {f"test_{stem}__{name.removeprefix('test_')}"
                  for name, obj in vars(module).items()
                  if name.startswith("test") and inspect.isfunction(obj)}
    return names


def _run_suite(tmp_path: Path, adapter: str) -> tuple[subprocess.CompletedProcess, ET.Element]:
    project = tmp_path / "third_party"
    (project / "tests").mkdir(parents=True)
    (project / "wrapped_store.py").write_text(textwrap.dedent(adapter))
    conftest, suite_module = _readme_files()
    (project / "tests" / "conftest.py").write_text(conftest)
    (project / "tests" / "test_costsight_contract.py").write_text(suite_module)
    (project / "pytest.ini").write_text("[pytest]\n")  # its own rootdir and configuration
    report = tmp_path / "report.xml"
    env = {**os.environ, "PYTHONPATH": str(project)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error",
         f"--junitxml={report}", "tests"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600)
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None, done.stdout[-4000:] + done.stderr[-2000:]
    return done, suite


def test_an_out_of_tree_adapter_passes_the_whole_suite(tmp_path: Path) -> None:
    done, suite = _run_suite(tmp_path, ADAPTER)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")
    ran = {case.get("name", "").split("[")[0] for case in suite.iter("testcase")}
    assert ran == _expected_tests()
    assert int(suite.get("tests", "0")) >= len(ran) > 100


def test_the_suite_fails_an_adapter_whose_commit_keeps_nothing(tmp_path: Path) -> None:
    broken = ADAPTER.replace("        await self._inner.commit()", "        pass")
    assert broken != ADAPTER
    done, suite = _run_suite(tmp_path, broken)
    assert done.returncode == 1
    assert int(suite.get("failures", "0")) > 50
