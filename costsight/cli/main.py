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
from importlib import import_module

import anyio

from costsight.cli.common import EXIT_ERROR
from costsight.core.errors import CostsightError

#: Every command, in the order ``costsight --help`` lists them; ``costsight.cli.NAME_cmd``
#: defines each (its ``add_parser``). A run imports only its own command's module: the others
#: pull in what only they need (uvicorn, the MCP SDK, the engines, alert routes).
COMMANDS = ("migrate", "ingest", "detect", "plugins", "serve", "receive", "worker", "alerts",
            "prices", "reprice", "rollups", "retention", "demo")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the command ``only`` alone."""
    parser = argparse.ArgumentParser(
        prog="costsight",
        description="Cost metering, anomalies, predictions and patterns for fleets of LLM "
                    "agents. Configure with COSTSIGHT_* variables (COSTSIGHT_DATABASE_URL, "
                    "default sqlite+aiosqlite:///./costsight.db).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        if only is None or only == name:
            import_module(f"costsight.cli.{name}_cmd").add_parser(commands)
    return parser


def _command_named(argv: Sequence[str]) -> str | None:
    """The command when the first argument names one (the top-level parser has no option
    but ``-h``); otherwise None: help and usage errors list every command."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_command_named(arguments)).parse_args(arguments)
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
