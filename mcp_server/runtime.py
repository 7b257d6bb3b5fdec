"""Running the server for real: the application built once from settings, stdio or HTTP.

The lifespan uses the composition root (``costsight.bootstrap.bootstrap``) with
``read_only=True`` - every SQL session refuses writes (Postgres:
``default_transaction_read_only``; SQLite opens the file with ``mode=ro``) - and
``create_schema=False``: a read-only server never migrates; an empty or stale database is
refused with the command that fixes it. ``COSTSIGHT_READ_DATABASE_URL``, when set, is what it
reads through: a role with SELECT only (``costsight migrate --create-roles``) or a replica.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette

from costsight.bootstrap import bootstrap
from costsight.core.application import Application
from costsight.core.errors import CostsightError, ValidationError
from costsight.http_serving import serving_on_free_port
from costsight.mcp_server.auth import (
    TOKENS_ENV,
    TokenFileVerifier,
    UnauthorizedLog,
    resource_auth,
    root_metadata_route,
)
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.server import Lifespan, new_server
from costsight.mcp_server.state import ServerState
from costsight.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MCP_PATH = "/mcp"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class StartupFailed(CostsightError):
    """The server could not open what it reads (the message names the cause)."""


def _read_settings(settings: Settings) -> Settings:
    if settings.read_database_url:
        settings = settings.model_copy(update={"database_url": settings.read_database_url})
    return settings


def _safe_url(url: str) -> str:
    """The URL with any password masked (it goes to stderr and to logs)."""
    return re.sub(r"(://[^:/@]*):[^/]*@", r"\1:***@", url)


async def open_read_app(settings: Settings) -> Application:
    """The read-only application, opened before any transport starts so a failure surfaces as
    its real cause (no database, schema out of date: run ``costsight migrate``, database
    unreachable) rather than wrapped in the transport's task group."""
    settings = _read_settings(settings)
    try:
        return await bootstrap(settings, read_only=True, create_schema=False)
    except CostsightError:
        raise
    except Exception as exc:
        raise StartupFailed(f"cannot open the database at {_safe_url(settings.database_url)}: "
                            f"{type(exc).__name__}: {exc}") from exc


def settings_lifespan(settings: Settings, scope: TenantScope,
                      app: Application | None = None) -> Lifespan:
    """Build the application once when the server starts (unless given, already open); close
    it when the server stops."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        opened = app or await open_read_app(settings)
        try:
            yield ServerState(app=opened, scope=scope)
        finally:
            await opened.aclose()

    return lifespan


def build_server_from_settings(settings: Settings, *, scope: TenantScope,
                               token_verifier: TokenFileVerifier | None = None,
                               resource_url: str | None = None,
                               app: Application | None = None) -> MCPServer[ServerState]:
    """A server whose application comes from settings (database URL, engine settings), or
    the already opened ``app``.

    With a token verifier it is an OAuth protected resource whose public URL is
    ``COSTSIGHT_MCP_PUBLIC_URL``, else ``resource_url``, else loopback (RFC 9728 metadata).
    """
    auth: AuthSettings | None = None
    if token_verifier is not None:
        auth = resource_auth(settings.mcp_public_url or resource_url
                             or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}{MCP_PATH}",
                             settings.mcp_authorization_server)
    return new_server(settings_lifespan(settings, scope, app), token_verifier=token_verifier,
                      auth=auth)


def transport_security(host: str, extra_hosts: tuple[str, ...] = ()) -> TransportSecuritySettings:
    """DNS-rebinding protection: only our own Host names and matching Origins are accepted."""
    names = [*LOOPBACK_HOSTS, *extra_hosts]
    if host not in names:
        names.append(host)
    hosts = [f"[{h}]:*" if ":" in h else f"{h}:*" for h in names]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"http://{h}" for h in hosts] + [f"https://{h}" for h in hosts])


@dataclass(frozen=True)
class SessionLimits:
    """How long an idle streamable-HTTP session lives and how many may be open at once.

    The SDK's defaults (30 minutes, 10,000 sessions) let clients that never close their
    sessions grow the server by tens of megabytes per thousand; ours are a few minutes and
    about a thousand (``COSTSIGHT_MCP_SESSION_IDLE_SECONDS``, ``COSTSIGHT_MCP_MAX_SESSIONS``).
    """

    idle_seconds: float = 300.0
    max_sessions: int = 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionLimits:
        return cls(settings.mcp_session_idle_seconds, settings.mcp_max_sessions)


def http_app(server: MCPServer[ServerState], host: str, extra_hosts: tuple[str, ...] = (), *,
             limits: SessionLimits | None = None) -> Starlette:
    """The Starlette app serving MCP at /mcp (its lifespan runs the server's lifespan once)."""
    limits = limits or SessionLimits()
    app = server.streamable_http_app(streamable_http_path=MCP_PATH, host=host,
                                     transport_security=transport_security(host, extra_hosts),
                                     session_idle_timeout=limits.idle_seconds,
                                     max_sessions=limits.max_sessions)
    auth = server.settings.auth
    if auth is not None and auth.resource_server_url is not None:
        app.router.routes.append(root_metadata_route(auth))
    app.add_middleware(UnauthorizedLog)
    return app


def verifier_from_settings(settings: Settings, tokens_file: str | None) -> TokenFileVerifier:
    path = tokens_file or settings.mcp_tokens_file
    if not path:
        raise ValidationError(TOKENS_ENV, "is required for the streamable-http transport",
                              allowed="a JSON file mapping bearer tokens to tenant scopes")
    return TokenFileVerifier.from_file(path)


async def serve_stdio(*, scope: TenantScope, settings: Settings | None = None) -> None:
    """Serve MCP over stdin/stdout until the client closes (nothing else goes to stdout)."""
    settings = settings or Settings()
    app = await open_read_app(settings)
    await build_server_from_settings(settings, scope=scope, app=app).run_stdio_async()


@asynccontextmanager
async def serving_http(server: MCPServer[ServerState], *, host: str = DEFAULT_HOST,
                       startup_timeout: float = 30,
                       limits: SessionLimits | None = None) -> AsyncIterator[str]:
    """Serve ``server`` over streamable HTTP on ``host`` and an OS-chosen free port while the
    block runs (embedding, tests, benchmarks); yields the MCP endpoint URL."""
    config = uvicorn.Config(http_app(server, host, limits=limits), host=host, port=0,
                            log_level="warning", lifespan="on")
    async with serving_on_free_port(config, startup_timeout) as port:
        yield f"http://{host}:{port}{MCP_PATH}"


async def serve_http(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, scope: TenantScope,
                     settings: Settings | None = None, tokens_file: str | None = None,
                     extra_hosts: tuple[str, ...] = ()) -> None:
    """Serve MCP over streamable HTTP at http://host:port/mcp; every request needs a token."""
    settings = settings or Settings()
    verifier = verifier_from_settings(settings, tokens_file)
    app = await open_read_app(settings)
    authority = f"[{host}]" if ":" in host else host
    server = build_server_from_settings(settings, scope=scope, token_verifier=verifier,
                                        resource_url=f"http://{authority}:{port}{MCP_PATH}",
                                        app=app)
    if host not in LOOPBACK_HOSTS:
        log.warning("serving MCP on non-loopback host %s: put TLS in front of it", host)
    config = uvicorn.Config(http_app(server, host, extra_hosts,
                                     limits=SessionLimits.from_settings(settings)),
                            host=host, port=port, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve()
