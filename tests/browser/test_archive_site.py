"""The archive site `caci-watch site --out` writes, opened from its files in headless
Chromium, as a person would read it: the chart shows and has words for those who cannot
see it, every link leads to a page, nothing fails in the console, a hostile title reads as
text, a phone needs no sideways scrolling, and dark mode is dark.

The site is written once for the module (tests/browser/archive.py); the pages are walked
once (`walk`) and each test asks what it is about of that walk or of a page it opens.
"""

from __future__ import annotations

import html
import re
import struct
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.browser import viewing
from tests.browser.archive import HOSTILE_BODY, HOSTILE_TITLE, WrittenSite, write_site

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> WrittenSite:
    return write_site(tmp_path_factory.mktemp("archive"))


KINDS = ("index", "days", "day", "day page", "lists", "list", "list page", "article")


def page_kinds(site: WrittenSite) -> dict[str, str]:
    """One page of each kind the site has, by its path in the site."""
    pages = {
        "index": site.index,
        "days": site.root / "days" / "index.html",
        "day": site.pages("days/????-??-??.html")[-1],
        "day page": site.pages("days/????-??-??-p2.html")[0],
        "lists": site.root / "lists" / "index.html",
        "list": site.pages("lists/tripp-*/index.html")[0],
        "list page": site.pages("lists/middle-corridor-*/page-1.html")[0],
        "article": site.article_page(HOSTILE_TITLE),
    }
    return {kind: path.relative_to(site.root).as_posix() for kind, path in pages.items()}


def file_urls(site: WrittenSite) -> dict[str, str]:
    return {kind: (site.root / path).as_uri() for kind, path in page_kinds(site).items()}


@dataclass
class Visit:
    """What one page showed when opened."""

    headings: list[str]
    console: list[str]
    error_page: bool
    links: list[viewing.Link]
    scripts: int
    levels: list[int]
    mains: int


@dataclass
class Walk:
    """Every page of the site reached by a link from the index or from a page of each
    kind, opened once; ``broken`` are links whose target or fragment is missing."""

    visits: dict[str, Visit] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)  # target -> pages linking
    external: set[str] = field(default_factory=set)
    broken: list[str] = field(default_factory=list)


def visit(driver: WebDriver, url: str) -> Visit:
    viewing.load(driver, url)
    seen = viewing.glance(driver)
    console = viewing.console_errors(driver)
    return Visit(
        seen.headings, console, seen.error_page, seen.links, seen.scripts, seen.levels, seen.mains
    )


def walk_from(
    driver: WebDriver,
    starts: list[str],
    base: str,
    follow: Callable[[str], Visit] | None = None,
) -> Walk:
    """Opens ``starts`` and every page under ``base`` they link to (with ``follow``, by
    default in the browser); links elsewhere are noted, not followed (the tests have no
    network)."""
    done = Walk()
    for start in starts:
        done.visits[start] = visit(driver, start)
    fragments: list[tuple[str, str, str]] = []  # (from, target, fragment)
    for start in starts:
        for link in done.visits[start].links:
            if not link.href.startswith(base):
                done.external.add(link.href)
                continue
            done.sources.setdefault(link.target, []).append(start)
            if link.fragment:
                fragments.append((start, link.target, link.fragment))
    for target in done.sources:
        if target not in done.visits:
            done.visits[target] = follow(target) if follow else visit(driver, target)
    for source, target, fragment in fragments:
        viewing.load(driver, target)
        if not viewing.element_exists(driver, fragment):
            done.broken.append(f"{source} -> {target}#{fragment}")
    return done


@pytest.fixture(scope="module")
def walk(browser: WebDriver, site: WrittenSite) -> Walk:
    return walk_from(browser, list(file_urls(site).values()), site.root.as_uri() + "/")


def test_the_chart_is_visible_with_a_size_and_a_text_alternative(
    browser: WebDriver, site: WrittenSite
) -> None:
    viewing.load(browser, site.index.as_uri())
    (chart,) = viewing.charts(browser)
    assert chart.visible
    assert chart.width > 300 and chart.height > 100
    assert "Matches per week" in chart.name
    # The numbers behind it are there in words too, for a screen reader. (How many this
    # week depends on the hour: an hour ago was last week early on a Monday.)
    shown = viewing.visible_text(browser)
    for name in ("Abraham Accords", "Middle Corridor", "TRIPP"):
        assert re.search(rf"{name}: \d+ this week", shown), name
    with viewing.phone(browser):
        viewing.load(browser, site.index.as_uri())
        (small,) = viewing.charts(browser)
        assert small.visible and 0 < small.width <= viewing.PHONE_WIDTH and small.height > 0


# A label's box is about 1.2 times its font's size: 10 px is a font of about 8 px.
LEGIBLE = 10


def test_chart_labels_are_whole_and_legible_on_a_phone(
    browser: WebDriver, site: WrittenSite
) -> None:
    with viewing.phone(browser):
        viewing.load(browser, site.index.as_uri())
        labels = viewing.chart_labels(browser)
    assert labels
    assert [label for label in labels if label.clipped or label.height < LEGIBLE] == []


def test_chart_labels_are_whole_and_legible_on_a_desktop(
    browser: WebDriver, site: WrittenSite
) -> None:
    viewing.load(browser, site.index.as_uri())
    labels = viewing.chart_labels(browser)
    assert labels
    assert [label for label in labels if label.clipped or label.height < LEGIBLE] == []


def test_every_link_leads_to_a_page_with_a_heading(walk: Walk) -> None:
    failed = {
        url: f"error page: {v.error_page}, headings: {v.headings}"
        for url, v in walk.visits.items()
        if v.error_page or len(v.headings) != 1
    }
    assert not failed, failed
    assert not walk.broken, walk.broken
    # From the index: every day, every list and every article of the last days.
    assert len(walk.visits) > 60


def test_no_page_needs_javascript(walk: Walk) -> None:
    assert {url: v.scripts for url, v in walk.visits.items() if v.scripts} == {}


def test_every_page_has_one_main_part_and_headings_that_skip_no_level(walk: Walk) -> None:
    def skips(levels: list[int]) -> bool:
        return levels[:1] != [1] or any(b > a + 1 for a, b in pairwise(levels))

    assert {url: v.levels for url, v in walk.visits.items() if skips(v.levels)} == {}
    assert {url: v.mains for url, v in walk.visits.items() if v.mains != 1} == {}


def test_links_say_where_they_go(walk: Walk) -> None:
    unnamed = [
        (url, link.href)
        for url, v in walk.visits.items()
        for link in v.links
        if not link.text or link.text.casefold() in {"here", "click here", "more", "link"}
    ]
    assert not unnamed, unnamed


def test_links_out_of_the_site_are_to_the_articles_on_the_web(walk: Walk) -> None:
    for href in walk.external:
        parts = urlsplit(href)
        assert parts.scheme == "https" and parts.hostname, href
    assert any("cacianalyst.org" in href for href in walk.external)


def test_no_page_logs_a_console_error(walk: Walk) -> None:
    noisy = {url: v.console for url, v in walk.visits.items() if v.console}
    assert not noisy, noisy


def test_a_hostile_title_shows_as_text_on_every_page_that_names_it(
    browser: WebDriver, site: WrittenSite
) -> None:
    urls = file_urls(site)
    for kind in ("index", "day", "list", "article"):
        viewing.load(browser, urls[kind])
        assert viewing.alert_text(browser) is None, kind
        assert HOSTILE_TITLE in viewing.visible_text(browser), kind
        assert viewing.count_elements(browser, "b", "bold") == 0, kind
        assert viewing.count_elements(browser, "script", "alert(1)") == 0, kind
        assert viewing.console_errors(browser) == [], kind
    # The article's page: its title is the heading, and its body's markup is text too.
    viewing.load(browser, urls["article"])
    assert viewing.headings(browser) == [HOSTILE_TITLE]
    text = viewing.visible_text(browser)
    assert "<i>opens</i>" in text or "1 < 2" in text, text[:500]
    assert viewing.count_elements(browser, "i", "opens") == 0
    assert viewing.count_elements(browser, "img[src='x']", "") == 0
    assert HOSTILE_BODY  # the body the feed carried, see tests/browser/archive.py


@pytest.mark.parametrize("kind", KINDS)
def test_a_phone_needs_no_sideways_scrolling(
    browser: WebDriver, site: WrittenSite, kind: str
) -> None:
    with viewing.phone(browser):
        viewing.load(browser, file_urls(site)[kind])
        seen = viewing.widths(browser)
        assert seen.fits_a_phone, (seen, viewing.widest_elements(browser))


def test_dark_mode_darkens_the_page_and_keeps_its_text_readable(
    browser: WebDriver, site: WrittenSite
) -> None:
    for page in file_urls(site).values():
        viewing.load(browser, page)
        light = viewing.background(browser), viewing.foreground(browser)
        with viewing.dark(browser):
            dark = viewing.background(browser), viewing.foreground(browser)
        assert viewing.luminance(dark[0]) < viewing.luminance(light[0]), page
        for background, text in (light, dark):
            assert viewing.contrast(background, text) >= 4.5, (page, background, text)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshots_of_the_index_at_phone_and_desktop_widths(
    browser: WebDriver,
    site: WrittenSite,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    with viewing.phone(browser):
        viewing.load(browser, site.index.as_uri())
        phone = viewing.screenshot(browser, tmp_path / "index-375px.png")
    viewing.load(browser, site.index.as_uri())
    desktop = viewing.screenshot(browser, tmp_path / "index-1280px.png")
    for shot in (phone, desktop):
        record_property("screenshot", str(shot))  # xdist sends it to the main process
        print(f"screenshot: {shot}")
    assert png_size(phone)[0] == viewing.PHONE_WIDTH
    assert png_size(desktop)[0] == viewing.DESKTOP_WIDTH
    # The whole page, not just the first screen: the index is longer than a window.
    assert png_size(desktop)[1] > 900


# -- the same pages through `caci-watch serve` -------------------------------------------


@pytest.fixture(scope="module")
def served(site: WrittenSite) -> Iterator[str]:
    """`caci-watch serve` on a free port of 127.0.0.1, from the same store; its URL."""
    command = [sys.executable, "-m", "bot", "--config", str(site.config), "serve"]
    with subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=site.root.parent,
    ) as server:
        try:
            assert server.stdout is not None
            first = server.stdout.readline()  # printed once it listens
            found = re.search(r"http://127\.0\.0\.1:\d+/", first)
            if found is None:
                server.kill()
                pytest.fail(f"serve did not start: {first!r} {server.communicate()[1]!r}")
            yield found[0]
        finally:
            server.terminate()
            server.communicate(timeout=30)


def fetched(url: str) -> Visit:
    """A served page as plain HTTP sees it: its status and its first-level headings. The
    browser has shown every page of the written site; served, it opens one of each kind
    (which is where the server's headers, its security policy above all, would show)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            status, page = answer.status, answer.read().decode("utf-8")
            kind = answer.headers.get_content_type()
    except urllib.error.HTTPError as error:
        status, page, kind = error.code, "", ""
    headings = [html.unescape(h) for h in re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)]
    return Visit(headings, [], status != 200 or kind != "text/html", [], 0, [], 1)


@pytest.fixture(scope="module")
def served_walk(browser: WebDriver, site: WrittenSite, served: str) -> Walk:
    starts = [served + path for path in page_kinds(site).values()]
    return walk_from(browser, starts, served, follow=fetched)


def test_served_links_lead_to_pages_with_a_heading_and_no_console_error(
    served_walk: Walk, walk: Walk, served: str
) -> None:
    failed = {
        url: f"error page: {v.error_page}, headings: {v.headings}, console: {v.console}"
        for url, v in served_walk.visits.items()
        if v.console or v.error_page or len(v.headings) != 1
    }
    assert not failed, failed
    assert not served_walk.broken, served_walk.broken
    assert len(served_walk.visits) == len(walk.visits)
    assert fetched(served + "articles/0000000000000000.html").error_page  # a 404 is seen


def test_every_page_shows_the_site_icon_written_and_served(
    browser: WebDriver, site: WrittenSite, served: str
) -> None:
    urls = [*file_urls(site).values(), *(served + path for path in page_kinds(site).values())]
    for url in urls:
        viewing.load(browser, url)
        shown = viewing.icon(browser)
        assert shown is not None, url
        root = site.root.as_uri() + "/" if url.startswith("file:") else served
        assert (shown.href, shown.width, shown.height) == (root + "favicon.svg", 32, 32), url
        assert viewing.console_errors(browser) == [], url
    # A client that asks the served site's root for the usual icon is not told off.
    viewing.load(browser, served + "favicon.ico")
    assert viewing.console_errors(browser) == []


def test_a_served_page_logs_no_error_for_a_missing_icon(served_walk: Walk) -> None:
    noisy = {url: v.console for url, v in served_walk.visits.items() if v.console}
    assert not noisy, noisy


def test_a_hostile_title_served_under_its_security_policy_shows_as_text(
    browser: WebDriver, site: WrittenSite, served: str
) -> None:
    for kind in ("index", "article"):
        viewing.load(browser, served + page_kinds(site)[kind])
        assert viewing.alert_text(browser) is None, kind
        assert HOSTILE_TITLE in viewing.visible_text(browser), kind
        assert viewing.count_elements(browser, "b", "bold") == 0, kind
        assert viewing.console_errors(browser) == [], kind


def test_a_served_index_fits_a_phone_and_shows_its_chart(browser: WebDriver, served: str) -> None:
    with viewing.phone(browser):
        viewing.load(browser, served)
        assert viewing.widths(browser).fits_a_phone, viewing.widest_elements(browser)
        (chart,) = viewing.charts(browser)
        assert chart.visible and chart.width > 0 and chart.height > 0 and chart.name
