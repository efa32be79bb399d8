"""`caci-watch watchlist test NAME` shows the articles the "possibly about" tier finds
apart from those that name the list, and none when the tier is turned off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.factories import rss
from tests.feed_server import FeedServer
from tests.semantic.about_fixture import ABOUT_IT, NEIGHBOUR
from tests.semantic.route_toml import write_route_list

WHEN = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)


def html(text: str) -> str:
    return "".join(f"<p>{p}</p>" for p in text.split("\n\n"))


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def stored(tmp_path: Path, server: FeedServer, extra: str = "") -> Path:
    items = [(a.id, a.title, html(a.text), WHEN) for a in (ABOUT_IT, NEIGHBOUR)] + [
        ("named", "The Syunik transit route reopens", "<p>Trains run again.</p>", WHEN)
    ]
    server.serve_feed("/a.feed", rss(items))
    write_route_list(tmp_path / "lists")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[feeds]\nurls = ["{server.url("/a.feed")}"]\nbackfill_days = 100000\n'
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
        f'[watchlists]\ndir = "{tmp_path / "lists"}"\n{extra}',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "poll", "--once"]) == 0
    return config


def test_the_dry_run_shows_possibly_about_finds_apart_from_the_names(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = stored(tmp_path, server)
    capsys.readouterr()
    assert main(["--config", str(config), "watchlist", "test", "Route", "--days", "100000"]) == 0
    out = capsys.readouterr().out
    assert "1 would match" in out
    named, about = out.split("Possibly about 'Route', without naming it:")
    assert "The Syunik transit route reopens" in named
    assert about.startswith(" 1 of the 2 article(s) that do not name it.")
    assert ABOUT_IT.title in about and NEIGHBOUR.title not in about
    assert "very close: “" in about


def test_with_the_tier_turned_off_the_dry_run_shows_names_only(
    tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = stored(tmp_path, server, "[about]\nenabled = false\n")
    capsys.readouterr()
    assert main(["--config", str(config), "watchlist", "test", "Route", "--days", "100000"]) == 0
    out = capsys.readouterr().out
    assert "1 would match" in out
    assert "Possibly about" not in out
