"""``costsight migrate``: create or upgrade the schema (idempotent)."""

from __future__ import annotations

import argparse

from costsight.cli.common import EXIT_OK, print_json, settings, stdout_console

#: ``costsight.adapters.sql.migrate.READ_ROLE``, repeated so that building the CLI parser does not
#: import alembic (tests/cli/test_schema_cli.py checks they agree).
READ_ROLE = "costsight_read"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("migrate", help="create or upgrade the database schema",
                            description="Create or upgrade the schema of "
                                        "COSTSIGHT_DATABASE_URL; safe to run again.")
    p.add_argument("--create-roles", action="store_true",
                   help="PostgreSQL: also create a role that can only SELECT (current and "
                        "future tables), for COSTSIGHT_READ_DATABASE_URL (the MCP server)")
    p.add_argument("--read-role", default=READ_ROLE, metavar="NAME",
                   help=f"name of that role (default {READ_ROLE})")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


async def run(args: argparse.Namespace) -> int:
    # alembic is imported only by the command that needs it (it costs the other commands ~0.7 s).
    from costsight.adapters.sql.migrate import check_read_role, create_read_role
    from costsight.bootstrap import migrate_database

    url = settings().database_url
    if args.create_roles:
        check_read_role(url, args.read_role)  # before migrating: refuse what cannot finish
    before, after = await migrate_database(url)
    role = None
    if args.create_roles:
        await create_read_role(url, args.read_role)
        role = {"name": args.read_role, "read_database_url": _read_url(url, args.read_role)}
    if args.json:
        print_json({"database": _safe(url), "before": before, "after": after,
                    "changed": before != after, "read_role": role})
        return EXIT_OK
    out = stdout_console()
    if after is None:
        out.print("memory:// has no schema; nothing to migrate")
    elif before == after:
        out.print(f"schema already at revision {after} ({_safe(url)})")
    else:
        out.print(f"schema upgraded {before or 'empty'} -> {after} ({_safe(url)})")
    if role is not None:
        out.print(f"role {role['name']} can SELECT every costsight table and nothing else; "
                  f"give it a password or another login method, then serve with\n"
                  f"  COSTSIGHT_READ_DATABASE_URL={role['read_database_url']}")
    return EXIT_OK


def _read_url(url: str, role: str) -> str:
    """The database URL with the read role as its user (and no password)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=role, password=None).render_as_string(
        hide_password=False)


def _safe(url: str) -> str:
    """The URL without a password."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        rest = f"{user}:***@{rest.split('@', 1)[1]}"
    return f"{scheme}{sep}{rest}"
