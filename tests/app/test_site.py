"""``caci-watch site --out DIR`` from a store with known articles: the pages and their
links, paging and escaping; every relative link resolves to a written file; writing
again leaves unchanged pages as they are; personal lists are never published."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from posixpath import normpath
from urllib.parse import urlsplit

import pytest

from bot.app import site as site_module
from bot.app.config import builtin_config
from bot.app.service import Service, build_service
from bot.app.site import NotASiteFolder, load_site, page_source, write_site
from bot.domain.aboutness import PossiblyAbout
from bot.domain.archive import PAGE_SIZE, article_path, list_slug
from tests.about_lists import give_tripp_about
from tests.app.test_schedules_and_quiet import service
from tests.factories import make_article, make_match, on_store
from tests.watchlist_copy import copy_watchlists

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HOSTILE = 'Tehran & <Baku> "talks" <script>alert(1)</script>'
_HREF = re.compile(r'href="([^"]*)"')


def store_article(
    svc: Service, n: int, when: datetime, *lists: str, title: str | None = None
) -> None:
    article = make_article(n, title=title if title is not None else f"Story {n}")
    svc.store.upsert_article(article, when)
    svc.store.replace_matches(article.id, [make_match(w) for w in lists], when)


def written_links(out: Path) -> list[tuple[Path, str]]:
    links = []
    for page in out.rglob("*.html"):
        for href in _HREF.findall(page.read_text("utf-8")):
            links.append((page, href))
    return links


def test_every_relative_link_in_the_written_site_resolves_to_a_written_file(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    for n in range(PAGE_SIZE + 5):
        store_article(svc, n, NOW - timedelta(days=n % 9, minutes=n), "TRIPP")
    store_article(svc, 500, NOW - timedelta(days=2), "Middle Corridor", "TRIPP", title=HOSTILE)
    out = tmp_path / "site"
    done = write_site(svc, out, NOW)
    assert done.written == done.pages > 0
    checked = 0
    for page, href in written_links(out):
        href = href.split("#")[0]
        if not href:
            continue  # a link within the page (the skip link)
        if urlsplit(href).scheme:
            assert href.startswith("https://example.org/item/"), href
            continue
        assert not href.startswith("/"), (page, href)
        target = out / normpath((page.parent.relative_to(out) / href).as_posix())
        assert target.is_file(), (page, href)
        checked += 1
    assert checked > 100


def test_pages_of_a_list_hold_fifty_newest_first_and_the_index_links_them(
    tmp_path: Path,
) -> None:
    svc = service(tmp_path)
    for n in range(PAGE_SIZE + 5):
        store_article(svc, n, NOW - timedelta(hours=n), "TRIPP")
    out = tmp_path / "site"
    write_site(svc, out, NOW)
    folder = out / "lists" / list_slug("TRIPP")
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "page-1.html", "page-2.html"]
    newest = (folder / "index.html").read_text("utf-8")
    assert newest == (folder / "page-2.html").read_text("utf-8").replace(
        "TRIPP, page 2 ·", "TRIPP ·"
    )
    assert newest.count('<li class="item">') == 5
    assert newest.index("Story 0<") < newest.index("Story 4<")  # Story 0 is the newest
    oldest = (folder / "page-1.html").read_text("utf-8")
    assert oldest.count('<li class="item">') == PAGE_SIZE
    index = (out / "index.html").read_text("utf-8")
    assert f'href="lists/{list_slug("TRIPP")}/index.html"' in index
    assert 'href="days/2026-12-07.html"' in index
    assert "<svg" in index and "Matches per week" in index


def test_a_hostile_title_is_escaped_everywhere_it_is_written(tmp_path: Path) -> None:
    svc = service(tmp_path)
    store_article(svc, 1, NOW, "TRIPP", title=HOSTILE)
    out = tmp_path / "site"
    write_site(svc, out, NOW)
    escaped = "Tehran &amp; &lt;Baku&gt; &quot;talks&quot; &lt;script&gt;alert(1)&lt;/script&gt;"
    for path in ("index.html", "days/2026-12-07.html", article_path(make_article(1).id)):
        page = (out / path).read_text("utf-8")
        assert "<script" not in page, path
        assert escaped in page, path


def test_writing_again_writes_only_what_changed_and_removes_what_is_gone(
    tmp_path: Path,
) -> None:
    svc = service(tmp_path)
    store_article(svc, 1, NOW - timedelta(days=1), "TRIPP")
    store_article(svc, 2, NOW - timedelta(days=1), "Middle Corridor")
    out = tmp_path / "site"
    first = write_site(svc, out, NOW)
    old_article = out / article_path(make_article(1).id)
    stamp = old_article.stat().st_mtime_ns
    again = write_site(svc, out, NOW)
    assert (again.pages, again.written, again.removed) == (first.pages, 0, 0)
    store_article(svc, 3, NOW, "TRIPP")
    svc.store.replace_matches(make_article(2).id, [], NOW)
    later = write_site(svc, out, NOW)
    assert old_article.stat().st_mtime_ns == stamp, "an unchanged page keeps its file"
    assert not (out / article_path(make_article(2).id)).exists()
    assert (out / article_path(make_article(3).id)).is_file()
    assert later.removed >= 1 and 0 < later.written < later.pages


def test_personal_lists_and_lists_no_longer_in_force_are_not_published(tmp_path: Path) -> None:
    svc = service(tmp_path)
    store_article(svc, 1, NOW, "TRIPP", "Ann's secret list")
    store_article(svc, 2, NOW, "Ann's secret list")
    site = load_site(svc, NOW)
    assert site.archive.lists == ("Abraham Accords", "Middle Corridor", "TRIPP")
    assert [e.article.id for e in site.archive.entries] == [make_article(1).id]
    out = tmp_path / "site"
    write_site(svc, out, NOW)
    assert not any("secret" in p.read_text("utf-8") for p in out.rglob("*.html"))


def test_possibly_about_findings_are_on_their_lists_pages_with_the_passage(
    tmp_path: Path, store_url: str
) -> None:
    lists = copy_watchlists(tmp_path / "watchlists")
    give_tripp_about(lists)
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3", watchlists_dir=lists, feed_urls=["https://f/a"]
    )
    svc = build_service(on_store(config, store_url))
    article = replace(make_article(7, title="A road through Syunik"), text="Long. " * 100)
    svc.store.upsert_article(article, NOW)
    found = PossiblyAbout(article.id, "TRIPP", 0.8, "very close", "A U.S.-run transit route.")
    svc.store.about.replace(article.id, article.content_hash, [found], NOW)
    site = load_site(svc, NOW)
    page = (site.page(f"lists/{list_slug('TRIPP')}/index.html") or b"").decode()
    assert "A road through Syunik" in page
    assert "very close to what TRIPP is about" in page
    assert "A U.S.-run transit route." in page
    # serve reads the same pages on a read-only connection of its own
    served = page_source(svc, lambda: NOW)(f"lists/{list_slug('TRIPP')}/index.html") or b""
    assert served.decode() == page


def test_the_site_is_written_with_the_possibly_about_tier_off(
    tmp_path: Path, store_url: str
) -> None:
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3",
        watchlists_dir=copy_watchlists(tmp_path / "watchlists"),
        feed_urls=["https://f/a"],
    )
    config = replace(config, about=replace(config.about, enabled=False))
    svc = build_service(on_store(config, store_url))
    store_article(svc, 1, NOW - timedelta(days=1), "TRIPP", title="A named story")
    page = page_source(svc, lambda: NOW)(f"lists/{list_slug('TRIPP')}/index.html") or b""
    assert "A named story" in page.decode()
    assert write_site(svc, tmp_path / "site", NOW).pages > 0


def test_a_folder_of_other_files_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    svc = service(tmp_path)
    store_article(svc, 1, NOW, "TRIPP")
    home = tmp_path / "home"
    (home / "days").mkdir(parents=True)
    mine = {
        "index.html": b"<title>My own page</title>",
        "style.css": b"body { color: red }",
        "notes.txt": b"keep me",
        "days/2026-01-01.html": b"my diary",
    }
    for name, data in mine.items():
        (home / name).write_bytes(data)
    with pytest.raises(NotASiteFolder):
        write_site(svc, home, NOW)
    assert {n: (home / n).read_bytes() for n in mine} == mine
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == [
        "days",
        "days/2026-01-01.html",
        "index.html",
        "notes.txt",
        "style.css",
    ]


def test_a_folder_without_an_index_but_with_files_is_refused(tmp_path: Path) -> None:
    svc = service(tmp_path)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF")
    with pytest.raises(NotASiteFolder):
        write_site(svc, folder, NOW)
    assert [p.name for p in folder.iterdir()] == ["report.pdf"]


def test_a_new_an_empty_and_an_own_folder_are_written(tmp_path: Path) -> None:
    svc = service(tmp_path)
    store_article(svc, 1, NOW, "TRIPP")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".keep").write_bytes(b"")
    for out in (tmp_path / "new" / "site", empty):
        assert write_site(svc, out, NOW).written > 0
    (empty / "robots.txt").write_bytes(b"User-agent: *\n")
    again = write_site(svc, empty, NOW)
    assert again.written == 0 and (empty / "robots.txt").is_file()


def test_a_served_index_starts_a_new_week_at_monday_in_the_digests_zone(tmp_path: Path) -> None:
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3",
        watchlists_dir=copy_watchlists(tmp_path / "watchlists"),
        feed_urls=["https://f/a"],
    )
    config = replace(config, digest=replace(config.digest, timezone="Asia/Tashkent"))
    svc = build_service(config)
    store_article(svc, 1, NOW, "TRIPP")
    # Sunday 23:00 in Tashkent (UTC+5), then Monday 01:00 there: the same UTC day.
    clock = [datetime(2026, 12, 13, 18, 0, tzinfo=UTC)]
    page = page_source(svc, lambda: clock[0])
    assert '<th scope="row">2026-12-07</th>' in (page("index.html") or b"").decode()
    clock[0] = datetime(2026, 12, 13, 20, 0, tzinfo=UTC)
    assert '<th scope="row">2026-12-14</th>' in (page("index.html") or b"").decode()
    svc.close()


def test_writing_again_puts_each_page_before_the_pages_that_link_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A web server serves the folder while it is written: the index must not link to
    # an article page that is not there yet.
    svc = service(tmp_path)
    store_article(svc, 1, NOW - timedelta(days=1), "TRIPP")
    out = tmp_path / "site"
    write_site(svc, out, NOW)
    store_article(svc, 2, NOW, "Ann's secret list", "Middle Corridor")
    order: list[str] = []
    real = site_module.write_if_changed

    def noting(path: Path, data: bytes) -> bool:
        order.append(path.relative_to(out).as_posix())
        return real(path, data)

    monkeypatch.setattr(site_module, "write_if_changed", noting)
    write_site(svc, out, NOW)
    new = article_path(make_article(2).id)
    corridor = f"lists/{list_slug('Middle Corridor')}/index.html"
    for linking in ("index.html", "days/index.html", "days/2026-12-07.html",
                    "lists/index.html", corridor):  # fmt: skip
        assert order.index(new) < order.index(linking), linking
    assert order[-1] == "index.html"
