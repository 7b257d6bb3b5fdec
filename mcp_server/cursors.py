"""Cursors the MCP tools hand out: opaque, and bound to the tool and the filters they page.

The storage's keyset cursor travels inside an envelope that also carries the tool name and a
fingerprint of the call's filters, so a cursor pasted into another tool, or reused with other
filters, is refused with an error that says which, instead of silently paging something else.
"""

from __future__ import annotations

import base64
import hashlib
import json

from costsight.core.errors import ValidationError

_ALLOWED = "the next_cursor this tool returned, with the same other arguments; empty to start"


def fingerprint(filters: dict[str, object]) -> str:
    """A short digest of the arguments that select what is paged (not limit or cursor)."""
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def bind_cursor(tool: str, filters: dict[str, object], inner: str | None) -> str | None:
    """The envelope of a storage cursor (None stays None: the last page)."""
    if inner is None:
        return None
    raw = json.dumps([tool, fingerprint(filters), inner], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def open_cursor(tool: str, filters: dict[str, object], cursor: str) -> str | None:
    """The storage cursor inside ``cursor`` (None for an empty one), checked against the call."""
    cursor = cursor.strip()
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        issuer, digest, inner = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise ValidationError("cursor", "is not a cursor this server issued",
                              allowed=_ALLOWED) from None
    if not all(isinstance(v, str) for v in (issuer, digest, inner)):
        raise ValidationError("cursor", "is not a cursor this server issued", allowed=_ALLOWED)
    if issuer != tool:
        raise ValidationError("cursor", f"was issued by {issuer}, not {tool}", allowed=_ALLOWED)
    if digest != fingerprint(filters):
        raise ValidationError("cursor", "was issued for other filters (or another tenant); "
                                        "repeat the first page's arguments or drop the cursor",
                              allowed=_ALLOWED)
    return str(inner)
