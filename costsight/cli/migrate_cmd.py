"""``costsight migrate``: create or upgrade the schema (idempotent)."""

from __future__ import annotations

import argparse

from costsight.bootstrap import migrate_database
from costsight.cli.common import EXIT_OK, print_json, settings, stdout_console


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("migrate", help="create or upgrade the database schema",
                            description="Create or upgrade the schema of "
                                        "COSTSIGHT_DATABASE_URL; safe to run again.")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    url = settings().database_url
    before, after = await migrate_database(url)
    if args.json:
        print_json({"database": _safe(url), "before": before, "after": after,
                    "changed": before != after})
        return EXIT_OK
    out = stdout_console()
    if after is None:
        out.print("memory:// has no schema; nothing to migrate")
    elif before == after:
        out.print(f"schema already at revision {after} ({_safe(url)})")
    else:
        out.print(f"schema upgraded {before or 'empty'} -> {after} ({_safe(url)})")
    return EXIT_OK


def _safe(url: str) -> str:
    """The URL without a password."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        rest = f"{user}:***@{rest.split('@', 1)[1]}"
    return f"{scheme}{sep}{rest}"
