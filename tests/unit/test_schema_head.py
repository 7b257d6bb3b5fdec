"""``schema_check.read_head``: the head from the scripts' text, None whenever that is unclear."""

from __future__ import annotations

from pathlib import Path

from costsight.adapters.sql.schema_check import read_head


def _script(directory: Path, name: str, body: str) -> None:
    (directory / f"{name}.py").write_text(f'"""{name}"""\n\nfrom alembic import op\n\n{body}\n')


def test_a_chain_has_the_revision_no_other_revises_as_head(tmp_path: Path) -> None:
    _script(tmp_path, "0001_first", 'revision = "0001"\ndown_revision = None')
    _script(tmp_path, "0002_second", "revision = '0002'\ndown_revision = '0001'")
    _script(tmp_path, "0003_third", 'revision: str = "0003"\ndown_revision: str | None = "0002"')
    assert read_head(tmp_path) == "0003"


def test_two_heads_leave_the_decision_to_alembic(tmp_path: Path) -> None:
    _script(tmp_path, "0001_first", 'revision = "0001"\ndown_revision = None')
    _script(tmp_path, "0002_a", 'revision = "0002a"\ndown_revision = "0001"')
    _script(tmp_path, "0002_b", 'revision = "0002b"\ndown_revision = "0001"')
    assert read_head(tmp_path) is None


def test_a_merge_revision_or_a_computed_id_leaves_the_decision_to_alembic(
        tmp_path: Path) -> None:
    _script(tmp_path, "0001_first", 'revision = "0001"\ndown_revision = None')
    _script(tmp_path, "0002_merge", 'revision = "0002"\ndown_revision = ("0001", "0000")')
    assert read_head(tmp_path) is None
    computed = tmp_path / "computed"
    computed.mkdir()
    _script(computed, "0001_first", 'revision = "0001"\ndown_revision = None')
    _script(computed, "0002_second", 'revision = PREFIX + "2"\ndown_revision = "0001"')
    assert read_head(computed) is None


def test_a_revision_written_twice_leaves_the_decision_to_alembic(tmp_path: Path) -> None:
    _script(tmp_path, "0001_first", 'revision = "0001"\ndown_revision = None')
    _script(tmp_path, "0001_again", 'revision = "0001"\ndown_revision = None')
    assert read_head(tmp_path) is None
