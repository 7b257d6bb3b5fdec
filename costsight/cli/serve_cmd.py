"""``costsight serve``: the MCP server over stdio or streamable HTTP."""

from __future__ import annotations

import argparse

from costsight.cli.common import EXIT_OK, settings
from costsight.core.errors import ValidationError
from costsight.mcp_server.scope import TenantScope, one_tenant

#: The MCP runtime's defaults, repeated here so that building the CLI parser does not import the
#: MCP SDK (about 1.5 s); tests/cli/test_serve_scope.py checks they agree.
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("serve", help="serve the read-only MCP tools",
                            description="Serve the MCP tools over stdio (default) or streamable "
                                        "HTTP, limited to a tenant scope.")
    p.add_argument("--transport", choices=("stdio", "streamable-http"), default="stdio")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"HTTP host (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"HTTP port (default {DEFAULT_PORT})")
    p.add_argument("--tokens-file", metavar="PATH",
                   help="bearer tokens -> tenant scopes (HTTP; or COSTSIGHT_MCP_TOKENS_FILE)")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--tenant", metavar="T", help="serve exactly this one tenant id")
    scope.add_argument("--tenants", metavar="A,B", help="serve these tenants")
    scope.add_argument("--all-tenants", action="store_true", help="serve every tenant")
    p.set_defaults(handler=run)


def scope_of(args: argparse.Namespace) -> TenantScope:
    if args.all_tenants:
        return TenantScope.all()
    if args.tenant is not None:
        return TenantScope.of([one_tenant(args.tenant)])
    ids = [t.strip() for t in (args.tenants or "").split(",") if t.strip()]
    if not ids:
        raise ValidationError("scope", "a tenant scope is required",
                              allowed="--tenant T, --tenants a,b or --all-tenants")
    return TenantScope.of(ids)


async def run(args: argparse.Namespace) -> int:
    from costsight.mcp_server.runtime import serve_http, serve_stdio  # heavy: only here

    scope = scope_of(args)
    config = settings()
    if args.transport == "stdio":
        await serve_stdio(scope=scope, settings=config)
    else:
        await serve_http(args.host, args.port, scope=scope, settings=config,
                         tokens_file=args.tokens_file)
    return EXIT_OK
