from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.models import FeedState
from bot.domain.poll import alert_matches, is_due, match_fields, should_alert
from tests.factories import T0, make_article, make_match


def test_first_poll_stores_without_alerting_by_default() -> None:
    assert not should_alert(first_poll=True, published=T0, now=T0, backfill_days=0)


def test_first_poll_alerts_only_within_the_backfill_window() -> None:
    now = T0 + timedelta(days=3)
    assert should_alert(first_poll=True, published=T0, now=now, backfill_days=5)
    assert not should_alert(first_poll=True, published=T0, now=now, backfill_days=2)
    assert not should_alert(first_poll=True, published=None, now=now, backfill_days=5)


def test_later_polls_alert_on_every_new_matching_article() -> None:
    old = T0 - timedelta(days=900)
    assert should_alert(first_poll=False, published=old, now=T0, backfill_days=0)


def test_edited_article_alerts_only_for_watchlists_it_newly_matches() -> None:
    matches = [make_match("TRIPP"), make_match("Middle Corridor", term="Middle Corridor")]
    carried = alert_matches("updated", matches, previously={"TRIPP"})
    assert [m.watchlist for m in carried] == ["Middle Corridor"]
    assert alert_matches("same", matches, previously=set()) == ()
    assert len(alert_matches("new", matches, previously=set())) == 2


def test_feed_is_due_when_never_polled_or_its_time_has_come() -> None:
    assert is_due(FeedState(url="u"), T0)
    assert is_due(FeedState(url="u", next_poll_at=T0), T0)
    assert not is_due(FeedState(url="u", next_poll_at=T0 + timedelta(seconds=1)), T0)


def test_summary_repeating_the_body_is_matched_once() -> None:
    article = make_article(1, text="The Middle Corridor grows.")
    assert [name for name, _ in match_fields(article)] == ["title", "body"]
    distinct = replace(article, summary="A short teaser about TRIPP.")
    assert [name for name, _ in match_fields(distinct)] == ["title", "summary", "body"]
