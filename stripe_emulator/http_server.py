"""The emulator's HTTP plumbing: a threaded HTTP/1.1 keep-alive server and its handler.

What a request gets is the :class:`~stripe_emulator.server.Emulator`'s to decide; this module
only carries bytes.

Guarantees:
* Each response is written with a single ``sendall`` (status line, headers, body), with
  ``Content-Length`` and TCP_NODELAY, so keep-alive clients never stall on Nagle.
* Nothing is logged to stderr (the default access log is silenced).
* The server tracks its open client connections, so the emulator can close them all on stop.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from stripe_emulator.templates import api_version

if TYPE_CHECKING:
    from stripe_emulator.server import Emulator

_REASONS = {
    200: b"OK",
    400: b"Bad Request",
    401: b"Unauthorized",
    403: b"Forbidden",
    404: b"Not Found",
    409: b"Conflict",
    429: b"Too Many Requests",
    500: b"Internal Server Error",
    502: b"Bad Gateway",
    503: b"Service Unavailable",
}


class Server(ThreadingHTTPServer):
    """The listening socket and its handler threads, serving one :class:`Emulator`."""

    daemon_threads = False
    block_on_close = True
    emulator: Emulator

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    """One client connection: hands each request to the emulator, writes its answer."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def do_GET(self) -> None:
        self.server.emulator._serve(self)

    def _other(self) -> None:
        self.server.emulator._serve_other(self)

    do_POST = do_DELETE = do_PUT = do_PATCH = _other  # noqa: N815 - stdlib naming

    def respond(
        self,
        status: int,
        body: bytes,
        headers: Iterable[tuple[str, str]] = (),
        *,
        declared_length: int | None = None,
    ) -> None:
        """Write the whole response at once; ``declared_length`` may exceed ``len(body)``."""
        emu = self.server.emulator
        lines = [
            b"HTTP/1.1 %d %s" % (status, _REASONS.get(status, b"Error")),
            b"Content-Type: application/json",
            b"Content-Length: %d" % (len(body) if declared_length is None else declared_length),
            b"Request-Id: req_%012d" % emu._requests.next_request_id(),
            b"Stripe-Version: " + (self.headers.get("Stripe-Version") or api_version()).encode(),
        ]
        lines += [f"{name}: {value}".encode() for name, value in headers]
        if self.close_connection:
            lines.append(b"Connection: close")
        try:
            self.wfile.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        except OSError:  # the client gave up (a timeout): nothing to answer to
            self.close_connection = True
