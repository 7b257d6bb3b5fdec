"""``costsight prices`` and ``costsight reprice`` end to end on SQLite, with ``model_price``
and cost-less ``cost_record`` lines through ``costsight ingest``."""

from __future__ import annotations

import json
from pathlib import Path

LINES = [
    {"type": "model_price", "model": "acme-model", "effective_from": "2026-01-01T00:00:00Z",
     "rates": {"input_mtok": 100, "output_mtok": "400",
               "cache_read_mtok": {"base": 10, "tiers": [{"start": 200000, "rate": 20}]}}},
    {"type": "cost_record", "tenant_id": "acme", "model": "acme-model", "input_tokens": 1000,
     "output_tokens": 500, "created_at": "2026-02-01T00:00:00Z", "request_id": "a"},
    {"type": "cost_record", "tenant_id": "acme", "model": "mystery-model", "input_tokens": 9,
     "created_at": "2026-02-01T00:00:00Z", "request_id": "b"},
    {"type": "cost_record", "tenant_id": "acme", "model": "acme-model", "cost_cents": 5,
     "created_at": "2026-02-01T00:00:00Z", "request_id": "c"},
]


def _ingest(cli, tmp_path: Path, lines: list[dict[str, object]]) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = cli("ingest", str(path))
    assert result.code == 0, result.err


def test_model_price_lines_and_costless_records_then_set_show_and_reprice(
        cli, tmp_path: Path) -> None:
    _ingest(cli, tmp_path, LINES)
    listed = cli("prices", "list", "--json").json()["prices"]
    assert [(p["model"], p["rates_cents"]["input_mtok"], p["source"]) for p in listed] == [
        ("acme-model", "100", "override")]
    assert listed[0]["rates_cents"]["cache_read_mtok"] == {
        "base": "10", "tiers": [{"start": 200000, "rate": "20"}]}

    dry = cli("reprice", "--tenant", "acme", "--since", "2026-01-01T00:00:00Z", "--dry-run",
              "--json").json()
    assert dry["dry_run"] is True
    assert {m["model"]: (m["old_cents"], m["new_cents"], m["old_unpriced"])
            for m in dry["plan"]["models"]} == {"acme-model": (0.3, 0.3, 0),
                                                "mystery-model": (0, 0, 1)}

    stored = cli("prices", "set", "--model", "mystery-model", "--tenant", "acme",
                 "--effective-from", "2026-01-01T00:00:00Z", "--rate", "input_mtok=1000000",
                 "--json")
    assert stored.code == 0, stored.err
    shown = cli("prices", "show", "--tenant", "acme", "--model", "mystery-model", "--at",
                "2026-02-01T00:00:00Z", "--json").json()
    assert shown["price"]["id"] == stored.json()["price"]["id"]
    human = cli("reprice", "--tenant", "acme", "--since", "2026-01-01T00:00:00Z", "--dry-run")
    assert "mystery-model" in human.out and "nothing written" in human.out

    applied = cli("reprice", "--tenant", "acme", "--since", "2026-01-01T00:00:00Z", "--json")
    assert applied.code == 0, applied.err
    assert applied.json()["updated"] == 1
    assert {m["model"]: m["new_cents"] for m in applied.json()["plan"]["models"]} == {
        "acme-model": 0.3, "mystery-model": 9}
    again = cli("reprice", "--tenant", "acme", "--since", "2026-01-01T00:00:00Z", "--json")
    assert again.json()["updated"] == 0


def test_show_names_the_genai_prices_default_and_unpriced_models(cli) -> None:
    shown = cli("prices", "show", "--tenant", "acme", "--model", "claude-sonnet-4-20250514",
                "--at", "2026-01-01T00:00:00Z", "--json").json()
    assert shown["price"]["source"] == "genai-prices"
    assert shown["price"]["rates_cents"]["input_mtok"] == "300"
    none = cli("prices", "show", "--tenant", "acme", "--model", "no-such-model-xyz")
    assert none.code == 0 and "unpriced" in none.out


def test_bad_rates_and_lines_name_the_field(cli, tmp_path: Path) -> None:
    bad = cli("prices", "set", "--model", "m", "--effective-from", "2026-01-01T00:00:00Z",
              "--rate", "input_mtok=abc")
    assert bad.code == 2 and "--rate input_mtok" in bad.err
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"type": "model_price", "model": "m",
                                "effective_from": "2026-01-01T00:00:00Z",
                                "rates": {"input_mtok": "0.0000001"}}) + "\n"
                    + json.dumps({"type": "cost_record", "tenant_id": "t", "model": "m",
                                  "created_at": "2026-01-01T00:00:00Z"}) + "\n")
    result = cli("ingest", str(path))
    assert result.code == 1
    assert "rates.input_mtok: at most 6 decimals" in result.err
    assert "cost_cents: required unless the record carries token counts" in result.err
