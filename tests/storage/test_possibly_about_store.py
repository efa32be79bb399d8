"""The "possibly about" findings and the per-subscription setting in SQLite."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.aboutness import CLOSE, PossiblyAbout
from bot.storage import open_store
from bot.storage.store import Store
from tests.factories import make_article, make_match

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ARTICLE = make_article(1, text="The transit strip across Syunik.")


def store_with_article(tmp_path: Path, store_url: str) -> Store:
    store = open_store(store_url)
    store.upsert_article(ARTICLE, NOW)
    return store


def finding(watchlist: str = "TRIPP") -> PossiblyAbout:
    return PossiblyAbout(ARTICLE.id, watchlist, 0.7, CLOSE, "The transit strip across Syunik.")


def test_findings_are_replaced_and_read_by_when_they_were_found(
    tmp_path: Path, store_url: str
) -> None:
    store = store_with_article(tmp_path, store_url)
    assert store.about.replace(ARTICLE.id, ARTICLE.content_hash, [finding()], NOW) == frozenset()
    later = NOW + timedelta(hours=1)
    before = store.about.replace(ARTICLE.id, ARTICLE.content_hash, [finding("Other")], later)
    assert before == frozenset({"TRIPP"})
    assert store.about.found_between(NOW, later) == []
    [seen] = store.about.found_between(later, later + timedelta(seconds=1))
    assert seen.found == finding("Other")
    assert seen.article.title == ARTICLE.title


def test_a_finding_on_old_text_is_neither_stored_nor_shown(tmp_path: Path, store_url: str) -> None:
    store = store_with_article(tmp_path, store_url)
    store.about.replace(ARTICLE.id, ARTICLE.content_hash, [finding()], NOW)
    edited = replace(ARTICLE, text="Now about something else.", content_hash="new")
    store.upsert_article(edited, NOW + timedelta(minutes=1))
    assert store.about.found_between(NOW, NOW + timedelta(days=1)) == [], "old text's verdict"
    assert store.about.replace(ARTICLE.id, ARTICLE.content_hash, [finding()], NOW) is None


def test_the_lists_an_article_names_come_with_its_findings(tmp_path: Path, store_url: str) -> None:
    store = store_with_article(tmp_path, store_url)
    store.replace_matches(ARTICLE.id, [make_match("TRIPP")], NOW)
    store.about.replace(ARTICLE.id, ARTICLE.content_hash, [finding()], NOW)
    [seen] = store.about.found_between(NOW, NOW + timedelta(seconds=1))
    assert seen.named == frozenset({"TRIPP"})


def test_about_alerts_are_off_by_default_and_set_per_followed_list(
    tmp_path: Path, store_url: str
) -> None:
    store = store_with_article(tmp_path, store_url)
    chats = store.chats
    chats.ensure(7, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW)
    chats.subscribe(7, "TRIPP", NOW)
    chats.subscribe(7, "Middle Corridor", NOW)
    assert chats.get(7).about_alerts == ()  # type: ignore[union-attr]
    assert chats.set_about_alerts(7, "TRIPP", True)
    assert not chats.set_about_alerts(7, "Abraham Accords", True), "not followed"
    assert chats.get(7).about_alerts == ("TRIPP",)  # type: ignore[union-attr]
    assert [s.about_alerts for s in chats.all()] == [("TRIPP",)]
    chats.set_about_alerts(7, "TRIPP", False)
    assert chats.get(7).about_alerts == ()  # type: ignore[union-attr]
