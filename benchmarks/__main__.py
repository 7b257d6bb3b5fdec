"""``python -m benchmarks [--quick | --tiny] [--json] [--only NAMES]``.

Runs each comparison against the physical limit on this machine and prints the results:
one JSON object on stdout with ``--json`` (progress always goes to stderr), a readable
summary otherwise. Exit status 0 when the harness ran, whatever the goals say.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from benchmarks.cli_ingest import cli_ingest_postgres
from benchmarks.databases import PG_URL
from benchmarks.detection import detect_scaling
from benchmarks.explain import explain_all
from benchmarks.ingest import ingest_postgres, ingest_sqlite
from benchmarks.ingest_ordered import ingest_postgres_ordered
from benchmarks.ingest_parallel import ingest_parallel
from benchmarks.machine import describe_machine, load_average
from benchmarks.mcp_overhead import mcp_overhead
from benchmarks.measure import log
from benchmarks.memory import ingest_memory
from benchmarks.otlp_receiver import otlp_receiver
from benchmarks.plans import FULL, PLANS, Plan
from benchmarks.report import render_explain, render_summary
from benchmarks.stats import StatsBench
from benchmarks.stats_density import stats_density
from benchmarks.worker_breakdown import worker_breakdown
from benchmarks.workload import build_workload

NAMES = ("ingest_postgres", "ingest_postgres_ordered", "stats_postgres", "stats_density", "worker_breakdown", "ingest_parallel", "ingest_sqlite",
         "detect_scaling", "mcp_overhead", "ingest_memory", "otlp_receiver", "cli_ingest_postgres")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="smaller sizes: about 10 minutes on a 2-core machine")
    size.add_argument("--tiny", action="store_true",
                      help="seconds: checks the harness runs (numbers are meaningless)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p.add_argument("--only", metavar="NAMES",
                   help=f"comma-separated subset of: {', '.join(NAMES)} "
                        "(stats_postgres needs ingest_postgres)")
    p.add_argument("--seed", type=int, default=7, help="workload seed (default 7)")
    args = p.parse_args(argv)
    chosen = NAMES if not args.only else tuple(n.strip() for n in args.only.split(","))
    unknown = [n for n in chosen if n not in NAMES]
    if unknown:
        p.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    if "stats_postgres" in chosen and "ingest_postgres" not in chosen:
        chosen = ("ingest_postgres", *chosen)
    args.chosen = chosen
    return args


async def run(plan: Plan, chosen: tuple[str, ...], seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    workload = build_workload(seed)
    results: dict[str, Any] = {"plan": plan.name, "seed": seed,
                               "machine": await describe_machine(PG_URL)}
    stats = StatsBench(workload, plan.stats_repeats)
    explain: dict[str, Any] = {}

    async def at_checkpoint(url: str, rows: int) -> None:
        if "stats_postgres" not in chosen:
            return
        await stats.at_checkpoint(url, rows)
        if rows == plan.postgres_checkpoints[-1]:
            explain.update(await explain_all(url, stats.captured))

    steps: dict[str, Callable[[], Awaitable[Any]]] = {
        "ingest_postgres": lambda: ingest_postgres(
            workload, list(plan.postgres_checkpoints), plan.batch_size, at_checkpoint,
            plan.postgres_headline),
        "ingest_postgres_ordered": lambda: ingest_postgres_ordered(
            workload, list(plan.ordered_checkpoints), plan.batch_size),
        "stats_density": lambda: stats_density(
            seed, plan.density_calls, plan.density_repeats, plan.batch_size),
        "worker_breakdown": lambda: worker_breakdown(
            seed, plan.worker_calls, plan.stats_repeats, plan.batch_size),
        "ingest_parallel": lambda: ingest_parallel(
            workload, plan.parallel_rows, plan.batch_size, plan.parallel_repeats),
        "ingest_sqlite": lambda: ingest_sqlite(
            workload, list(plan.sqlite_checkpoints), plan.batch_size),
        "detect_scaling": lambda: detect_scaling(
            list(plan.detect_sizes), plan.detect_repeats, seed, plan.detect_baseline_max,
            plan.detect_calls_per_day),
        "mcp_overhead": lambda: mcp_overhead(workload, plan.mcp_rows, plan.mcp_calls),
        "ingest_memory": lambda: anyio.to_thread.run_sync(
            ingest_memory, workload, plan.memory_lines),
        "otlp_receiver": lambda: otlp_receiver(workload, plan.otlp_spans, seed),
        "cli_ingest_postgres": lambda: cli_ingest_postgres(
            workload, plan.cli_lines, plan.cli_repeats),
    }
    for name in NAMES:
        if name not in chosen or name not in steps:
            continue
        log(f"{name} ...")
        t0 = time.perf_counter()
        results[name] = await steps[name]()
        log(f"{name} done in {time.perf_counter() - t0:.0f} s")
        if name == "ingest_postgres" and "stats_postgres" in chosen:
            results["stats_postgres"] = {**stats.result(plan.postgres_headline),
                                         "explain": explain}
            log(render_explain(explain))
    results["keys"] = headline_keys(results)
    results["goals_met"] = {key: g["met"] for key, g in results["keys"].items()
                            if g["met"] is not None}
    results["machine"]["load_average_at_end"] = load_average()
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


def headline_keys(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every benchmark's goals as ``"<benchmark>.<key>": {"value", "goal", "met"}`` (met None
    for report-only keys), in NAMES order."""
    return {f"{name}.{key}": g for name in NAMES if name in results
            for key, g in results[name].get("goals", {}).items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = PLANS["quick"] if args.quick else PLANS["tiny"] if args.tiny else FULL
    log(f"costsight benchmarks, plan {plan.name}: {', '.join(args.chosen)}")
    results = anyio.run(run, plan, args.chosen, args.seed)
    summary = render_summary(results)
    if args.json:
        print(summary, file=sys.stderr)
        print(json.dumps(results, default=str))
    else:
        print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
