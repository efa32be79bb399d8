"""What the "possibly about" tier owes, in SQLite (migration 012): marked with the article,
moved to its newest text, cleared with its findings; one list's reading after an edit of
its `about` keeps a finding's time when the finding stands."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.aboutness import CLOSE, VERY_CLOSE, PossiblyAbout
from bot.storage import open_store
from bot.storage.store import Store
from tests.factories import make_article

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
A = make_article(1, text="The transit strip across Syunik.")
B = make_article(2, text="Cotton prices fall.")


def store_with(tmp_path: Path, store_url: str) -> Store:
    store = open_store(store_url)
    for article in (A, B):
        store.upsert_article(article, NOW)
    return store


def finding(
    article_id: str = A.id, watchlist: str = "TRIPP", strength: str = CLOSE
) -> PossiblyAbout:
    return PossiblyAbout(article_id, watchlist, 0.7, strength, "The transit strip.")


def test_an_article_stays_owed_across_a_newer_text_with_its_first_mark_and_goes_when_read(
    tmp_path: Path, store_url: str
) -> None:
    store = store_with(tmp_path, store_url)
    store.about.owe([(A.id, A.content_hash, "new", False)], NOW)
    edited = replace(A, text="The strip, revised.", content_hash="v2")
    store.upsert_article(edited, NOW + timedelta(minutes=5))
    store.about.owe([(A.id, "v2", "updated", True)], NOW + timedelta(minutes=5))
    [owed] = store.about.owed(10, NOW)
    assert owed.article.content_hash == "v2", "the newest text is read"
    assert (owed.change, owed.owed_since, owed.alerts) == ("new", NOW, True), (
        "never read: still news, as old as its first mark; alerting if either poll allowed"
    )
    store.about.settle(A.id, A.content_hash)
    assert store.about.owes(), "reading the old text does not pay for the new one"
    store.about.settle(A.id, "v2")
    assert not store.about.owes()


def test_a_polls_marks_come_before_an_edits_and_each_oldest_first(
    tmp_path: Path, store_url: str
) -> None:
    store = store_with(tmp_path, store_url)
    store.about.owe_list("TRIPP", NOW - timedelta(days=1), NOW)
    store.about.owe([(B.id, B.content_hash, "new", True)], NOW + timedelta(minutes=1))
    store.about.owe([(A.id, A.content_hash, "new", True)], NOW + timedelta(minutes=2))
    order = [(o.article.id, o.watchlist) for o in store.about.owed(10, NOW)]
    assert order == [(B.id, None), (A.id, None), (A.id, "TRIPP"), (B.id, "TRIPP")]
    assert len(store.about.owed(2, NOW)) == 2, "a batch at a time"
    store.about.settle(A.id, A.content_hash)
    assert [(o.article.id, o.watchlist) for o in store.about.owed(10, NOW)] == [
        (B.id, None),
        (B.id, "TRIPP"),
    ], "reading every list for A's text pays what TRIPP's edit was owed too"


def test_an_edit_marks_only_the_articles_of_the_window(tmp_path: Path, store_url: str) -> None:
    store = open_store(store_url)
    store.upsert_article(A, NOW - timedelta(days=30))
    store.upsert_article(B, NOW)
    assert store.about.owe_list("TRIPP", NOW - timedelta(days=14), NOW) == 1
    [owed] = store.about.owed(10, NOW)
    assert (owed.article.id, owed.change, owed.alerts) == (B.id, "edit", False)


def test_one_lists_reading_keeps_a_standing_findings_time_and_drops_a_fallen_one(
    tmp_path: Path, store_url: str
) -> None:
    store = store_with(tmp_path, store_url)
    store.about.replace(A.id, A.content_hash, [finding()], NOW)
    store.about.owe_list("TRIPP", NOW - timedelta(days=1), NOW)
    later = NOW + timedelta(hours=3)
    stronger = finding(strength=VERY_CLOSE)
    assert not store.about.replace_one(A.id, A.content_hash, "TRIPP", stronger, later)
    [seen] = store.about.found_between(NOW, NOW + timedelta(seconds=1))
    assert seen.found.strength == VERY_CLOSE, "as read now, shown when first found"
    assert store.about.replace_one(B.id, B.content_hash, "TRIPP", finding(B.id), later)
    assert [s.article.id for s in store.about.found_between(later, later + timedelta(1))] == [B.id]
    assert not store.about.replace_one(A.id, A.content_hash, "TRIPP", None, later)
    assert [s.article.id for s in store.about.found_between(NOW, later + timedelta(1))] == [B.id]
    assert not store.about.owes()


def test_a_list_that_lost_its_about_owes_nothing_and_keeps_no_findings(
    tmp_path: Path, store_url: str
) -> None:
    store = store_with(tmp_path, store_url)
    store.about.replace(A.id, A.content_hash, [finding(), finding(watchlist="Other")], NOW)
    store.about.owe_list("TRIPP", NOW - timedelta(days=1), NOW)
    store.about.owe_list("Other", NOW - timedelta(days=1), NOW)
    store.about.forget_list("TRIPP")
    assert {o.watchlist for o in store.about.owed(10, NOW)} == {"Other"}
    assert [s.found.watchlist for s in store.about.found_between(NOW, NOW + timedelta(1))] == [
        "Other"
    ]
    store.about.drop_owed(set())
    assert not store.about.owes()


def test_a_text_the_tier_failed_on_alone_is_read_alone_after_the_rest_when_its_pause_ends(
    tmp_path: Path, store_url: str
) -> None:
    store = store_with(tmp_path, store_url)
    store.about.owe([(A.id, A.content_hash, "new", True)], NOW)
    store.about.owe([(B.id, B.content_hash, "new", True)], NOW + timedelta(minutes=1))
    assert store.about.failed_alone(A.id, lambda n: NOW + timedelta(minutes=n)) == 1
    assert [o.article.id for o in store.about.owed(10, NOW)] == [B.id], "A waits behind"
    store.about.settle(B.id, B.content_hash)
    assert store.about.owed(10, NOW) == [], "A's own pause has not run out"
    assert store.about.owes()
    [again] = store.about.owed(10, NOW + timedelta(minutes=1))
    assert (again.article.id, again.failures) == (A.id, 1)
    assert store.about.failed_alone(A.id, lambda n: NOW + timedelta(minutes=n)) == 2
    assert store.about.owed(10, NOW + timedelta(minutes=1)) == []
