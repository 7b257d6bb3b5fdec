"""Error signatures: normalise an error message, then hash it (ORIGINAL-BEHAVIOR 4.3).

We store the FULL SHA-256 hex digest (64 characters), not the original's 16-character prefix:
it is the dedupe key of failure-pattern feedback, and a prefix buys nothing but collisions.
"""

from __future__ import annotations

import hashlib
import re

EMPTY_ERROR = "empty_error"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Date, 't' or space (the text is already lowercased), time; optional fraction and zone so that
# "…:05.123+00:00" and "…:05z" normalise to one placeholder rather than to digits around it.
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:z|[+-]\d{2}:?\d{2})?")
_INTEGER = re.compile(r"\b\d+\b")


def normalize_error(error: str | None) -> str:
    """Lowercase, strip, then UUIDs -> ``<uuid>``, timestamps -> ``<timestamp>``, integers ->
    ``<n>`` (word-bounded runs of digits), in that order. Empty or None gives ``""``."""
    text = (error or "").lower().strip()
    text = _UUID.sub("<uuid>", text)
    text = _TIMESTAMP.sub("<timestamp>", text)
    return _INTEGER.sub("<n>", text)


def error_signature(error: str | None) -> str:
    """SHA-256 hex of the normalised error; the literal ``empty_error`` for an empty error."""
    normalized = normalize_error(error)
    if not normalized:
        return EMPTY_ERROR
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
