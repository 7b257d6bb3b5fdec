"""``costsight``: migrate, ingest, detect, plugins, serve, receive, worker, alerts, prices,
reprice, rollups, retention, demo.

Configured by ``COSTSIGHT_*`` environment variables (``COSTSIGHT_DATABASE_URL`` defaults to
``sqlite+aiosqlite:///./costsight.db``). Exit status: 0 success, 1 rejected input, 2 error.
Domain errors print one line to stderr, never a traceback (``COSTSIGHT_DEBUG=1`` shows one for
unexpected errors).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

import anyio

from costsight.cli import (
    alerts_cmd,
    demo_cmd,
    detect_cmd,
    ingest_cmd,
    migrate_cmd,
    plugins_cmd,
    prices_cmd,
    receive_cmd,
    reprice_cmd,
    retention_cmd,
    rollups_cmd,
    serve_cmd,
    worker_cmd,
)
from costsight.cli.common import EXIT_ERROR
from costsight.core.errors import CostsightError

COMMANDS = (migrate_cmd, ingest_cmd, detect_cmd, plugins_cmd, serve_cmd, receive_cmd,
            worker_cmd, alerts_cmd, prices_cmd, reprice_cmd, rollups_cmd, retention_cmd,
            demo_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="costsight",
        description="Cost metering, anomalies, predictions and patterns for fleets of LLM "
                    "agents. Configure with COSTSIGHT_* variables (COSTSIGHT_DATABASE_URL, "
                    "default sqlite+aiosqlite:///./costsight.db).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # stdout carries results (and the MCP protocol under `serve`): logs go to stderr.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="costsight: %(levelname)s %(name)s: %(message)s")
    try:
        status: int = anyio.run(args.handler, args)
        return status
    except CostsightError as exc:
        print(f"costsight {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("COSTSIGHT_DEBUG") == "1":
            raise
        print(f"costsight {args.command}: unexpected error: {type(exc).__name__}: {exc} "
              "(set COSTSIGHT_DEBUG=1 for the traceback)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
