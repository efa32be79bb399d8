"""The archive's pages as HTML: whole documents with landmarks and relative links, the
chart as SVG with its text alternative, and every field from a feed escaped."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.archive import (
    ICON,
    INDEX_DAY_ITEMS,
    STYLE,
    ArchiveEntry,
    article_path,
    build_archive,
    day_path,
    list_path,
    site_paths,
)
from bot.domain.trends import ListTrend, WeekCount
from bot.messages.html import one_line
from bot.messages.site_chart import trend_svg
from bot.messages.site_pages import SiteChart, render_page
from tests.factories import make_article, make_match

T = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
NO_CHART = SiteChart((), 12)
# The paths of the site that are not HTML pages.
ASSETS = (STYLE, ICON)
HOSTILE = 'Baku & <Yerevan> "talks" <script>alert(1)</script>'
# What the renderer itself writes; anything else would have come from a feed.
OWN_TAGS = {
    "html", "head", "meta", "title", "link", "body", "a", "header", "p", "nav", "ul", "li",
    "main", "h1", "h2", "h3", "footer", "i", "b", "ol", "article", "blockquote", "section",
    "span", "svg", "desc", "rect", "text", "line", "polyline", "circle", "figure",
    "figcaption", "details", "summary", "div", "table", "caption", "thead", "tr", "th",
    "tbody", "td",
}  # fmt: skip


class Page(HTMLParser):
    """The tags of a page, the text of each h1, and every link."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []
        self.h1: list[str] = []
        self._in_h1 = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_h1 = self._in_h1 or tag == "h1"
        if tag == "h1":
            self.h1.append("")
        for name, value in attrs:
            if name == "href" and value is not None:
                self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1[-1] += data


def entry_titled(title: str, n: int = 1) -> ArchiveEntry:
    article = replace(make_article(n), title=title, author=title, section=title)
    return ArchiveEntry(article, T, (replace(make_match("TRIPP"), snippet=f"{title} TRIPP"),))


def test_a_hostile_title_is_text_on_every_page_it_is_on() -> None:
    archive = build_archive([entry_titled(HOSTILE)], ["TRIPP"], UTC)
    for path in site_paths(archive):
        if path in ASSETS:
            continue
        page = render_page(archive, NO_CHART, path)
        assert page is not None
        assert "<script>" not in page
        parsed = Page(page)
        assert "script" not in parsed.tags, path
        assert set(parsed.tags) <= OWN_TAGS, path
    article = Page(render_page(archive, NO_CHART, article_path(make_article(1).id)) or "")
    assert article.h1 == [HOSTILE]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_any_title_and_link_stay_text_and_never_make_markup(title: str, link: str) -> None:
    e = entry_titled(title)
    # Every field a feed gives: the lead comes from the summary and the text.
    article = replace(e.article, link=link, summary=title, text=f"{title}. TRIPP. {title}")
    e = replace(e, article=article)
    archive = build_archive([e], ["TRIPP"], UTC)
    page = render_page(archive, NO_CHART, article_path(e.article.id))
    assert page is not None
    parsed = Page(page)
    assert set(parsed.tags) <= OWN_TAGS
    assert parsed.h1 == [one_line(title) or "(untitled)"]
    for page in (
        render_page(archive, NO_CHART, p) or "" for p in site_paths(archive) if p not in ASSETS
    ):
        assert set(Page(page).tags) <= OWN_TAGS
    for href in parsed.links:
        # Only the site's own relative pages, or an http(s) link to the article.
        assert not href.lower().lstrip().startswith(("javascript:", "data:", "vbscript:"))


def test_pages_are_whole_documents_with_landmarks_and_relative_links_only() -> None:
    archive = build_archive([entry_titled("A story")], ["TRIPP"], UTC)
    for path in site_paths(archive):
        if path in ASSETS:
            continue
        page = render_page(archive, NO_CHART, path) or ""
        assert page.startswith("<!DOCTYPE html>")
        parsed = Page(page)
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in parsed.tags, (path, landmark)
        assert parsed.tags.count("h1") == 1
        for href in parsed.links:
            assert href.startswith(("https://example.org/", "#")) or not (
                href.startswith("/") or "://" in href
            ), (path, href)


def test_every_page_links_the_site_icon_from_its_own_folder() -> None:
    archive = build_archive([entry_titled("A story")], ["TRIPP"], UTC)
    icon = render_page(archive, NO_CHART, ICON) or ""
    assert icon.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in icon
    pages = [p for p in site_paths(archive) if p not in ASSETS]
    for path in pages:
        page = render_page(archive, NO_CHART, path) or ""
        href = "../" * path.count("/") + ICON
        assert f'<link rel="icon" href="{href}" type="image/svg+xml">' in page, path
    assert {p.count("/") for p in pages} == {0, 1, 2}  # the root, days/ and lists/NAME/


def test_a_list_page_links_its_newer_and_older_pages() -> None:
    entries = [entry_titled(f"Story {n}", n) for n in range(120)]
    entries = [replace(e, first_seen_at=T + timedelta(minutes=i)) for i, e in enumerate(entries)]
    archive = build_archive(entries, ["TRIPP"], UTC)
    newest = Page(render_page(archive, NO_CHART, list_path("TRIPP")) or "")
    middle = Page(render_page(archive, NO_CHART, list_path("TRIPP", 2)) or "")
    assert "page-2.html" in newest.links and "page-1.html" in newest.links
    assert {"page-3.html", "page-1.html"} <= set(middle.links)
    first_item = render_page(archive, NO_CHART, list_path("TRIPP")) or ""
    assert first_item.index("Story 119") < first_item.index("Story 100")


def test_a_day_page_groups_its_articles_by_list_and_links_the_day_before() -> None:
    a = ArchiveEntry(make_article(1), T, (make_match("TRIPP"),))
    b = ArchiveEntry(make_article(2), T + timedelta(days=1), (make_match("Middle Corridor"),))
    archive = build_archive([a, b], ["TRIPP", "Middle Corridor"], UTC)
    page = render_page(archive, NO_CHART, day_path(date(2026, 12, 8))) or ""
    parsed = Page(page)
    assert "2026-12-07.html" in parsed.links
    assert "../" + article_path(make_article(2).id) in parsed.links
    assert "Middle Corridor" in page and "TRIPP</a></h2>" not in page


def test_an_article_page_says_why_each_list_matched() -> None:
    article = replace(make_article(1), text="Long body. " * 40 + "the new TRIPP route")
    e = ArchiveEntry(article, T, (make_match("TRIPP"), make_match("Middle Corridor", term="TITR")))
    archive = build_archive([e], ["TRIPP", "Middle Corridor"], UTC)
    page = render_page(archive, NO_CHART, article_path(article.id)) or ""
    assert "names TRIPP in the body" in page
    assert "names TITR in the body" in page
    assert "the new <b>TRIPP</b> route" in page
    assert 'href="https://example.org/item/1"' in page


def _trend(name: str, named: list[int], possibly: list[int]) -> ListTrend:
    monday = date(2026, 9, 14)
    return ListTrend(
        name,
        tuple(
            WeekCount(monday + timedelta(weeks=i), n, p)
            for i, (n, p) in enumerate(zip(named, possibly, strict=True))
        ),
    )


def test_the_chart_is_svg_with_a_title_a_description_and_the_previous_period_shaded() -> None:
    svg = trend_svg(
        [_trend("TRIPP", [0, 1, 2, 5], [0, 0, 1, 0])], 2, title="The <chart>", description="d&d"
    )
    assert svg.startswith("<svg") and 'viewBox="0 0 720 320"' in svg
    assert 'role="img"' in svg and '<title id="chart-title">The &lt;chart&gt;</title>' in svg
    assert '<desc id="chart-desc">d&amp;d</desc>' in svg
    assert svg.count('class="previous"') == 1
    assert 'class="line named s0"' in svg and 'class="line possibly s0"' in svg


def test_the_first_week_label_starts_and_the_last_ends_at_the_plot_s_edges() -> None:
    # Six weeks, every week labelled: the plot runs from x = 44 to 708 in the viewBox.
    svg = trend_svg([_trend("TRIPP", [1] * 6, [0] * 6)], 0, title="t", description="d")
    labels = re.findall(r'<text class="label" x="([\d.]+)" y="\d+" text-anchor="(\w+)">'
                        r"(\d\d-\d\d)</text>", svg)  # fmt: skip
    assert labels[0] == ("708.0", "end", "10-19")  # drawn from the last week back
    assert labels[-1] == ("44.0", "start", "09-14")
    assert {anchor for _, anchor, _ in labels[1:-1]} == {"middle"}
    assert len(labels) == 6


def test_the_index_shows_the_chart_with_its_numbers_as_text() -> None:
    trend = _trend("TRIPP", [0, 1, 2, 5], [0, 0, 1, 0])
    archive = build_archive([entry_titled("A story")], ["TRIPP"], UTC)
    page = render_page(archive, SiteChart((trend,), 2), "index.html") or ""
    assert "<svg" in page and "<table>" in page
    # Every week charted before this one counts, the shaded ones too: (0 + 1 + 3) / 3.
    assert "5 this week, 1.3 a week on average before" in html.unescape(page)
    assert "TRIPP, possibly about" in page


def test_a_day_of_more_than_a_page_goes_on_over_further_pages() -> None:
    entries = [entry_titled(f"Story {n}", n) for n in range(60)]
    entries = [replace(e, first_seen_at=T + timedelta(seconds=i)) for i, e in enumerate(entries)]
    archive = build_archive(entries, ["TRIPP"], UTC)
    day = T.date()
    assert [p for p in site_paths(archive) if p.startswith("days/2")] == [
        day_path(day),
        day_path(day, 2),
    ]
    first = render_page(archive, NO_CHART, day_path(day)) or ""
    second = render_page(archive, NO_CHART, day_path(day, 2)) or ""
    assert first.count('<li class="item">') == 50 and "Story 49<" in first
    assert second.count('<li class="item">') == 10 and "Story 59<" in second
    assert "2026-12-07-p2.html" in Page(first).links
    assert "2026-12-07.html" in Page(second).links
    assert render_page(archive, NO_CHART, "days/2026-12-07-p3.html") is None


def test_the_chart_names_the_zone_its_weeks_start_in() -> None:
    trend = _trend("TRIPP", [0, 1, 2, 5], [0, 0, 0, 0])
    archive = build_archive([entry_titled("A story")], ["TRIPP"], UTC)
    page = render_page(archive, SiteChart((trend,), 2, "Asia/Baku"), "index.html") or ""
    assert "week starting (Asia/Baku)" in page
    assert "Articles per week starting on Monday (Asia/Baku)" in page
    assert "(UTC)" not in page


def test_read_it_at_names_the_host_the_link_goes_to_whatever_backslashes_it_holds() -> None:
    # Browsers read a backslash in an http(s) URL as a slash, Python's urlsplit does
    # not: "https://evil.example\@caci.example/" goes to evil.example, and the page
    # must not say it leads to caci.example.
    for link in (
        "https://evil.example\\@caci.example/analysis",
        "https://evil.example\\\\@caci.example/",
        "https://caci.example\\@evil.example/",
    ):
        e = entry_titled("A story")
        e = replace(e, article=replace(e.article, link=link))
        page = render_page(build_archive([e], ["TRIPP"], UTC), NO_CHART, article_path(e.article.id))
        out = re.search(r'<p class="out"><a href="([^"]*)">Read it at ([^<]*)<', page or "")
        assert out is not None, link
        href = html.unescape(out[1])
        assert "\\" not in href, link
        assert urlsplit(href).hostname == out[2], link


def test_the_index_shows_a_busy_days_newest_articles_and_links_to_the_rest() -> None:
    entries = [
        replace(entry_titled(f"Story {n}", n), first_seen_at=T + timedelta(minutes=n))
        for n in range(INDEX_DAY_ITEMS + 5)
    ]
    archive = build_archive(entries, ["TRIPP"], UTC)
    index = render_page(archive, NO_CHART, "index.html") or ""
    shown = re.findall(r">Story (\d+)<", index)
    assert shown == [str(n) for n in range(INDEX_DAY_ITEMS + 4, 4, -1)]
    day = day_path(T.date())
    assert f'<a href="{day}">All {INDEX_DAY_ITEMS + 5} articles of' in index
    assert "(5 more)" in index
    whole = render_page(archive, NO_CHART, day) or ""
    assert all(f">Story {n}<" in whole for n in range(INDEX_DAY_ITEMS + 5))
