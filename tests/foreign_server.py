"""A loopback HTTP server that stands for a host an attacker chose: it records every request.

Used by the saved-plan tamper corpus and the endpoint-URL corpus (issue 7) to prove that no
signed request (or session token) ever reaches a host the specs or a plan file named.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ForeignServer:
    url: str
    requests: list[dict[str, str]] = field(default_factory=list)


@contextmanager
def foreign_server() -> Iterator[ForeignServer]:
    """``with foreign_server() as srv: ... srv.url ... srv.requests``."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            seen.append({"method": self.command, "path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = do_DELETE = _record

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield ForeignServer(url=f"http://127.0.0.1:{server.server_address[1]}", requests=seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
