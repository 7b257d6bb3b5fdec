"""The demo workload: a seeded, deterministic sample of three tenants with planted incidents.

``generate_workload(seed, end)`` is pure (no I/O, no wall clock); ``load_and_replay`` writes it
through the ingest service and replays detection day by day through the cycles.
"""

from costsight.demo.generator import DEFAULT_DAYS, DEFAULT_SEED, DemoWorkload, generate_workload

__all__ = ["DEFAULT_DAYS", "DEFAULT_SEED", "DemoWorkload", "generate_workload"]
