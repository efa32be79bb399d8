from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.digest import build_digest
from bot.domain.models import DigestEntry, FeedState
from bot.messages.articles import render_digest, render_empty_digest
from bot.messages.console import render_digest_console
from bot.messages.digest_heading import others_line
from bot.messages.feed_health import feed_health
from tests.factories import T0, make_article, make_match

STALE = timedelta(days=45)

WINDOW = {"since": T0 - timedelta(days=1), "until": T0 + timedelta(days=1)}
HEALTHY = FeedState(
    url="https://f.example/a.feed", last_success_at=T0, newest_item_at=T0 - timedelta(days=1)
)


def entry(n: int, *watchlists: str, hours: int = 0, updated: bool = False) -> DigestEntry:
    return DigestEntry(
        article=make_article(n, published=T0 + timedelta(hours=hours)),
        first_seen_at=T0,
        updated=updated,
        matches=tuple(make_match(w, term=w) for w in watchlists),
    )


def test_article_matching_several_watchlists_appears_once_tagged_with_all() -> None:
    digest = build_digest([entry(1, "TRIPP", "Middle Corridor")], feeds=[HEALTHY], **WINDOW)
    assert len(digest.entries) == 1
    assert digest.entries[0].watchlists == ("Middle Corridor", "TRIPP")


def test_digest_lists_newest_first() -> None:
    digest = build_digest(
        [entry(1, "TRIPP", hours=-5), entry(2, "TRIPP", hours=3), entry(3, "TRIPP")],
        feeds=[],
        **WINDOW,
    )
    assert [e.article.id[-1] for e in digest.entries] == ["2", "3", "1"]


def test_digest_for_a_reader_keeps_only_the_watchlists_they_follow() -> None:
    digest = build_digest(
        [entry(1, "TRIPP", "Middle Corridor"), entry(2, "Abraham Accords")],
        feeds=[],
        watchlists={"TRIPP"},
        **WINDOW,
    )
    assert [e.watchlists for e in digest.entries] == [("TRIPP",)]
    # Article 2 matched a list this reader does not follow: it did match a watchlist.
    assert (digest.unmatched_count, digest.other_lists_count) == (0, 1)


def test_a_digest_tells_articles_matching_no_list_from_those_matching_other_lists() -> None:
    digest = build_digest(
        [
            entry(1, "TRIPP"),
            entry(2, "Abraham Accords"),
            entry(3, "Middle Corridor"),
            entry(4, "Middle Corridor", "Abraham Accords"),
            entry(5),
            entry(6),
        ],
        feeds=[],
        watchlists={"TRIPP"},
        **WINDOW,
    )
    assert (len(digest.entries), digest.unmatched_count, digest.other_lists_count) == (1, 2, 3)
    footer = others_line(digest)
    assert footer == (
        "2 other new articles matched no watchlist; 3 matched only watchlists not followed here."
    )


def test_articles_outside_the_window_are_left_out_unless_updated_in_it() -> None:
    late = DigestEntry(
        make_article(1),
        first_seen_at=T0 + timedelta(days=2),
        updated=False,
        matches=(make_match(),),
    )
    edited = DigestEntry(
        make_article(2), first_seen_at=T0 - timedelta(days=9), updated=True, matches=(make_match(),)
    )
    digest = build_digest([late, edited], feeds=[], **WINDOW)
    assert [e.article.id for e in digest.entries] == [edited.article.id]


def test_empty_digest_says_so_plainly_and_shows_feed_health() -> None:
    digest = build_digest([entry(1)], feeds=[HEALTHY], **WINDOW)
    text = render_digest_console(digest, now=T0, stale_after=timedelta(days=45))
    assert digest.is_empty
    assert "No new articles matched your watchlists" in text
    assert "https://f.example/a.feed: last fetched 0s ago" in text


def test_rendered_digest_shows_title_link_byline_watchlists_and_marked_snippet() -> None:
    digest = build_digest([entry(7, "TRIPP")], feeds=[HEALTHY], **WINDOW)
    text = render_digest_console(digest, now=T0, stale_after=timedelta(days=45))
    assert "1. Article number 7" in text
    assert "https://example.org/item/7" in text
    assert "A. Writer · Analytical Articles · 20 Aug 2025" in text
    assert "Watchlists: TRIPP" in text
    assert "the new [TRIPP] route" in text


def test_feed_answering_200_with_only_old_items_is_reported_stale() -> None:
    dead = FeedState(url="u", last_success_at=T0, newest_item_at=T0 - timedelta(days=400))
    health = feed_health(dead, now=T0, stale_after=timedelta(days=45))
    assert not health.ok
    assert "stale" in health.text


def test_failing_feed_reports_its_last_error() -> None:
    failing = FeedState(
        url="u",
        last_success_at=T0 - timedelta(hours=5),
        error_count=3,
        last_error="HTTP 503",
        failing_since=T0 - timedelta(hours=4),
    )
    health = feed_health(failing, now=T0, stale_after=timedelta(days=45))
    assert not health.ok
    assert "HTTP 503 (3x)" in health.text
    assert "last fetched 5h ago" in health.text


def test_never_fetched_feed_is_not_healthy() -> None:
    assert not feed_health(FeedState(url="u"), now=T0, stale_after=timedelta(days=1)).ok


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.lists(st.sampled_from(["TRIPP", "Abraham Accords", "Middle Corridor"]), max_size=3),
            st.integers(-20, 20),
        ),
        max_size=20,
    )
)
def test_digest_never_repeats_an_article_and_keeps_every_matching_one(
    rows: list[tuple[int, list[str], int]],
) -> None:
    entries = [entry(n, *wl, hours=h) for n, wl, h in rows]
    digest = build_digest(entries, feeds=[], **WINDOW)
    ids = [e.article.id for e in digest.entries]
    assert len(ids) == len(set(ids))
    assert set(ids) == {e.article.id for e in entries if e.matches}


def test_a_days_digest_is_headed_with_that_day_in_telegram_and_on_the_terminal() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    day = date(2025, 9, 2)
    since = datetime(2025, 9, 1, 22, 0, tzinfo=UTC)  # midnight in Berlin
    until = datetime(2025, 9, 2, 22, 0, tzinfo=UTC)
    empty = replace(build_digest([], since=since, until=until, feeds=[]), day=day)
    [message] = render_empty_digest(empty, now=until, tz=berlin, stale_after=STALE).splitlines()[:1]
    assert message == "📰 <b>CACI Analyst digest</b>, 2 Sep 2025"
    assert "on 2 Sep 2025" in render_empty_digest(empty, now=until, tz=berlin, stale_after=STALE)
    full = replace(
        build_digest([entry(1, "TRIPP")], since=T0 - timedelta(days=1), until=T0, feeds=[]),
        day=day,
    )
    assert render_digest(full, now=T0, tz=berlin, stale_after=STALE)[0].startswith(
        "📰 <b>CACI Analyst digest</b>, 2 Sep 2025\n"
    )
    assert render_digest_console(full, now=T0, stale_after=STALE).startswith(
        "CACI Analyst digest, 2 Sep 2025 ("
    )


def test_someone_elses_personal_list_or_a_deleted_list_is_no_other_list_to_a_reader() -> None:
    digest = build_digest(
        [entry(1, "TRIPP"), entry(2, "~42/Cotton"), entry(3, "Gone List"), entry(4, "Abraham")],
        feeds=[],
        watchlists={"TRIPP"},
        shared={"TRIPP", "Abraham"},
        **WINDOW,
    )
    assert (digest.unmatched_count, digest.other_lists_count) == (2, 1)
