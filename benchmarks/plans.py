"""How big each benchmark runs: the full run, ``--quick`` and the smoke test's ``--tiny``."""

from __future__ import annotations

from dataclasses import dataclass

from costsight.core.ingest.writer import DEFAULT_BATCH_SIZE


@dataclass(frozen=True)
class Plan:
    name: str
    #: cumulative row totals ingest is measured at (growth); the last is the largest table
    postgres_checkpoints: tuple[int, ...]
    #: the size ingest_postgres and stats_postgres report their ratio at
    postgres_headline: int
    sqlite_checkpoints: tuple[int, ...]
    stats_repeats: int
    detect_sizes: tuple[int, ...]
    detect_repeats: int
    #: the per-entity baseline runs up to this size (it is the slow side)
    detect_baseline_max: int
    #: calls per entity (user) per day over the 30-day history, seeded through the port
    detect_calls_per_day: int
    mcp_rows: int
    mcp_calls: int
    memory_lines: int
    #: spans sent through the OTLP receiver (requests of 512)
    otlp_spans: int
    #: stats_density: calls in the 30-day window before (then 9x more are added)
    density_calls: int = 100_000
    density_repeats: int = 3
    #: ingest_parallel: rows per tenant (two tenants), and rounds (fresh databases each)
    parallel_rows: int = 100_000
    parallel_repeats: int = 2
    batch_size: int = DEFAULT_BATCH_SIZE
    #: ingest_postgres_ordered: row totals of the arrival-ordered race (held sorted in memory)
    ordered_checkpoints: tuple[int, ...] = (100_000, 200_000)
    #: worker_breakdown: calls of the one tenant in the 30-day window
    worker_calls: int = 200_000
    #: lines of the end-to-end ``costsight ingest`` vs ``psql \\copy`` run, best of repeats
    cli_lines: int = 100_000
    cli_repeats: int = 2


FULL = Plan("full", postgres_checkpoints=(100_000, 1_000_000, 10_000_000),
            postgres_headline=1_000_000,
            sqlite_checkpoints=(100_000, 1_000_000), stats_repeats=5,
            detect_sizes=(10, 100, 1_000, 10_000), detect_repeats=3, detect_baseline_max=1_000,
            detect_calls_per_day=50,
            mcp_rows=100_000, mcp_calls=300, memory_lines=1_000_000, otlp_spans=204_800,
            cli_lines=1_000_000, cli_repeats=3, density_calls=400_000, density_repeats=5,
            parallel_rows=500_000, parallel_repeats=3, ordered_checkpoints=(100_000, 1_000_000),
            worker_calls=1_000_000)
QUICK = Plan("quick", postgres_checkpoints=(100_000, 200_000), postgres_headline=200_000,
             sqlite_checkpoints=(100_000, 200_000), stats_repeats=3,
             detect_sizes=(10, 100, 1_000), detect_repeats=3, detect_baseline_max=1_000,
             detect_calls_per_day=50, mcp_rows=50_000, mcp_calls=100, memory_lines=200_000,
             otlp_spans=51_200)
#: Seconds, not minutes: proves the harness runs end to end (numbers are meaningless).
TINY = Plan("tiny", postgres_checkpoints=(1_000, 2_000), postgres_headline=2_000,
            sqlite_checkpoints=(1_000, 2_000),
            stats_repeats=1, detect_sizes=(10, 20), detect_repeats=1, detect_baseline_max=20,
            detect_calls_per_day=5,
            mcp_rows=1_000, mcp_calls=4, memory_lines=1_000, otlp_spans=1_024,
            batch_size=500, cli_lines=1_000, cli_repeats=1, density_calls=1_000,
            density_repeats=1, parallel_rows=2_000, parallel_repeats=1,
            ordered_checkpoints=(1_000, 2_000), worker_calls=2_000)
PLANS = {p.name: p for p in (FULL, QUICK, TINY)}
