"""``costsight receive``: the OTLP/HTTP receiver for GenAI spans."""

from __future__ import annotations

import argparse

from costsight.cli.common import EXIT_OK, settings, stderr_console
from costsight.receiver.runtime import DEFAULT_HOST, DEFAULT_PORT, TOKENS_ENV, serve


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("receive", help="receive OpenTelemetry GenAI spans (OTLP/HTTP)",
                            description="Serve OTLP/HTTP POST /v1/traces: every GenAI model-call "
                                        "span becomes a cost record of the token's tenant.")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"HTTP host (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"HTTP port (default {DEFAULT_PORT}, the OTLP/HTTP port)")
    p.add_argument("--tokens-file", metavar="PATH",
                   help=f"bearer tokens -> tenant scopes, the MCP server's format (or {TOKENS_ENV})")
    p.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    receiver = await serve(args.host, args.port, settings=settings(),
                           tokens_file=args.tokens_file)
    c = receiver.counters
    stderr_console().print(f"costsight receive: stopped after {c.requests} requests: "
                           f"{c.stored} records stored, {c.duplicates} duplicates, "
                           f"{c.failed_calls} failed calls, {c.ignored} spans ignored, "
                           f"{c.rejected} rejected, {c.saturated} saturated answers")
    return EXIT_OK
