"""The built wheel holds exactly one top-level package, ``costsight``, and everything it needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tracked_copy(target: Path) -> None:
    """Copy what a clean clone would hold: the tracked files, symlinks kept as symlinks."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source, dest = ROOT / name, target / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree, not yet committed
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            dest.symlink_to(source.readlink())
        else:
            shutil.copy2(source, dest)


@pytest.mark.slow
def test_wheel_holds_only_the_costsight_package(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    _tracked_copy(clone)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(tmp_path / "dist"), str(clone)], check=True)
    [wheel] = (tmp_path / "dist").glob("costsight-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(
        ".dist-info")}
    assert top_level == {"costsight"}
    for module in ("costsight/bootstrap.py", "costsight/cli/main.py",
                   "costsight/core/application.py", "costsight/adapters/sql/storage.py",
                   "costsight/plugins/anomaly/spike.py", "costsight/mcp_server/server.py",
                   "costsight/receiver/app.py", "costsight/bearer_tokens.py",
                   "costsight/demo/generator.py",
                   "costsight/adapters/sql/migrations/alembic.ini",
                   "costsight/adapters/sql/migrations/versions/0001_initial.py"):
        assert module in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "costsight = costsight.cli.main:main" in zipfile.ZipFile(wheel).read(
        entry_points).decode()
