"""A loopback HTTP server that plays the part of a feed publisher in tests.

Real sockets on 127.0.0.1, so the client under test runs its real transport. Routes are
plain values that can be swapped while the server runs::

    with FeedServer() as server:
        server.serve_feed("/feed.rss", body)          # ETag + Last-Modified + 304s
        server.redirect("/old", "/feed.rss", status=301)
        server.respond("/down", 503, headers={"Retry-After": "120"})
        url = server.url("/feed.rss")
        ...
        server.publish("/feed.rss", new_body)         # new validators, next GET is 200
        assert server.requests_for("/feed.rss")[-1].headers["if-none-match"] == etag

Handlers that wait (``SlowResponse``) wait on ``server.release``: set it to let a slow
response finish; ``stop()`` sets it too, so shutdown is prompt even when a client is stuck
on a slow route. ``wait_for_requests(path)`` lets a test wait for a request to arrive
instead of sleeping. ``connections`` counts the TCP connections accepted and
``open_connections`` those not closed yet, so that a test can see a client reuse one.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.loopback import LoopbackServer

FIXTURES = Path(__file__).parent / "fixtures"

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

# A fixed clock for Last-Modified so tests do not depend on wall time.
_EPOCH = datetime(2025, 8, 20, 18, 51, tzinfo=UTC)


@dataclass(frozen=True)
class Feed:
    """A body served with validators; a matching conditional GET gets 304."""

    body: bytes
    content_type: str = RSS_TYPE
    etag: str = ""
    last_modified: str = ""
    send_etag: bool = True
    send_last_modified: bool = True


@dataclass(frozen=True)
class Redirect:
    location: str
    status: int = 301


@dataclass(frozen=True)
class Fixed:
    """Any status with a body and headers, no validators (500, 503 + Retry-After, HTML…)."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Oversize:
    """Streams ``total_bytes`` of filler in chunks; stops quietly when the client hangs up."""

    total_bytes: int
    chunk_bytes: int = 64 * 1024
    declare_length: bool = False
    content_type: str = RSS_TYPE


@dataclass(frozen=True)
class SlowResponse:
    """Waits before answering, or trickles the body, until ``server.release`` is set.

    ``stall_before_headers`` stalls before the status line (a read timeout on the
    headers); otherwise the headers go out at once and the body trickles a few bytes
    every ``trickle_interval`` seconds, which no per-read timeout ever catches.
    """

    body: bytes = b"<?xml version='1.0'?><rss version='2.0'><channel><title>slow</title>"
    stall_before_headers: bool = True
    trickle_interval: float = 0.05
    max_wait: float = 30.0


Route = Feed | Redirect | Fixed | Oversize | SlowResponse


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names


class FeedServer(LoopbackServer):
    """A running loopback server; use as a context manager or call start()/stop()."""

    def __init__(self, *, idle_timeout: float = 5) -> None:
        """``idle_timeout``: how long a kept-alive connection may idle before the server
        closes it."""
        super().__init__()
        self.idle_timeout = idle_timeout
        self._routes: dict[str, Route] = {}
        self._requests: list[RecordedRequest] = []
        self._connections = 0
        self._open_connections = 0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._versions: dict[str, int] = {}
        self.release = threading.Event()

    # -- lifecycle (start, stop, context manager and base_url: LoopbackServer)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)

    def _make_server(self) -> ThreadingHTTPServer:
        return _QuietServer(("127.0.0.1", 0), self._handler_class())

    def _before_stop(self) -> None:
        self.release.set()

    # -- addresses

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- routes

    def set_route(self, path: str, route: Route) -> None:
        with self._lock:
            self._routes[path] = route

    def serve_feed(self, path: str, body: bytes, *, content_type: str = RSS_TYPE) -> Feed:
        """Serve ``body`` at ``path`` with a fresh ETag and a later Last-Modified."""
        with self._lock:
            version = self._versions.get(path, 0) + 1
            self._versions[path] = version
            feed = Feed(
                body=body,
                content_type=content_type,
                etag='"' + hashlib.sha256(body).hexdigest()[:16] + f'-{version}"',
                # HTTP dates have one-second resolution; a new version must be later.
                last_modified=format_datetime(_EPOCH + timedelta(minutes=version), usegmt=True),
            )
            self._routes[path] = feed
        return feed

    def publish(self, path: str, body: bytes) -> Feed:
        """Replace a feed's body (a new article went up), keeping its content type."""
        current = self._routes.get(path)
        content_type = current.content_type if isinstance(current, Feed) else RSS_TYPE
        return self.serve_feed(path, body, content_type=content_type)

    def serve_fixture(self, path: str, name: str, *, content_type: str = RSS_TYPE) -> Feed:
        return self.serve_feed(path, (FIXTURES / name).read_bytes(), content_type=content_type)

    def redirect(self, path: str, location: str, *, status: int = 301) -> None:
        self.set_route(path, Redirect(location=location, status=status))

    def redirect_loop(self, first: str, second: str, *, status: int = 302) -> None:
        self.redirect(first, second, status=status)
        self.redirect(second, first, status=status)

    def respond(
        self,
        path: str,
        status: int,
        body: bytes = b"",
        *,
        content_type: str = "text/plain; charset=utf-8",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.set_route(path, Fixed(status, body, content_type, dict(headers or {})))

    def route(self, path: str) -> Route | None:
        with self._lock:
            return self._routes.get(path)

    # -- recorded traffic

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def wait_for_requests(self, path: str, count: int = 1, timeout: float = 5.0) -> bool:
        """Block until ``count`` requests for ``path`` have arrived (False on timeout)."""

        def arrived() -> bool:
            return sum(urlsplit(r.path).path == path for r in self._requests) >= count

        with self._arrived:
            return self._arrived.wait_for(arrived, timeout)

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        with self._lock:
            return self._connections

    @property
    def open_connections(self) -> int:
        """TCP connections accepted and not closed yet (by either side)."""
        with self._lock:
            return self._open_connections

    def wait_for_open_connections(self, count: int, timeout: float = 5.0) -> bool:
        """Block until exactly ``count`` connections are open (False on timeout)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: self._open_connections == count, timeout)

    def _connection_opened(self) -> None:
        with self._arrived:
            self._connections += 1
            self._open_connections += 1
            self._arrived.notify_all()

    def _connection_closed(self) -> None:
        with self._arrived:
            self._open_connections -= 1
            self._arrived.notify_all()

    def _record(self, request: RecordedRequest) -> None:
        with self._arrived:
            self._requests.append(request)
            self._arrived.notify_all()


class _QuietServer(ThreadingHTTPServer):
    # Eight feeds asked for at once must not wait out a dropped SYN's retransmit.
    request_queue_size = 64

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up on a kept-alive connection (a size cap, a refused redirect)
        # is what some tests provoke, not a server fault to print a traceback for.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def _make_handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_FeedHandler):
        feed_server = server
        timeout = server.idle_timeout

    return Handler


class _FeedHandler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes; with Nagle on, each response would wait
    # for the client's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True
    feed_server: FeedServer
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections must not pin handler threads for long.
    timeout = 5

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean

    def setup(self) -> None:
        self.feed_server._connection_opened()
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.feed_server._connection_closed()

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        server = self.feed_server
        headers = {k.lower(): v for k, v in self.headers.items()}
        server._record(RecordedRequest(self.command, self.path, headers))
        route = server.route(urlsplit(self.path).path)
        try:
            self._answer(route, headers)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            # The client gave up (size cap, timeout): exactly what some tests provoke.
            self.close_connection = True

    def _answer(self, route: Route | None, headers: dict[str, str]) -> None:
        match route:
            case None:
                self._send(404, b"not found", "text/plain")
            case Feed():
                self._answer_feed(route, headers)
            case Redirect(location=location, status=status):
                self._send(status, b"", "text/plain", {"Location": location})
            case Fixed(status=status, body=body, content_type=ctype, headers=extra):
                self._send(status, body, ctype, extra)
            case Oversize():
                self._stream_filler(route)
            case SlowResponse():
                self._answer_slowly(route)

    def _answer_feed(self, feed: Feed, headers: dict[str, str]) -> None:
        validators: dict[str, str] = {}
        if feed.send_etag and feed.etag:
            validators["ETag"] = feed.etag
        if feed.send_last_modified and feed.last_modified:
            validators["Last-Modified"] = feed.last_modified
        if _not_modified(feed, headers):
            self._send(304, b"", None, validators)
        else:
            self._send(200, feed.body, feed.content_type, validators)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        extra: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type and status != 304:
            self.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)

    def _stream_filler(self, route: Oversize) -> None:
        self.send_response(200)
        self.send_header("Content-Type", route.content_type)
        if route.declare_length:
            self.send_header("Content-Length", str(route.total_bytes))
        else:
            # Without a length the body ends when the connection does.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        chunk = b"<!-- filler -->" * (route.chunk_bytes // 15 + 1)
        sent = 0
        while sent < route.total_bytes and not self.feed_server.release.is_set():
            piece = chunk[: min(len(chunk), route.total_bytes - sent)]
            self.wfile.write(piece)
            sent += len(piece)

    def _answer_slowly(self, route: SlowResponse) -> None:
        release = self.feed_server.release
        if route.stall_before_headers:
            if not release.wait(route.max_wait):
                return
            self._send(200, route.body, RSS_TYPE)
            return
        self.send_response(200)
        self.send_header("Content-Type", RSS_TYPE)
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        for piece in _trickle(route.body):
            if release.wait(route.trickle_interval):
                return
            self.wfile.write(piece)
            self.wfile.flush()


def _trickle(body: bytes) -> Iterator[bytes]:
    while True:
        for start in range(0, len(body), 4):
            yield body[start : start + 4]
        yield b"<!-- still going -->"


def _not_modified(feed: Feed, headers: Mapping[str, str]) -> bool:
    # RFC 9110: If-None-Match takes precedence; If-Modified-Since is then ignored.
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return feed.send_etag and ("*" in tags or feed.etag in tags)
    since = headers.get("if-modified-since")
    if since is None or not feed.send_last_modified or not feed.last_modified:
        return False
    try:
        return parsedate_to_datetime(feed.last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
