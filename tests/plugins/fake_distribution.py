"""A fake installed distribution exposing ``costsight`` entry points, for pluggy to find.

``importlib.metadata.distributions`` is patched to add it, which is exactly where
``PluginManager.load_setuptools_entrypoints`` looks; nothing is installed.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


class FakeDistribution(importlib.metadata.Distribution):
    def __init__(self, name: str, entry_points: dict[str, str]) -> None:
        self._name = name
        lines = "\n".join(f"{ep} = {target}" for ep, target in entry_points.items())
        self._files = {
            "METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
            "entry_points.txt": f"[costsight]\n{lines}\n",
        }

    def read_text(self, filename: str) -> str | None:
        return self._files.get(filename)

    def locate_file(self, path: str | Path) -> Path:  # pragma: no cover - never read
        return Path("/nonexistent") / path


@contextmanager
def installed(monkeypatch: pytest.MonkeyPatch, dist: FakeDistribution) -> Iterator[None]:
    real = importlib.metadata.distributions

    def distributions(**kwargs: object) -> Iterator[importlib.metadata.Distribution]:
        yield from real(**kwargs)
        yield dist

    with monkeypatch.context() as patch:
        patch.setattr(importlib.metadata, "distributions", distributions)
        yield
