"""``caci-watch serve`` (and ``[site] serve = true`` in ``run``): the digest archive over
HTTP, read-only, each page made from the store when asked for.

The standard library's threading HTTP server in a thread of its own: GET and HEAD
only (anything else is 405), a path the site has no page for is 404, and a path that
tries to climb out of the site (``..``, a backslash, an encoded slash, a control
character) is refused with 400 before anything is looked up; ``/favicon.ico``, which
the pages do not use (they link ``favicon.svg``), is 204; a store that cannot be read
just now is 503. Pages come from ``pages(path)``, which is ``bot.app.site.page_source``:
nothing is read from disk.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from bot.domain.archive import DEFAULT_ICON
from bot.storage.database import StoreError

log = logging.getLogger(__name__)

PageSource = Callable[[str], bytes | None]

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# The pages need nothing but their own style sheet and icon: no script runs, whatever a
# title says.
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_MAX_PATH = 512
# How long a connection may wait between requests, or send one: each holds a thread.
IDLE_TIMEOUT = 30.0


def site_path(raw: str) -> str | None:
    """The site's page a request's target names (``days/2026-12-07.html``; a folder means
    its ``index.html``), or None when the target is no plain path inside the site."""
    target = urlsplit(raw).path
    if not target.startswith("/") or len(target) > _MAX_PATH:
        return None
    if "%2f" in target.lower() or "%5c" in target.lower():
        return None
    path = unquote(target, errors="strict") if "%" in target else target
    if "\\" in path or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return None
    parts = path.split("/")[1:]
    if any(p in (".", "..") for p in parts) or any(p == "" for p in parts[:-1]):
        return None
    if parts[-1] == "":
        parts[-1] = "index.html"
    return "/".join(parts)


class _Handler(BaseHTTPRequestHandler):
    server: _SiteHTTPServer
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes; with Nagle's algorithm the body
    # waits for the client's delayed ACK of the headers (about 40 ms a response).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        # An idle or slow client is let go after this (the base class's default: never).
        self.connection.settimeout(self.server.idle_timeout)

    def version_string(self) -> str:
        return "caci-watch"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _refuse_method(self) -> None:
        # A body it may carry is not read: the connection ends with the answer.
        self.close_connection = True
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"Only GET and HEAD.\n",
            body=True,
            extra={"Allow": "GET, HEAD"},
        )

    def __getattr__(self, name: str) -> Callable[[], None]:
        # The base class answers a method it finds no do_METHOD for with 501; every
        # method but GET and HEAD is one this read-only site does not allow.
        if name.startswith("do_"):
            return self._refuse_method
        raise AttributeError(name)

    def _answer(self, *, body: bool) -> None:
        try:
            path = site_path(self.path)
        except UnicodeDecodeError:
            path = None
        if path is None:
            self._send(HTTPStatus.BAD_REQUEST, b"No such path in this site.\n", body=body)
            return
        if path == DEFAULT_ICON:
            # Asked for by clients that do not read the pages' icon link; a 404 would
            # show as an error in a browser's console.
            self._send(HTTPStatus.NO_CONTENT, b"", body=False)
            return
        last = path.rsplit("/", 1)[-1]
        try:
            page = self.server.pages(path)
            folder = None
            if page is None and "." not in last:
                # A folder asked for without its slash ("/lists"), as people type them.
                folder = self.server.pages(f"{path}/index.html")
        except StoreError as exc:
            # Moved, locked past the busy timeout, damaged: the pages are back when the
            # store is; one line each time says as much as a traceback would.
            log.warning("site status=store_unreadable page=%s error=%s", path, exc)
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                b"The archive cannot be read just now.\n",
                body=body,
                extra={"Retry-After": "30"},
            )
            return
        except Exception:
            log.exception("the archive page %s could not be made", path)
            self._send(
                HTTPStatus.INTERNAL_SERVER_ERROR, b"The page could not be made.\n", body=body
            )
            return
        if page is None and folder is not None:
            # Where a web server sends it; relative, so that it holds behind a proxy
            # serving the site under a prefix of its own.
            moved = b"That folder's address ends with a slash.\n"
            self._send(
                HTTPStatus.MOVED_PERMANENTLY, moved, body=body, extra={"Location": f"{last}/"}
            )
            return
        if page is None:
            self._send(HTTPStatus.NOT_FOUND, b"No such page.\n", body=body)
            return
        kind = CONTENT_TYPES.get(path[path.rfind(".") :], "application/octet-stream")
        self._send(HTTPStatus.OK, page, body=body, kind=kind)

    def _send(
        self,
        status: HTTPStatus,
        payload: bytes,
        *,
        body: bool,
        kind: str = "text/plain; charset=utf-8",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if status != HTTPStatus.NO_CONTENT:  # which has neither, by definition
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
        for name, value in {**_SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], pages: PageSource, idle_timeout: float) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.pages = pages
        self.idle_timeout = idle_timeout


class SiteServer:
    """The archive served on ``host:port`` (port 0: a free one) until ``close``."""

    def __init__(
        self,
        pages: PageSource,
        host: str = "127.0.0.1",
        port: int = 8080,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self._http = _SiteHTTPServer((host, port), pages, idle_timeout)
        self._thread = threading.Thread(
            target=self._http.serve_forever, args=(0.1,), name="site-server", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        host = str(self._http.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/"

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
