"""``caci-watch serve``: the archive over real HTTP on 127.0.0.1 (a free port), made from
the store: 200 with the right type for its pages, 404 for what it has not, 405 for any
method but GET and HEAD, and a path that climbs out of the site refused."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from bot.app.service import Service
from bot.app.site import page_source
from bot.domain.archive import article_path, day_path, list_path
from bot.runtime.site_server import SiteServer, site_path
from tests.app.test_schedules_and_quiet import service
from tests.factories import make_article, make_match

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[Service]:
    made = service(tmp_path)
    store_article(made, 1, "Iran <and> the route")
    (tmp_path / "secret.txt").write_text("do not serve me")
    yield made
    made.close()


@pytest.fixture
def server(svc: Service) -> Iterator[SiteServer]:
    with SiteServer(page_source(svc, lambda: NOW), "127.0.0.1", 0) as running:
        yield running


def store_article(svc: Service, n: int, title: str) -> None:
    article = make_article(n, title=title)
    svc.store.upsert_article(article, NOW)
    svc.store.replace_matches(article.id, [make_match("TRIPP")], NOW)


def test_pages_follow_the_store_as_it_changes(svc: Service, server: SiteServer) -> None:
    new = "/" + article_path(make_article(2).id)
    assert ask(server, "GET", new)[0] == 404
    store_article(svc, 2, "A later story")
    status, _, body = ask(server, "GET", new)
    assert status == 200 and b"A later story" in body
    svc.store.replace_matches(make_article(2).id, [], NOW)
    assert ask(server, "GET", new)[0] == 404


def ask(server: SiteServer, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.endheaders()
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


def test_pages_are_served_with_their_type(server: SiteServer) -> None:
    for target, kind in (
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
        ("/" + day_path(NOW.date()), "text/html; charset=utf-8"),
        ("/" + list_path("TRIPP"), "text/html; charset=utf-8"),
        ("/" + list_path("TRIPP").removesuffix("index.html"), "text/html; charset=utf-8"),
        ("/" + article_path(make_article(1).id), "text/html; charset=utf-8"),
    ):
        status, headers, body = ask(server, "GET", target)
        assert (status, headers["Content-Type"]) == (200, kind), target
        assert int(headers["Content-Length"]) == len(body)
        assert headers["X-Content-Type-Options"] == "nosniff"
    status, _, body = ask(server, "GET", "/" + article_path(make_article(1).id))
    assert b"Iran &lt;and&gt; the route" in body


def test_head_answers_like_get_without_a_body(server: SiteServer) -> None:
    _, got, body = ask(server, "GET", "/index.html")
    status, headers, empty = ask(server, "HEAD", "/index.html")
    assert (status, empty) == (200, b"")
    assert headers["Content-Length"] == got["Content-Length"] == str(len(body))


def test_the_icon_browsers_ask_for_unbidden_is_no_content_rather_than_an_error(
    server: SiteServer,
) -> None:
    for method in ("GET", "HEAD"):
        status, headers, body = ask(server, method, "/favicon.ico")
        assert (status, body) == (204, b""), method
        assert "Content-Length" not in headers and "Content-Type" not in headers, method
    # Only at the site's root: elsewhere it is a path like any the site has not.
    assert ask(server, "GET", "/days/favicon.ico")[0] == 404


def test_what_the_site_has_not_is_404(server: SiteServer) -> None:
    for target in ("/nope.html", "/days/1999-01-01.html", "/articles/0000000000000000.html",
                   "/lists/tripp-000000/index.html", "/secret.txt"):  # fmt: skip
        status, _, body = ask(server, "GET", target)
        assert status == 404, target
        assert b"do not serve me" not in body


def test_other_methods_are_405_naming_the_allowed_ones(server: SiteServer) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO"):
        status, headers, _ = ask(server, method, "/index.html")
        assert status == 405, method
        assert headers["Allow"] == "GET, HEAD"


def test_a_path_climbing_out_of_the_site_is_refused(server: SiteServer) -> None:
    for target in (
        "/../secret.txt",
        "/days/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/days/..%5c..%5csecret.txt",
        "/days\\..\\secret.txt",
        "/%00index.html",
        "//etc/passwd",
        "http://elsewhere/../secret.txt",
    ):
        status, _, body = ask(server, "GET", target)
        assert status in (400, 404), target
        assert b"do not serve me" not in body


def test_a_request_target_names_a_path_inside_the_site_or_none() -> None:
    assert site_path("/") == "index.html"
    assert site_path("/lists/tripp-1/") == "lists/tripp-1/index.html"
    assert site_path("/days/2026-12-07.html?x=1#y") == "days/2026-12-07.html"
    assert site_path("/a%20b.html") == "a b.html"
    for bad in ("/..", "/a/../b", "/./a", "//a", "/a%2Fb", "/a\\b", "/%0a", "a.html"):
        assert site_path(bad) is None, bad


def test_a_connection_that_says_nothing_is_closed_and_frees_its_thread(svc: Service) -> None:
    # Without a time limit, each idle connection (a keep-alive one a browser left open,
    # or thousands a client opens on purpose) held a thread of the bot for good.
    pages = page_source(svc, lambda: NOW)
    with SiteServer(pages, "127.0.0.1", 0, idle_timeout=0.2) as running:
        with socket.create_connection(("127.0.0.1", running.port), timeout=30) as idle:
            assert idle.recv(1) == b""  # the server closed it
        conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
        conn.request("GET", "/index.html")
        answer = conn.getresponse()
        assert answer.status == 200
        answer.read()
        # A kept-alive connection that asks no more is closed as well.
        assert conn.sock is not None and conn.sock.recv(1) == b""
        conn.close()


def test_a_store_that_cannot_be_read_is_503_with_one_line_and_no_traceback(
    svc: Service, server: SiteServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Moved, deleted or locked past the busy timeout: the archive is back when the store
    # is, and a log that takes a traceback per request says no more than one line does.
    store = Path(svc.config.store.path)
    store.rename(store.with_name("moved.sqlite3"))
    with caplog.at_level("WARNING", logger="bot.runtime.site_server"):
        status, headers, body = ask(server, "GET", "/index.html")
    assert status == 503 and headers["Retry-After"] == "30"
    assert b"cannot be read" in body
    assert [r.exc_info for r in caplog.records] == [None]
    assert "moved" not in caplog.text and "s.sqlite3" in caplog.text


def test_a_folder_asked_for_without_its_slash_is_sent_to_it(server: SiteServer) -> None:
    # Relative, so that it holds behind a proxy serving the site under /caci/.
    slug = list_path("TRIPP").split("/")[1]
    for target, location in (("/lists", "lists/"), ("/days", "days/"),
                             (f"/lists/{slug}", f"{slug}/")):  # fmt: skip
        status, headers, _ = ask(server, "GET", target)
        assert (status, headers.get("Location")) == (301, location), target
        folder = urljoin(f"http://127.0.0.1{target}", location)
        assert ask(server, "GET", urlsplit(folder).path)[0] == 200
    for target in ("/nope", "/lists/tripp-000000", "/articles"):
        assert ask(server, "GET", target)[0] == 404, target
