"""Bearer tokens file: a JSON object mapping each token to a tenant scope.

``{"token-abc": ["tenant-a"], "token-ops": "*"}`` - a list of tenant ids, one id, or ``"*"``
for every tenant. The MCP server (streamable HTTP) and the OTLP receiver read the same format;
neither logs a token, only its label (a hash prefix, ``tok-1a2b3c4d``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from costsight.core.errors import ValidationError
from costsight.core.tenant_scope import TenantScope


def load_tokens(path: str | Path, *, field: str = "tokens file") -> dict[str, TenantScope]:
    """Read and validate a tokens file; errors name ``field`` (with the path) and what is
    allowed."""
    field = f"{field} ({path})"
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
            raise ValidationError(field, f"token {token_label(token)}: {exc.reason}",
                                  allowed=exc.allowed) from None
    return tokens


def token_label(token: str) -> str:
    """A non-secret name for a token (logs, client_id)."""
    return "tok-" + hashlib.sha256(token.encode()).hexdigest()[:8]


class TokenTable:
    """Known tokens and their scopes; a lookup compares against every token in constant time."""

    def __init__(self, tokens: dict[str, TenantScope]) -> None:
        self._tokens = [(token.encode(), scope) for token, scope in tokens.items()]

    def scope_of(self, token: str) -> TenantScope | None:
        presented = token.encode()
        found: TenantScope | None = None
        for known, scope in self._tokens:
            if hmac.compare_digest(known, presented):
                found = scope
        return found


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
