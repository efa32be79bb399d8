"""An edit of a list's `about` owes the tier a reading of the re-match window for that
list (``possibly_about.owe_edited_lists``, run wherever watchlist edits are applied):
once per version, whoever applies it; a list that loses `about` loses its findings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.config import builtin_config
from bot.app.service import Service, build_service
from bot.app.watchlist_sync import reload_watchlists
from bot.domain.aboutness import CLOSE, PossiblyAbout
from tests.about_lists import give_tripp_about
from tests.factories import make_article
from tests.watchlist_copy import copy_watchlists

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
RECENT = make_article(1)
OLD = make_article(2)


def service_with_articles(tmp_path: Path, *, enabled: bool = True) -> Service:
    lists = copy_watchlists(tmp_path / "watchlists")
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3",
        watchlists_dir=lists,
        feed_urls=["http://127.0.0.1:9/a.feed"],
    )
    config = replace(config, about=replace(config.about, enabled=enabled))
    service = build_service(config)
    service.store.upsert_article(OLD, NOW - timedelta(days=config.watchlists.rematch_days + 1))
    service.store.upsert_article(RECENT, NOW - timedelta(days=1))
    return service


def owed(service: Service) -> list[tuple[str, str | None]]:
    return [(o.article.id, o.watchlist) for o in service.store.about.owed(100, NOW)]


def tripp_path(service: Service) -> Path:
    return service.config.watchlists.dir / "tripp.toml"


def test_a_list_given_about_owes_a_reading_of_the_rematch_window_once(tmp_path: Path) -> None:
    service = service_with_articles(tmp_path)
    reload_watchlists(service, NOW)
    assert owed(service) == [], "no list has about"
    give_tripp_about(service.config.watchlists.dir)
    reload_watchlists(service, NOW)
    assert owed(service) == [(RECENT.id, "TRIPP")], "the window only, that list only"
    service.store.about.replace_one(RECENT.id, RECENT.content_hash, "TRIPP", None, NOW)
    reload_watchlists(service, NOW + timedelta(minutes=1))
    assert owed(service) == [], "the same version: read once"


def test_changed_thresholds_owe_a_reading_and_about_taken_away_drops_the_findings(
    tmp_path: Path,
) -> None:
    service = service_with_articles(tmp_path)
    give_tripp_about(service.config.watchlists.dir)
    reload_watchlists(service, NOW)
    found = PossiblyAbout(RECENT.id, "TRIPP", 0.9, CLOSE, "A passage.")
    service.store.about.replace_one(RECENT.id, RECENT.content_hash, "TRIPP", found, NOW)
    path = tripp_path(service)
    path.write_text(path.read_text(encoding="utf-8") + "about_close = 0.7\n", encoding="utf-8")
    reload_watchlists(service, NOW + timedelta(minutes=1))
    assert owed(service) == [(RECENT.id, "TRIPP")]

    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nabout = ")] + "\n", encoding="utf-8")
    reload_watchlists(service, NOW + timedelta(minutes=2))
    assert owed(service) == []
    assert service.store.about.found_between(NOW - timedelta(days=1), NOW + timedelta(1)) == []


def test_with_the_tier_off_an_edit_of_about_owes_nothing(tmp_path: Path) -> None:
    service = service_with_articles(tmp_path, enabled=False)
    give_tripp_about(service.config.watchlists.dir)
    reload_watchlists(service, NOW)
    assert owed(service) == []
