"""A loopback HTTP server for the bundled feed snapshot.

The demo polls the snapshot through the same fetch and parse code as the live feed,
so it needs something that speaks HTTP, conditional GET included.
"""

from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import TracebackType

SNAPSHOT_PATH = "/publications/analytical-articles.feed"


def bundled_snapshot() -> bytes:
    return resources.files("bot").joinpath("data", "cacianalyst-snapshot.rss").read_bytes()


class SnapshotServer:
    """Serves one feed body on 127.0.0.1 at a free port until closed."""

    def __init__(self, body: bytes, *, path: str = SNAPSHOT_PATH) -> None:
        self.body = body
        self.path = path
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        self.last_modified = formatdate(usegmt=True)
        self.requests = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{self.path}"

    def __enter__(self) -> SnapshotServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                if self.path != server.path:
                    self.send_error(404)
                    return
                if self.headers.get("If-None-Match") == server.etag:
                    self.send_response(304)
                    self.send_header("ETag", server.etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(server.body)))
                self.send_header("ETag", server.etag)
                self.send_header("Last-Modified", server.last_modified)
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, format: str, *args: object) -> None:
                # Request lines would interleave with the demo's own output.
                pass

        return Handler
