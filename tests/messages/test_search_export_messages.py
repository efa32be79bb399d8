"""Search snippets, CSV cells and Atom feeds: whatever an article holds, Telegram parses
the snippet, a spreadsheet runs no cell, and a feed reader reads the feed."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.models import Match
from bot.domain.search import (
    MARK_CLOSE,
    MARK_OPEN,
    MatchedArticle,
    SearchHit,
    SearchPage,
    read_marked,
    search_words,
)
from bot.messages.atom import atom_feed
from bot.messages.export import export_lines, neutral_cell
from bot.messages.search_screens import (
    export_caption,
    export_none,
    marked,
    search_buttons,
    search_page_text,
)
from tests.fake_telegram import parse_telegram_html

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _row(title: str, snippet: str = "the route", watchlist: str = "TRIPP") -> MatchedArticle:
    match = Match(watchlist, "TRIPP", "route", 100.0, "body", snippet, 0, min(3, len(snippet)))
    return MatchedArticle(
        article_id="guid:1",
        title=title,
        link="https://example.org/a?x=1&y=<2>",
        author="A. Writer",
        section="Analytical Articles",
        published=T0,
        first_seen_at=T0,
        updated_at=None,
        watchlist=watchlist,
        matches=(match,),
    )


def test_search_words_drop_punctuation_alone_and_repeats() -> None:
    assert search_words('"Zangezur" corridor* NEAR ( ) - CORRIDOR*') == (
        '"Zangezur"',
        "corridor*",
        "NEAR",
    )


def test_read_marked_gives_spans_of_the_found_words() -> None:
    snippet = read_marked(f"a {MARK_OPEN}Zangezur{MARK_CLOSE} corridor {MARK_OPEN}x{MARK_CLOSE}")
    assert snippet.text == "a Zangezur corridor x"
    assert [snippet.text[a:b] for a, b in snippet.marks] == ["Zangezur", "x"]


@settings(max_examples=200)
@given(st.text(max_size=80), st.text(max_size=20), st.text(max_size=40))
def test_a_marked_snippet_is_html_telegram_parses(before: str, found: str, after: str) -> None:
    snippet = read_marked(f"{before}{MARK_OPEN}{found}{MARK_CLOSE}{after}")
    html = marked(snippet, ("<b>", "</b>"), html=True)
    if html.strip():
        parse_telegram_html(html)


@settings(max_examples=100)
@given(st.text(min_size=1, max_size=60), st.text(max_size=80))
def test_a_page_of_results_is_html_telegram_parses(title: str, text: str) -> None:
    hit = SearchHit(
        "guid:1", title, "https://example.org/?a=<b>", "", "", None, T0, read_marked(text)
    )
    page = SearchPage(("route",), (hit,) * 5, 12, 5)
    parse_telegram_html(search_page_text(page, label="<TRIPP>", tz=UTC))
    assert [label for label, _ in search_buttons(3, page, 5)[0]] == ["◀ Back", "More ▶"]
    assert all(len(data.encode()) <= 64 for _, data in search_buttons(10**9, page, 5)[0])


@given(st.text(max_size=30))
def test_no_cell_starts_as_a_formula(value: str) -> None:
    assert not neutral_cell(value).startswith(FORMULA)
    assert neutral_cell(value).removeprefix("'") == value or not value.startswith(FORMULA)


def test_export_csv_keeps_a_formula_as_text_and_json_as_it_is() -> None:
    rows = [_row('=HYPERLINK("http://evil.example")', snippet="@SUM(A1) route")]
    table = list(csv.DictReader(io.StringIO("".join(export_lines(rows, "csv")))))
    assert table[0]["title"] == '\'=HYPERLINK("http://evil.example")'
    assert table[0]["snippet"] == "'@SUM(A1) route"
    [record] = json.loads("".join(export_lines(rows, "json")))
    assert record["title"] == '=HYPERLINK("http://evil.example")'
    assert json.loads("".join(export_lines([], "json"))) == []


@settings(max_examples=100)
@given(st.text(max_size=60), st.text(max_size=60), st.text(min_size=1, max_size=20))
def test_an_atom_feed_parses_whatever_the_articles_hold(
    title: str, snippet: str, watchlist: str
) -> None:
    body = atom_feed(watchlist, [_row(title, snippet or "x", watchlist)], T0)
    feed = ET.fromstring(body)
    ns = "{http://www.w3.org/2005/Atom}"
    [entry] = feed.findall(f"{ns}entry")
    link = entry.find(f"{ns}link")
    assert link is not None and link.get("href") == "https://example.org/a?x=1&y=<2>"
    empty = ET.fromstring(atom_feed(watchlist, [], T0))
    # The feed's id is the list's own, whatever it holds.
    assert [e.text for e in feed.findall(f"{ns}id")] == [e.text for e in empty.findall(f"{ns}id")]


def test_an_atom_entry_says_why_with_the_term_as_written() -> None:
    row = _row("Story")
    match = Match("Middle Corridor", "Middle Corridor", "Middle Corridor", 100.0, "body", "x", 0, 1)
    body = atom_feed("Middle Corridor", [replace(row, matches=(match,))], T0)
    summary = ET.fromstring(body).find(".//{http://www.w3.org/2005/Atom}summary")
    assert summary is not None and summary.text is not None
    assert summary.text.startswith("Names Middle Corridor in the body")


def test_export_answers_say_one_day_and_several_days() -> None:
    assert export_none("TRIPP", 1) == "Nothing matched <b>TRIPP</b> in the last day."
    assert export_caption("TRIPP", 1, 1) == "<b>TRIPP</b>: 1 match in the last day."
    assert export_caption("TRIPP", 30, 2) == "<b>TRIPP</b>: 2 matches in the last 30 days."
