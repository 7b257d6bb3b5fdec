"""Bearer tokens for streamable HTTP: a JSON file mapping each token to a tenant scope.

``{"token-abc": ["tenant-a"], "token-ops": "*"}`` - a list of tenant ids, one id, or ``"*"``
for every tenant. A request without a token, or with a token not in the file, gets 401 from the
SDK's bearer middleware; a known token's scope narrows the server's scope for that request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from mcp.server.auth.provider import AccessToken

from costsight.core.errors import ValidationError
from costsight.mcp_server.scope import ALL_TENANTS, TenantScope

TOKENS_ENV = "COSTSIGHT_MCP_TOKENS_FILE"


def load_tokens(path: str | Path) -> dict[str, TenantScope]:
    """Read and validate a tokens file; errors name the file and what is allowed."""
    field = f"{TOKENS_ENV} ({path})"
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(field, f"cannot be read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ValidationError(field, f"is not JSON: {exc}") from None
    if not isinstance(raw, dict) or not raw:
        raise ValidationError(field, "must be a non-empty JSON object",
                              allowed='{"<token>": ["tenant-a"], "<ops token>": "*"}')
    tokens: dict[str, TenantScope] = {}
    for token, scope in raw.items():
        if not token.strip():
            raise ValidationError(field, "has an empty token", allowed="non-empty token strings")
        try:
            tokens[token] = TenantScope.parse(scope)
        except ValidationError as exc:
            raise ValidationError(field, f"token {_label(token)}: {exc.reason}",
                                  allowed=exc.allowed) from None
    return tokens


def _label(token: str) -> str:
    """A non-secret name for a token (logs, client_id)."""
    return "tok-" + hashlib.sha256(token.encode()).hexdigest()[:8]


def scope_claims(scope: TenantScope) -> list[str]:
    return [ALL_TENANTS] if scope.tenants is None else sorted(scope.tenants)


class TokenFileVerifier:
    """The SDK's TokenVerifier over a fixed token -> scope map (compared in constant time)."""

    def __init__(self, tokens: dict[str, TenantScope]) -> None:
        self._tokens = [(token.encode(), scope) for token, scope in tokens.items()]

    @classmethod
    def from_file(cls, path: str | Path) -> TokenFileVerifier:
        return cls(load_tokens(path))

    async def verify_token(self, token: str) -> AccessToken | None:
        presented = token.encode()
        found: TenantScope | None = None
        for known, scope in self._tokens:
            if hmac.compare_digest(known, presented):
                found = scope
        if found is None:
            return None
        return AccessToken(token=token, client_id=_label(token), scopes=scope_claims(found))
