"""The dispatcher's HTTP sender on httpx: one pooled client, no redirects, no proxies from
the environment, a timeout on every request."""

from __future__ import annotations

import httpx

from costsight.core.services.alert_dispatch import SendResult

#: How much of an error response's body is kept as the notification's last error.
ERROR_BODY_CHARS = 200


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(float(value.strip()), 0.0)
    except ValueError:
        return None  # an HTTP-date: fall back to our own backoff


async def _head_of_body(response: httpx.Response) -> str:
    """The start of an error body, read no further (a receiver cannot make us buffer more)."""
    chunks = bytearray()
    async for chunk in response.aiter_bytes():
        chunks.extend(chunk)
        if len(chunks) >= ERROR_BODY_CHARS:
            break
    return chunks[:ERROR_BODY_CHARS].decode("utf-8", "replace").strip()


class HttpxAlertSender:
    """``AlertSender`` over one ``httpx.AsyncClient``; ``aclose`` releases it."""

    def __init__(self, *, max_connections: int = 64) -> None:
        # Redirects are not followed: a 3xx could point the dispatcher at an internal address.
        self._client = httpx.AsyncClient(
            follow_redirects=False, trust_env=False,
            limits=httpx.Limits(max_connections=max_connections,
                                max_keepalive_connections=max_connections))

    async def post(self, url: str, body: bytes, headers: dict[str, str], *,
                   timeout: float) -> SendResult:
        try:
            async with self._client.stream("POST", url, content=body, headers=headers,
                                           timeout=timeout) as response:
                error = None
                if not 200 <= response.status_code < 300:
                    error = await _head_of_body(response) or response.reason_phrase
        except httpx.TimeoutException:
            return SendResult(None, error=f"timed out after {timeout:g} s")
        except httpx.HTTPError as exc:
            return SendResult(None, error=f"{type(exc).__name__}: {exc}")
        return SendResult(response.status_code,
                          retry_after=_retry_after(response.headers.get("Retry-After")),
                          error=error)

    async def aclose(self) -> None:
        await self._client.aclose()
