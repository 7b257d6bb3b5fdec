"""``python -m benchmarks.quality [--quick | --tiny] [--json] [--seed N]``.

Generates the labelled corpus (``corpus.py``) from the seed, runs it through the real anomaly,
forecast and prediction cycles on in-memory storage (``run.py``) and scores it
(``score.py``, which states the matching rule). ``--json`` prints exactly one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import anyio

from benchmarks.quality.corpus import scenarios
from benchmarks.quality.run import run_all
from benchmarks.quality.score import score

SIZES = {"full": 6, "quick": 4, "tiny": 1}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__)
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="4 tenants per incident class")
    size.add_argument("--tiny", action="store_true",
                      help="CI: 1 tenant per class, one spike and one step size, fewer calls "
                           "(checks the harness; the numbers mean little)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.add_argument("--seed", type=int, default=13, help="corpus seed (default 13)")
    return p.parse_args(argv)


async def evaluate(seed: int, per_class: int, tiny: bool = False) -> dict[str, Any]:
    corpus = scenarios(seed, per_class, tiny=tiny)
    runs = await run_all(corpus, seed)
    result = {"seed": seed, "tenants_per_class": per_class,
              "incidents": sorted({s.kind for s in corpus})}
    result.update(score(runs))
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    result = anyio.run(evaluate, args.seed, SIZES[size], size == "tiny")
    result["size"] = size
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        for key in sorted(result):
            print(f"{key:36} {result[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
