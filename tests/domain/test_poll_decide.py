"""The poll's decider on literals: what is stored, what alerts, and the feed's new state."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.matching import compile_watchlists
from bot.domain.models import Article, FeedState, Term, Watchlist
from bot.domain.poll import (
    KnownArticle,
    PollDecision,
    Prior,
    Served,
    decide,
    match_article,
)
from tests.factories import T0, make_article

NOW = T0 + timedelta(days=10)
INTERVAL = timedelta(minutes=15)
MATCHER = compile_watchlists(
    [
        Watchlist("TRIPP", (Term("TRIPP", exact=True),)),
        Watchlist("Dam", (Term("Rogun Dam"),)),
    ]
)
POLLED = FeedState(url="https://f.example/a.feed", initialised=True, title="Old title")
TRIPP_TEXT = "Ships use the TRIPP route."
BOTH_TEXT = "Ships use the TRIPP route past the Rogun Dam."


def run(
    articles: list[Article],
    *,
    state: FeedState = POLLED,
    known: dict[str, KnownArticle] | None = None,
    backfill_days: int = 0,
) -> PollDecision:
    return decide(
        Prior(state, known or {}),
        articles,
        MATCHER,
        NOW,
        title="Analytical Articles",
        served=Served(etag='"v2"', last_modified="Mon, 01 Sep 2025 08:00:00 GMT"),
        poll_interval=INTERVAL,
        backfill_days=backfill_days,
    )


def known(article: Article, *watchlists: str) -> dict[str, KnownArticle]:
    return {article.id: KnownArticle(article.content_hash, T0, frozenset(watchlists))}


def test_a_new_matching_article_alerts_with_all_its_matches() -> None:
    article = make_article(1, text=BOTH_TEXT, published=NOW - timedelta(days=400))
    decision = run([article])
    [item] = decision.articles
    assert (item.change, item.first_seen_at) == ("new", NOW)
    assert {m.watchlist for m in item.matches} == {"TRIPP", "Dam"}
    assert item.alert is not None and not item.alert.updated
    assert item.alert.watchlists == ("Dam", "TRIPP")
    assert (decision.new, decision.updated, decision.alerts) == (1, 0, (item.alert,))


def test_a_new_article_matching_nothing_is_stored_without_an_alert() -> None:
    [item] = run([make_article(1, text="Nothing to see.")]).articles
    assert (item.change, item.matches, item.alert) == ("new", (), None)


def test_an_unchanged_article_is_the_same_and_neither_matched_again_nor_alerted() -> None:
    article = make_article(1, text=TRIPP_TEXT)
    decision = run([article], known=known(article, "TRIPP"))
    [item] = decision.articles
    assert (item.change, item.first_seen_at, item.matches, item.alert) == ("same", T0, (), None)
    assert (decision.new, decision.updated, decision.alerts) == (0, 0, ())


def test_an_edited_article_alerts_only_for_the_lists_it_newly_matches() -> None:
    before = make_article(1, text=TRIPP_TEXT)
    edited = make_article(1, text=BOTH_TEXT)
    [item] = run([edited], known=known(before, "TRIPP")).articles
    assert (item.change, item.first_seen_at) == ("updated", T0)
    assert {m.watchlist for m in item.matches} == {"TRIPP", "Dam"}
    assert item.alert is not None and item.alert.updated
    assert item.alert.watchlists == ("Dam",)


def test_an_edit_that_brings_no_new_list_is_stored_without_an_alert() -> None:
    before = make_article(1, text=BOTH_TEXT)
    edited = make_article(1, text="Ships use the TRIPP route, say officials.")
    [item] = run([edited], known=known(before, "TRIPP", "Dam")).articles
    assert item.change == "updated"
    assert [m.watchlist for m in item.matches] == ["TRIPP"]
    assert item.alert is None


def test_the_first_poll_alerts_only_within_the_backfill_window() -> None:
    recent = make_article(1, text=TRIPP_TEXT, published=NOW - timedelta(days=1))
    old = make_article(2, text=TRIPP_TEXT, published=NOW - timedelta(days=5))
    undated = make_article(3, text=TRIPP_TEXT, published=None)
    first = FeedState(url=POLLED.url)

    decision = run([recent, old, undated], state=first, backfill_days=2)
    assert [a.change for a in decision.articles] == ["new", "new", "new"]
    assert all(a.matches for a in decision.articles)
    assert [a.article for a in decision.alerts] == [recent]
    assert run([recent, old, undated], state=first).alerts == ()
    # Once the feed has been polled, every new matching article alerts, however old.
    assert len(run([recent, old, undated], backfill_days=2).alerts) == 3


def test_an_id_listed_twice_is_its_first_listing_and_the_others_are_ignored() -> None:
    first = make_article(1, text=TRIPP_TEXT)
    second = make_article(1, text=BOTH_TEXT)
    other = make_article(2, text=TRIPP_TEXT)
    decision = run([first, second, other, second])
    assert [(a.article, a.change) for a in decision.articles] == [(first, "new"), (other, "new")]
    assert [a.article for a in decision.alerts] == [first, other]
    assert decision.duplicates == (first.id,)
    assert (decision.new, decision.updated) == (2, 0)

    # Polled again as stored, the same feed changes nothing: no flip, no "(updated)".
    stored = {**known(first, "TRIPP"), **known(other, "TRIPP")}
    again = run([first, second, other, second], known=stored)
    assert [a.change for a in again.articles] == ["same", "same"]
    assert (again.new, again.updated, again.alerts) == (0, 0, ())


def test_the_feed_state_records_the_success_and_what_the_server_said() -> None:
    failing = FeedState(
        url=POLLED.url,
        effective_url="https://old.example/a.feed",
        initialised=True,
        error_count=3,
        last_error="HTTP 500",
        failing_since=T0,
        newest_item_at=NOW - timedelta(days=1),
    )
    articles = [
        make_article(1, published=NOW - timedelta(days=2)),
        make_article(2, published=None),
    ]
    state = run(articles, state=failing).state
    assert (state.error_count, state.last_error, state.failing_since) == (0, None, None)
    assert (state.last_attempt_at, state.last_success_at) == (NOW, NOW)
    assert state.next_poll_at == NOW + INTERVAL
    assert (state.etag, state.last_modified) == ('"v2"', "Mon, 01 Sep 2025 08:00:00 GMT")
    assert state.effective_url == "https://old.example/a.feed"
    assert state.title == "Analytical Articles" and state.initialised
    # The newest article is remembered across polls, even when this one brings older.
    assert state.newest_item_at == NOW - timedelta(days=1)


def test_an_empty_feed_keeps_its_title_and_becomes_initialised() -> None:
    decision = decide(
        Prior(FeedState(url=POLLED.url, title="Kept"), {}),
        [],
        MATCHER,
        NOW,
        title="",
        served=Served(None, None, permanent_url="https://new.example/a.feed"),
        poll_interval=INTERVAL,
        backfill_days=0,
    )
    assert decision.articles == () and decision.now == NOW
    assert decision.state.title == "Kept" and decision.state.initialised
    assert decision.state.effective_url == "https://new.example/a.feed"
    assert decision.state.etag is None and decision.state.newest_item_at is None


def test_article_text_is_matched_as_the_plain_text_it_is_stored_as() -> None:
    # Parsing rendered the HTML once; an entity left in the text is something the
    # article shows, and the snippet must quote it as stored.
    article = make_article(1, text="R&amp;D money for the Rogun Dam.")
    [found] = match_article(MATCHER, article)
    assert found.watchlist == "Dam" and "R&amp;D" in found.snippet


def test_deciding_is_pure_and_leaves_the_prior_alone() -> None:
    before = make_article(1, text=TRIPP_TEXT)
    prior_known = known(before, "TRIPP")
    run([make_article(1, text=BOTH_TEXT)], known=prior_known)
    assert prior_known == known(before, "TRIPP")
