"""The README's embedding example runs as written and finds the spike it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _embedding_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Embedding the core", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README has no python example under 'Embedding the core'"
    return match.group(1)


def test_embedding_example_runs_and_finds_the_spike(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(_embedding_example())
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # Alice is the tenant's only spender, so the tenant spikes with her.
    assert done.stdout.splitlines() == ["ABSOLUTE_SPIKE user alice HIGH 300%",
                                        "ABSOLUTE_SPIKE tenant acme HIGH 300%"], done.stdout


def test_quick_start_has_exactly_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
