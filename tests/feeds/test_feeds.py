"""The feed layer against a real loopback server and real httpx."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from importlib import resources

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.poll import newest_item_at, next_poll_delay
from bot.feeds.fetch import FetchResult, fetch_feed, parse_retry_after
from bot.feeds.parse import article_content_hash, clean_author, parse_feed
from tests.feed_server import (
    ATOM_TYPE,
    FIXTURES,
    HTML_TYPE,
    FeedServer,
    Oversize,
    SlowResponse,
)

SNAPSHOT_URL = "https://www.cacianalyst.org/publications/analytical-articles.feed"
RSS = (FIXTURES / "sample-rss2.xml").read_bytes()
ATOM = (FIXTURES / "sample-atom.xml").read_bytes()


def snapshot_bytes() -> bytes:
    return resources.files("bot").joinpath("data", "cacianalyst-snapshot.rss").read_bytes()


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = 1_000_000,
    timeout: float = 2.0,
) -> FetchResult:
    async def run() -> FetchResult:
        # trust_env=False: a proxy in the environment must not swallow loopback traffic.
        async with httpx.AsyncClient(trust_env=False) as client:
            return await fetch_feed(
                client,
                url,
                etag=etag,
                last_modified=last_modified,
                max_bytes=max_bytes,
                timeout=timeout,
            )

    return asyncio.run(run())


def rss_item(guid: str, title: str, body: str) -> str:
    return (
        f"<item><title>{title}</title><link>https://example.org/{guid}</link>"
        f"<guid>{guid}</guid><description><![CDATA[{body}]]></description></item>"
    )


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>T</title>{''.join(items)}</channel></rss>"
    ).encode()


# --------------------------------------------------------------------- conditional GET


def test_first_fetch_returns_body_and_validators(feed_server: FeedServer) -> None:
    feed = feed_server.serve_feed("/feed", RSS)

    result = fetch(feed_server.url("/feed"))

    assert result.status == "ok"
    assert result.http_status == 200
    assert result.body == RSS
    assert result.etag == feed.etag
    assert result.last_modified == feed.last_modified
    assert result.content_type is not None and result.content_type.startswith("application/rss")
    assert result.permanent_url is None
    assert result.final_url == feed_server.url("/feed")
    assert result.error is None


def test_conditional_get_round_trip_gets_not_modified(feed_server: FeedServer) -> None:
    feed_server.serve_feed("/feed", RSS)
    first = fetch(feed_server.url("/feed"))

    second = fetch(feed_server.url("/feed"), etag=first.etag, last_modified=first.last_modified)

    assert second.status == "not_modified"
    assert second.http_status == 304
    assert second.body == b""
    assert (second.etag, second.last_modified) == (first.etag, first.last_modified)
    sent = feed_server.requests_for("/feed")[-1].headers
    assert sent["if-none-match"] == first.etag
    assert sent["if-modified-since"] == first.last_modified


def test_first_fetch_sends_no_conditional_headers(feed_server: FeedServer) -> None:
    feed_server.serve_feed("/feed", RSS)

    fetch(feed_server.url("/feed"))

    sent = feed_server.requests_for("/feed")[0].headers
    assert "if-none-match" not in sent
    assert "if-modified-since" not in sent


def test_last_modified_alone_is_enough_for_not_modified(feed_server: FeedServer) -> None:
    feed = feed_server.serve_feed("/feed", RSS)

    result = fetch(feed_server.url("/feed"), last_modified=feed.last_modified)

    assert result.status == "not_modified"
    assert result.last_modified == feed.last_modified


def test_publishing_a_new_article_turns_304_into_200(feed_server: FeedServer) -> None:
    feed_server.serve_feed("/feed", RSS)
    first = fetch(feed_server.url("/feed"))
    new_body = RSS.replace(
        b"<item>", rss_item("new-1", "Fresh", "<p>new</p>").encode() + b"<item>", 1
    )

    published = feed_server.publish("/feed", new_body)
    second = fetch(feed_server.url("/feed"), etag=first.etag, last_modified=first.last_modified)

    assert second.status == "ok"
    assert second.etag == published.etag != first.etag
    titles = [a.title for a in parse_feed(second.body, feed_server.url("/feed")).articles]
    assert titles[0] == "Fresh"


# --------------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_is_reported(feed_server: FeedServer, status: int) -> None:
    feed_server.serve_feed("/new", RSS)
    feed_server.redirect("/old", "/new", status=status)

    result = fetch(feed_server.url("/old"))

    assert result.status == "ok"
    assert result.body == RSS
    assert result.permanent_url == feed_server.url("/new")
    assert result.final_url == feed_server.url("/new")


@pytest.mark.parametrize("status", [302, 307])
def test_temporary_redirect_is_followed_but_not_remembered(
    feed_server: FeedServer, status: int
) -> None:
    feed_server.serve_feed("/new", RSS)
    feed_server.redirect("/old", "/new", status=status)

    result = fetch(feed_server.url("/old"))

    assert result.status == "ok"
    assert result.permanent_url is None
    assert result.final_url == feed_server.url("/new")


def test_permanent_move_after_a_temporary_hop_is_not_remembered(feed_server: FeedServer) -> None:
    feed_server.serve_feed("/c", RSS)
    feed_server.redirect("/a", "/b", status=301)
    feed_server.redirect("/b", "/c", status=302)
    feed_server.redirect("/start", "/a", status=302)

    assert fetch(feed_server.url("/start")).permanent_url is None
    assert fetch(feed_server.url("/a")).permanent_url == feed_server.url("/b")


def test_conditional_headers_follow_the_redirect(feed_server: FeedServer) -> None:
    feed = feed_server.serve_feed("/new", RSS)
    feed_server.redirect("/old", "/new")

    result = fetch(feed_server.url("/old"), etag=feed.etag)

    assert result.status == "not_modified"
    assert result.permanent_url == feed_server.url("/new")


def test_redirect_loop_is_an_error(feed_server: FeedServer) -> None:
    feed_server.redirect_loop("/a", "/b")

    result = fetch(feed_server.url("/a"))

    assert result.status == "error"
    assert result.error == "redirect loop"
    assert len(feed_server.requests) <= 3


def test_too_many_redirects_is_an_error(feed_server: FeedServer) -> None:
    for hop in range(8):
        feed_server.redirect(f"/r{hop}", f"/r{hop + 1}", status=302)
    feed_server.serve_feed("/r8", RSS)

    result = fetch(feed_server.url("/r0"))

    assert result.status == "error"
    assert result.error is not None and "too many redirects" in result.error
    assert len(feed_server.requests) == 6


# --------------------------------------------------------------------- HTTP errors


def test_server_error_is_reported_not_raised(feed_server: FeedServer) -> None:
    feed_server.respond("/feed", 500, b"boom")

    result = fetch(feed_server.url("/feed"))

    assert result.status == "error"
    assert result.http_status == 500
    assert result.error == "HTTP 500"
    assert result.retry_after is None
    assert result.body == b""


def test_not_found_is_an_error(feed_server: FeedServer) -> None:
    result = fetch(feed_server.url("/nowhere"))

    assert (result.status, result.error) == ("error", "HTTP 404")


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_is_returned(feed_server: FeedServer, status: int) -> None:
    feed_server.respond("/feed", status, headers={"Retry-After": "120"})

    result = fetch(feed_server.url("/feed"))

    assert result.status == "error"
    assert result.error == f"HTTP {status}"
    assert result.retry_after == 120.0


def test_retry_after_http_date_becomes_seconds(feed_server: FeedServer) -> None:
    later = datetime.now(UTC) + timedelta(minutes=10)
    feed_server.respond("/feed", 503, headers={"Retry-After": format_datetime(later, usegmt=True)})

    result = fetch(feed_server.url("/feed"))

    assert result.retry_after is not None
    assert 590 <= result.retry_after <= 600


def test_unreachable_server_is_an_error_with_a_short_reason() -> None:
    with FeedServer() as server:
        url = server.url("/feed")
    # The port is closed now.
    result = fetch(url)

    assert result.status == "error"
    assert result.http_status is None
    assert result.error is not None and len(result.error) < 200


def test_unsupported_scheme_is_an_error_not_an_exception() -> None:
    result = fetch("ftp://127.0.0.1/feed")

    assert result.status == "error"
    assert result.error


# --------------------------------------------------------------------- limits


def test_oversize_streamed_body_is_cut_off(feed_server: FeedServer) -> None:
    feed_server.set_route("/big", Oversize(total_bytes=50 * 1024 * 1024))

    started = time.monotonic()
    result = fetch(feed_server.url("/big"), max_bytes=256 * 1024)

    assert result.status == "error"
    assert result.error == "body larger than 262144 bytes"
    assert result.body == b""
    assert time.monotonic() - started < 5


def test_oversize_declared_length_is_refused_up_front(feed_server: FeedServer) -> None:
    feed_server.set_route("/big", Oversize(total_bytes=50 * 1024 * 1024, declare_length=True))

    result = fetch(feed_server.url("/big"), max_bytes=1024)

    assert result.status == "error"
    assert result.error == "body larger than 1024 bytes"


def test_server_survives_a_client_hanging_up(feed_server: FeedServer) -> None:
    feed_server.set_route("/big", Oversize(total_bytes=50 * 1024 * 1024))
    feed_server.serve_feed("/feed", RSS)

    fetch(feed_server.url("/big"), max_bytes=1024)

    assert fetch(feed_server.url("/feed")).status == "ok"


def test_stalled_response_times_out(feed_server: FeedServer) -> None:
    feed_server.set_route("/slow", SlowResponse(stall_before_headers=True))

    started = time.monotonic()
    result = fetch(feed_server.url("/slow"), timeout=0.5)
    elapsed = time.monotonic() - started

    assert result.status == "error"
    assert result.error is not None and "timeout" in result.error
    assert elapsed < 2


def test_trickled_body_hits_the_overall_deadline(feed_server: FeedServer) -> None:
    # Each read succeeds within the read timeout; only a whole-fetch deadline stops this.
    feed_server.set_route("/trickle", SlowResponse(stall_before_headers=False))

    started = time.monotonic()
    result = fetch(feed_server.url("/trickle"), timeout=0.5)
    elapsed = time.monotonic() - started

    assert result.status == "error"
    assert result.error is not None and "timeout" in result.error
    assert elapsed < 2


def test_released_slow_response_completes(feed_server: FeedServer) -> None:
    feed_server.set_route("/slow", SlowResponse(body=RSS, stall_before_headers=True))

    async def run() -> FetchResult:
        async with httpx.AsyncClient(trust_env=False) as client:
            pending = asyncio.create_task(
                fetch_feed(
                    client,
                    feed_server.url("/slow"),
                    etag=None,
                    last_modified=None,
                    max_bytes=1_000_000,
                    timeout=5,
                )
            )
            arrived = await asyncio.to_thread(feed_server.wait_for_requests, "/slow")
            assert arrived
            feed_server.release.set()
            return await pending

    result = asyncio.run(run())

    assert result.status == "ok"
    assert result.body == RSS


# --------------------------------------------------------------------- parse errors


def test_truncated_xml_is_a_parse_error(feed_server: FeedServer) -> None:
    feed_server.serve_feed("/feed", RSS[: len(RSS) * 2 // 3])
    fetched = fetch(feed_server.url("/feed"))

    parsed = parse_feed(fetched.body, fetched.final_url, content_type=fetched.content_type)

    assert fetched.status == "ok"
    assert parsed.articles == []
    assert parsed.error is not None and parsed.error.startswith("truncated feed")


def test_feed_cut_before_any_item_is_a_parse_error() -> None:
    parsed = parse_feed(RSS[:120], "https://example.org/feed")

    assert parsed.error is not None
    assert parsed.articles == []


def test_html_page_with_200_is_not_a_feed(feed_server: FeedServer) -> None:
    page = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>"
    feed_server.respond("/feed", 200, page, content_type=HTML_TYPE)
    fetched = fetch(feed_server.url("/feed"))

    parsed = parse_feed(fetched.body, fetched.final_url, content_type=fetched.content_type)

    assert fetched.status == "ok"
    assert parsed.error == "not a feed: got an HTML page"
    assert parsed.articles == []


def test_html_page_is_recognised_without_a_content_type() -> None:
    page = b"\n  <html lang='en'><body><p>maintenance</p></body></html>"

    assert parse_feed(page, "https://example.org/feed").error == "not a feed: got an HTML page"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not a feed: empty body"),
        (b"<?xml version='1.0'?><config><item/></config>", "not a feed: unrecognised document"),
    ],
)
def test_other_non_feeds_are_errors(body: bytes, reason: str) -> None:
    assert parse_feed(body, "https://example.org/feed").error == reason


def test_xhtml_page_is_not_a_feed() -> None:
    page = b'<?xml version="1.0"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml"/>'

    assert parse_feed(page, "https://example.org/feed").error == "not a feed: got an HTML page"


def test_malformed_feed_without_entries_is_an_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</titl></channel></rss>'

    parsed = parse_feed(body, "https://example.org/feed")

    assert parsed.error is not None and parsed.error.startswith("malformed feed with no entries")


def test_feed_served_as_html_still_yields_its_entries(feed_server: FeedServer) -> None:
    feed_server.serve_feed("/feed", RSS, content_type=HTML_TYPE)
    fetched = fetch(feed_server.url("/feed"))

    parsed = parse_feed(fetched.body, fetched.final_url, content_type=fetched.content_type)

    assert parsed.error is None
    assert len(parsed.articles) == 3
    assert parsed.warning is not None and "NonXMLContentType" in parsed.warning


def test_feed_with_no_items_is_fine() -> None:
    parsed = parse_feed(rss(), "https://example.org/feed")

    assert (parsed.articles, parsed.error, parsed.title) == ([], None, "T")


def test_imperfect_feed_with_entries_yields_them_with_a_warning() -> None:
    # An HTML entity undeclared in XML: common from CMSs, and recoverable.
    body = rss(rss_item("g1", "Caspian&nbsp;news", "<p>text</p>"))

    parsed = parse_feed(body, "https://example.org/feed")

    assert parsed.error is None
    assert [a.title for a in parsed.articles] == ["Caspian news"]
    assert parsed.warning is not None and "undefined entity" in parsed.warning


# --------------------------------------------------------------------- articles


def test_rss_fixture_parses_to_articles() -> None:
    parsed = parse_feed(RSS, "https://www.example.org/review.feed")

    assert parsed.error is None and parsed.warning is None
    assert parsed.title == "Sample Steppe Review & Notes"
    first, second, third = parsed.articles
    assert first.id == "guid:example-review-101"
    assert first.link == "https://example.org/review/item/101-ferries.html"
    assert first.title == "Ferries, Ports & the Caspian Crossing"
    assert first.author == "Aigerim Sample"
    assert first.section == "Briefs"
    assert first.published == datetime(2025, 9, 2, 5, 30, tzinfo=UTC)
    assert first.summary == "A short teaser about ferries."
    assert "content:encoded" not in first.html and "Aktau &amp; Baku" in first.html
    assert first.text == (
        # Paragraphs stay apart by a blank line, so a phrase never matches across them.
        "New ferries on the Caspian Sea shorten the crossing.\n\n"
        "Port operators in Aktau & Baku expect more cargo."
    )
    assert first.feed_url == "https://www.example.org/review.feed"
    assert second.author == "Timur Placeholder"
    assert second.link == "https://example.org/review/item/100-water.html?id=100"
    assert (
        second.summary
        == second.text
        == ("Upstream dams and downstream farms – an old argument returns.")
    )
    assert third.published is None and third.author == "" and third.link == ""


def test_atom_fixture_parses_to_articles() -> None:
    parsed = parse_feed(ATOM, "https://journal.example.net/atom.xml", content_type=ATOM_TYPE)

    assert parsed.error is None
    assert parsed.title == "Sample Highlands Journal"
    first, second = parsed.articles
    assert first.id == "guid:urn:uuid:5f1c2a3e-0000-4000-8000-000000000002"
    assert first.link == "https://journal.example.net/2025/08/mountain-roads?page=2"
    assert first.title == "Mountain Roads & Border Posts"
    assert first.author == "Nino Example"
    assert first.section == "Field Reports"
    assert first.published == datetime(2025, 8, 29, 12, 45, tzinfo=UTC)
    assert first.summary == "Checkpoints, passes and the traders who cross them."
    assert first.text.startswith("A new road over the pass")
    assert second.published == datetime(2025, 8, 28, 7, 15, tzinfo=UTC)
    assert second.text == second.summary == "Only a summary here."


def test_id_falls_back_from_guid_to_link_to_hash() -> None:
    ids = [a.id for a in parse_feed(RSS, "https://www.example.org/review.feed").articles]

    assert ids[0] == "guid:example-review-101"
    assert ids[1] == "link:https://example.org/review/item/100-water.html?id=100"
    assert ids[2].startswith("hash:") and len(ids[2]) == len("hash:") + 64


def test_permalink_guids_converge_across_http_and_www_variants() -> None:
    variants = [
        "https://www.example.org/a/1.html",
        "http://example.org/a/1.html",
        "HTTPS://WWW.EXAMPLE.ORG:443/a/1.html?utm_source=x",
    ]
    ids = {
        parse_feed(rss(rss_item(v, "A", "<p>b</p>")), "https://e/f").articles[0].id
        for v in variants
    }

    assert ids == {"guid:https://example.org/a/1.html"}


def test_reserialised_article_keeps_its_content_hash() -> None:
    cdata = rss(rss_item("g", "Caspian  Ports", "<p>Ferries&nbsp;sail\n   daily.</p><p>More.</p>"))
    escaped = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        b"<title>Caspian Ports</title><guid>g</guid>"
        b"<description>&lt;p class='x'&gt;Ferries sail daily.&lt;/p&gt;\n"
        b"&lt;p&gt;More.&lt;/p&gt;</description></item></channel></rss>"
    )

    a = parse_feed(cdata, "https://e/f").articles[0]
    b = parse_feed(escaped, "https://e/f").articles[0]

    assert a.id == b.id
    assert a.content_hash == b.content_hash


def test_edited_article_gets_a_new_content_hash_but_keeps_its_id() -> None:
    before = parse_feed(rss(rss_item("g", "Ports", "<p>Ferries sail daily.</p>")), "https://e/f")
    after = parse_feed(rss(rss_item("g", "Ports", "<p>Ferries sail weekly.</p>")), "https://e/f")

    assert before.articles[0].id == after.articles[0].id
    assert before.articles[0].content_hash != after.articles[0].content_hash


def test_content_hash_depends_on_the_title_too() -> None:
    assert article_content_hash("A", "text") != article_content_hash("B", "text")
    assert article_content_hash(" A ", "x  y") == article_content_hash("A", "x y")


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("editor@cacianalyst.org (Stephen Blank)", "Stephen Blank"),
        ("Robert M. Cutler <rc@example.org>", "Robert M. Cutler"),
        ("  Emil   Avdaliani ", "Emil Avdaliani"),
        ("someone@example.org", ""),
        ("", ""),
    ],
)
def test_author_is_cleaned_to_a_name(raw: str, name: str) -> None:
    assert clean_author(raw) == name


# --------------------------------------------------------------------- the snapshot

SNAPSHOT_EXPECTED = [
    (
        "Iran’s Strategic Unease over a U.S.-Run Route through Armenia",
        "Mehmet Fatih Oztarsu",
        "Analytical Articles",
        datetime(2025, 9, 4, 9, 37, tzinfo=UTC),
    ),
    (
        "Trump Makes a Move in the Caucasus",
        "Stephen Blank",
        "Analytical Articles",
        datetime(2025, 8, 20, 18, 51, tzinfo=UTC),
    ),
    (
        "Armenia's Corridor Toward Regional Stability",
        "John DiPirro",
        "Feature Articles",
        datetime(2025, 7, 25, 14, 5, tzinfo=UTC),
    ),
    (
        "Azerbaijan’s Multi-Vector Diplomacy Gathers Pace",
        "Emil Avdaliani",
        "Analytical Articles",
        datetime(2025, 6, 18, 12, 20, tzinfo=UTC),
    ),
    (
        'Has the West "Lost" Azerbaijan?',
        "Robert M. Cutler",
        "Analytical Articles",
        datetime(2025, 6, 5, 16, 13, tzinfo=UTC),
    ),
]


def test_snapshot_parses_into_the_five_articles() -> None:
    parsed = parse_feed(snapshot_bytes(), SNAPSHOT_URL, content_type="application/rss+xml")

    assert parsed.error is None and parsed.warning is None
    assert parsed.title == "Analytical Articles"
    got = [(a.title, a.author, a.section, a.published) for a in parsed.articles]
    assert got == SNAPSHOT_EXPECTED
    assert len({a.id for a in parsed.articles}) == 5
    for article in parsed.articles:
        assert article.id == "guid:" + article.link
        assert article.link.startswith("https://cacianalyst.org/publications/")
        assert len(article.text) > 400
        assert "&nbsp;" not in article.text and "<p>" not in article.text


def test_snapshot_names_exactly_the_expected_subjects() -> None:
    # A crude stand-in for the matcher: the demo relies on these and only these.
    subjects = {
        "TRIPP": ("TRIPP", "Trump Route", "Zangezur"),
        "Middle Corridor": ("Middle Corridor", "Trans-Caspian", "TITR"),
        "Abraham Accords": ("Abraham",),
    }
    expected = [
        {"TRIPP", "Middle Corridor"},
        {"TRIPP", "Middle Corridor"},
        {"TRIPP"},
        {"Middle Corridor", "Abraham Accords"},
        {"Middle Corridor"},
    ]
    articles = parse_feed(snapshot_bytes(), SNAPSHOT_URL).articles

    found = [
        {name for name, needles in subjects.items() if any(n in a.title + a.text for n in needles)}
        for a in articles
    ]

    assert found == expected


def test_newest_item_at_is_the_latest_published_date() -> None:
    articles = parse_feed(snapshot_bytes(), SNAPSHOT_URL).articles

    assert newest_item_at(articles) == datetime(2025, 9, 4, 9, 37, tzinfo=UTC)
    assert newest_item_at([]) is None


def test_parse_feed_is_safe_to_run_in_threads() -> None:
    body = snapshot_bytes()
    expected = parse_feed(body, SNAPSHOT_URL)

    async def parse_many() -> list[object]:
        jobs = [asyncio.to_thread(parse_feed, body, SNAPSHOT_URL) for _ in range(8)]
        return list(await asyncio.gather(*jobs))

    assert all(result == expected for result in asyncio.run(parse_many()))


# --------------------------------------------------------------------- backoff


def test_poll_delay_is_base_without_errors() -> None:
    assert next_poll_delay(0, 900, None) == 900


def test_poll_delay_doubles_per_error_from_the_second() -> None:
    assert [next_poll_delay(n, 60, None) for n in range(1, 6)] == [60, 120, 240, 480, 960]


@given(
    errors=st.integers(min_value=0, max_value=10_000),
    base=st.floats(min_value=1, max_value=3600),
    retry_after=st.none() | st.floats(min_value=0, max_value=10**9),
)
def test_poll_delay_is_monotonic_and_capped(
    errors: int, base: float, retry_after: float | None
) -> None:
    cap = 6 * 3600
    delay = next_poll_delay(errors, base, retry_after, cap_seconds=cap)

    assert delay >= next_poll_delay(max(0, errors - 1), base, retry_after, cap_seconds=cap)
    assert base <= delay <= max(cap, base, 24 * 3600)
    if retry_after is None:
        assert delay <= max(cap, base)


def test_longer_retry_after_wins_but_is_capped() -> None:
    assert next_poll_delay(1, 60, 3600) == 3600
    assert next_poll_delay(1, 60, 5) == 60
    assert next_poll_delay(0, 60, 10**9) == 24 * 3600


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Thu, 04 Sep 2025 09:40:00 GMT", 180.0),
        ("Thu, 04 Sep 2025 09:30:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_retry_after_header_parsing(header: str | None, seconds: float | None) -> None:
    now = datetime(2025, 9, 4, 9, 37, tzinfo=UTC)

    assert parse_retry_after(header, now) == seconds
