"""Bearer tokens for streamable HTTP: a JSON file mapping each token to a tenant scope
(the format of ``costsight.bearer_tokens``, which the OTLP receiver shares).

``{"token-abc": ["tenant-a"], "token-ops": "*"}`` - a list of tenant ids, one id, or ``"*"``
for every tenant. A request without a token, or with a token not in the file, gets 401 from the
SDK's bearer middleware; a known token's scope narrows the server's scope for that request.

The server is an OAuth protected resource (RFC 9728): it publishes its metadata at
``/.well-known/oauth-protected-resource`` (and at the RFC's path-suffixed
``/.well-known/oauth-protected-resource/mcp``), and every 401 names that document in
``WWW-Authenticate: Bearer ... resource_metadata="..."``, so a client can discover where tokens
come from. The metadata lists ``COSTSIGHT_MCP_AUTHORIZATION_SERVER`` when set; otherwise the
server's own origin (it issues no tokens itself: tokens come from the tokens file).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from mcp.server.auth.handlers.metadata import ProtectedResourceMetadataHandler
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.routes import cors_middleware
from mcp.server.auth.settings import AuthSettings
from mcp.shared.auth import ProtectedResourceMetadata
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from costsight import bearer_tokens
from costsight.core.errors import ValidationError
from costsight.core.tenant_scope import ALL_TENANTS, TenantScope

TOKENS_ENV = "COSTSIGHT_MCP_TOKENS_FILE"
PUBLIC_URL_ENV = "COSTSIGHT_MCP_PUBLIC_URL"
AUTHORIZATION_SERVER_ENV = "COSTSIGHT_MCP_AUTHORIZATION_SERVER"
METADATA_PATH = "/.well-known/oauth-protected-resource"

log = logging.getLogger(__name__)


def load_tokens(path: str | Path) -> dict[str, TenantScope]:
    """Read and validate a tokens file; errors name the file and what is allowed."""
    return bearer_tokens.load_tokens(path, field=TOKENS_ENV)


_label = bearer_tokens.token_label


def scope_claims(scope: TenantScope) -> list[str]:
    return [ALL_TENANTS] if scope.tenants is None else sorted(scope.tenants)


class UnauthorizedLog:
    """ASGI middleware: every 401 is logged with the client's address and a label of the token
    presented (a hash prefix, ``tok-1a2b3c4d``), never the token itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 401:
                log.warning("401 unauthorized: client %s, %s, %s %s", _client(scope),
                            _presented(scope), scope.get("method", "?"), scope.get("path", "?"))
            await send(message)

        await self.app(scope, receive, send_logged)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "unknown"


def _presented(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return f"token {_label(token.strip())}"
            return "no bearer token (another Authorization scheme)"
    return "no Authorization header"


class TokenFileVerifier:
    """The SDK's TokenVerifier over a fixed token -> scope map (compared in constant time)."""

    def __init__(self, tokens: dict[str, TenantScope]) -> None:
        self._table = bearer_tokens.TokenTable(tokens)

    @classmethod
    def from_file(cls, path: str | Path) -> TokenFileVerifier:
        return cls(load_tokens(path))

    async def verify_token(self, token: str) -> AccessToken | None:
        found = self._table.scope_of(token)
        if found is None:
            return None
        return AccessToken(token=token, client_id=_label(token), scopes=scope_claims(found))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def resource_auth(resource_url: str, authorization_server: str | None = None) -> AuthSettings:
    """Auth settings for a protected resource at ``resource_url`` (the MCP endpoint's public
    URL): the SDK then serves the path-suffixed metadata and names it in every 401."""
    parts = urlsplit(resource_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(PUBLIC_URL_ENV, f"{resource_url!r} is not an http(s) URL",
                              allowed="the MCP endpoint as clients reach it, e.g. "
                                      "https://mcp.example.com/mcp")
    # Static tokens carry no RFC 8707 resource indicator to check against the URL.
    issuer = authorization_server or origin(resource_url)
    if urlsplit(issuer).scheme not in ("http", "https"):
        raise ValidationError(AUTHORIZATION_SERVER_ENV, f"{issuer!r} is not an http(s) URL",
                              allowed="the issuer URL of the OAuth authorization server")
    # Validated from strings: AuthSettings keeps a path-less issuer without a trailing slash.
    return AuthSettings.model_validate({"issuer_url": issuer, "resource_server_url": resource_url,
                                        "validate_token_resource": False})


def root_metadata_route(auth: AuthSettings) -> Route:
    """The same metadata at the origin's root, where clients look first when the 401 they got
    carried no ``resource_metadata`` (MCP authorization spec)."""
    assert auth.resource_server_url is not None
    metadata = ProtectedResourceMetadata(resource=auth.resource_server_url,
                                         authorization_servers=[auth.issuer_url],
                                         scopes_supported=auth.required_scopes,
                                         resource_name="costsight MCP server")
    handler = ProtectedResourceMetadataHandler(metadata)
    return Route(METADATA_PATH, endpoint=cors_middleware(handler.handle, ["GET", "OPTIONS"]),
                 methods=["GET", "OPTIONS"])
