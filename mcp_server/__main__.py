"""``python -m costsight.mcp_server``: run the MCP server (stdio by default) from COSTSIGHT_* settings.

The ``costsight serve`` command does the same with the full CLI; this entry point needs only
the environment (COSTSIGHT_DATABASE_URL) and the scope flags.
"""

from __future__ import annotations

import argparse
import logging
import sys

import anyio

from costsight.core.errors import CostsightError
from costsight.mcp_server.runtime import DEFAULT_HOST, DEFAULT_PORT, serve_http, serve_stdio
from costsight.mcp_server.scope import TenantScope, one_tenant


def scope_from_args(tenant: list[str], tenants: list[str], all_tenants: bool) -> TenantScope:
    """``--tenant`` (one id, repeatable), ``--tenants a,b`` or ``--all-tenants``."""
    ids = [one_tenant(value) for value in tenant]
    ids += [t.strip() for value in tenants for t in value.split(",") if t.strip()]
    if all_tenants and (tenant or tenants):
        raise SystemExit("use either --tenant/--tenants or --all-tenants, not both")
    if all_tenants:
        return TenantScope.all()
    if not ids:
        raise SystemExit("a tenant scope is required: --tenant T, --tenants a,b or --all-tenants")
    return TenantScope.of(ids)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m costsight.mcp_server", description=__doc__)
    parser.add_argument("--transport", choices=("stdio", "streamable-http"), default="stdio")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--tenant", action="append", default=[],
                        help="one tenant id (repeatable)")
    parser.add_argument("--tenants", action="append", default=[],
                        help="comma-separated tenant ids")
    parser.add_argument("--all-tenants", action="store_true")
    args = parser.parse_args(argv)
    # stdout belongs to the protocol under stdio: every log line goes to stderr.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    try:
        scope = scope_from_args(args.tenant, args.tenants, args.all_tenants)
        if args.transport == "stdio":
            anyio.run(lambda: serve_stdio(scope=scope))
        else:
            anyio.run(lambda: serve_http(args.host, args.port, scope=scope))
    except CostsightError as exc:
        print(f"costsight: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
