"""The "possibly about" tier from the command line: a poll finds an article that
discusses TRIPP without naming it, the digest shows it in its own section, and an
operator sets a chat's possibly-about alerts."""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import personal_lists
from bot.app.config import load_config
from bot.app.service import build_service
from bot.cli.main import main
from bot.domain.models import Term
from bot.storage import open_store
from tests.about_lists import give_tripp_about, transit_strip_item
from tests.factories import rss
from tests.feed_server import FeedServer
from tests.watchlist_copy import copy_watchlists


def config(tmp_path: Path, feed_url: str) -> Path:
    lists = copy_watchlists(tmp_path / "watchlists")
    give_tripp_about(lists)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[feeds]\nurls = ["{feed_url}"]\nbackfill_days = 100000\n'
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
        f'[watchlists]\ndir = "{lists}"\n',
        encoding="utf-8",
    )
    return path


def test_the_cli_digest_shows_an_article_possibly_about_tripp_with_its_passage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = transit_strip_item("77", datetime.now(UTC) - timedelta(hours=1))
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([item]))
        cfg = config(tmp_path, feeds.url("/a.feed"))
        assert main(["--config", str(cfg), "poll", "--once"]) == 0
    capsys.readouterr()
    assert main(["--config", str(cfg), "digest", "--since", "2000-01-01"]) == 0
    out = capsys.readouterr().out
    assert "No new articles matched" in out
    section = out.split("Possibly about TRIPP:", 1)[1]
    assert "Syunik Prepares for American Operators" in section
    assert "close: “" in section and "Nakhchivan exclave" in section


def test_an_operator_sets_a_chats_possibly_about_alerts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path, "http://127.0.0.1:9/none.feed")
    now = datetime.now(UTC)
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        chats = store.chats
        chats.ensure(7, kind="private", title="", timezone="UTC", digest_time="08:00", now=now)
        chats.subscribe(7, "TRIPP", now)
    run = ["--config", str(cfg), "about-alerts"]
    assert main([*run, "7", "tripp"]) == 0
    assert capsys.readouterr().out.strip() == "chat 7: possibly-about alerts for TRIPP are off"
    assert main([*run, "7", "tripp", "on"]) == 0
    assert capsys.readouterr().out.strip() == "chat 7: possibly-about alerts for TRIPP are on"
    assert main([*run, "8", "tripp", "on"]) != 0
    assert "no chat 8" in capsys.readouterr().err
    assert main([*run, "7", "middle corridor", "on"]) != 0
    assert "does not follow Middle Corridor" in capsys.readouterr().err


def test_possibly_about_alerts_are_not_turned_on_while_the_tier_is_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path, "http://127.0.0.1:9/none.feed")
    cfg.write_text(cfg.read_text(encoding="utf-8") + "[about]\nenabled = false\n", "utf-8")
    now = datetime.now(UTC)
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        chats = store.chats
        chats.ensure(7, kind="private", title="", timezone="UTC", digest_time="08:00", now=now)
        chats.subscribe(7, "TRIPP", now)
    run = ["--config", str(cfg), "about-alerts"]
    # "on" would promise alerts that never come: the tier never runs.
    assert main([*run, "7", "tripp", "on"]) != 0
    assert "[about] enabled = false" in capsys.readouterr().err
    assert main([*run, "7", "tripp"]) == 0
    assert capsys.readouterr().out.strip() == "chat 7: possibly-about alerts for TRIPP are off"


def test_possibly_about_alerts_for_a_personal_list_say_it_is_matched_by_name_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path, "http://127.0.0.1:9/none.feed")
    now = datetime.now(UTC)
    with closing(build_service(load_config(cfg))) as service:
        service.store.chats.ensure(
            7, kind="private", title="", timezone="UTC", digest_time="08:00", now=now
        )
        personal_lists.create(service, now, owner=7, name="Rogun", terms=[Term("Rogun")], actor="t")
    assert main(["--config", str(cfg), "about-alerts", "7", "rogun", "on"]) != 0
    said = capsys.readouterr().err
    # Not "an admin can add `about`": a personal list has no file and no `about`.
    assert "personal" in said and "by name only" in said, said
