"""A real HTTP receiver for the alert tests: a threaded ``http.server`` on 127.0.0.1.

Each path answers from a script of (status, headers, delay seconds) in order, then 200. Every
request is recorded (path, headers, body); ``max_in_flight`` tracks how many requests of one
delivery id and of one path were being served at the same time.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, list[tuple[int, dict[str, str], float]]] = field(
        default_factory=lambda: defaultdict(list))
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    max_in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    got_request: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *responses: tuple[int, dict[str, str], float]) -> None:
        self.scripts[path].extend(responses)

    def ids(self) -> list[str]:
        return [r.headers["costsight-delivery-id"] for r in self.requests]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            keys = [f"id:{headers.get('costsight-delivery-id')}", f"path:{self.path}"]
            with receiver.lock:
                receiver.requests.append(Received(self.path, headers, body))
                script = receiver.scripts.get(self.path)
                status, extra, delay = script.pop(0) if script else (200, {}, 0.0)
                for key in keys:
                    receiver.in_flight[key] += 1
                    receiver.max_in_flight[key] = max(receiver.max_in_flight[key],
                                                      receiver.in_flight[key])
            receiver.got_request.set()
            try:
                if delay < 0:  # hang until released (the SIGKILL test)
                    receiver.release.wait(60)
                elif delay:
                    threading.Event().wait(delay)
                payload = b"ok" if status < 400 else b"nope"
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with receiver.lock:
                    for key in keys:
                        receiver.in_flight[key] -= 1

    return Handler


class _Server(ThreadingHTTPServer):
    # the default backlog of 5 resets connections when many deliveries connect at once
    request_queue_size = 512
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients closing kept-alive connections at the end of a test are not failures.
        return


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = _Server(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
