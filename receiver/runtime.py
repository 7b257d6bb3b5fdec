"""Running the receiver: the application from settings (writable), uvicorn, graceful shutdown.

On SIGINT/SIGTERM uvicorn stops listening, lets every request it has accepted finish (its unit
of work commits and the client gets its answer; at most ``SHUTDOWN_GRACE_SECONDS``), and only
then is the application closed.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import uvicorn

from costsight.bearer_tokens import TokenTable, load_tokens
from costsight.bootstrap import bootstrap
from costsight.core.application import Application
from costsight.core.errors import ValidationError
from costsight.http_serving import serving_on_free_port
from costsight.receiver.app import TRACES_PATH, Receiver, ReceiverLimits, receiver_app
from costsight.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4318
TOKENS_ENV = "COSTSIGHT_RECEIVER_TOKENS_FILE"
SHUTDOWN_GRACE_SECONDS = 30
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def tokens_from(settings: Settings, tokens_file: str | None) -> TokenTable:
    path = tokens_file or settings.receiver_tokens_file
    if not path:
        raise ValidationError("--tokens-file", "is required",
                              allowed=f"a JSON file mapping bearer tokens to tenant scopes "
                                      f"(or {TOKENS_ENV})")
    return TokenTable(load_tokens(path, field="--tokens-file"))


@contextmanager
def _stop_signals_return() -> Iterator[None]:
    """uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    it found. Found ours, that signal only ends ``serve`` normally, so the application is closed
    and the command exits 0 after the accepted requests are done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in stopping}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _config(receiver: Receiver, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(receiver_app(receiver), host=host, port=port, log_level="warning",
                          lifespan="off", timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS)


@asynccontextmanager
async def serving_receiver(app: Application, tokens: TokenTable, *, host: str = DEFAULT_HOST,
                           limits: ReceiverLimits | None = None,
                           startup_timeout: float = 30) -> AsyncIterator[tuple[str, Receiver]]:
    """Serve the receiver for ``app`` on ``host`` and a free port while the block runs (tests,
    benchmarks, embedding); yields the traces endpoint URL and the receiver."""
    receiver = Receiver(app, tokens, limits)
    async with serving_on_free_port(_config(receiver, host, 0), startup_timeout) as port:
        yield f"http://{host}:{port}{TRACES_PATH}", receiver


async def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                settings: Settings | None = None, tokens_file: str | None = None,
                limits: ReceiverLimits | None = None) -> Receiver:
    """Serve ``POST /v1/traces`` until SIGINT/SIGTERM; returns the receiver (its counters)."""
    settings = settings or Settings()
    tokens = tokens_from(settings, tokens_file)
    app = await bootstrap(settings)
    try:
        receiver = Receiver(app, tokens, limits or ReceiverLimits.from_settings(settings))
        if host not in LOOPBACK_HOSTS:
            log.warning("receiving OTLP on non-loopback host %s: put TLS in front of it", host)
        with _stop_signals_return():
            await uvicorn.Server(_config(receiver, host, port)).serve()
        return receiver
    finally:
        await app.aclose()
