"""``caci-watch routes``: every chat's list delivered to a topic or a channel, and one
brought back to its chat from the server."""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.domain.routing import Destination, Route
from bot.storage import open_store
from tests.watchlist_copy import copy_watchlists


def config(tmp_path: Path) -> Path:
    lists = copy_watchlists(tmp_path / "watchlists")
    path = tmp_path / "config.toml"
    path.write_text(
        '[feeds]\nurls = ["http://127.0.0.1:9/none.feed"]\n'
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
        f'[watchlists]\ndir = "{lists}"\n',
        encoding="utf-8",
    )
    return path


def test_an_operator_lists_the_routes_and_brings_one_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path)
    run = ["--config", str(cfg), "routes"]
    assert main(run) == 0
    assert capsys.readouterr().out.startswith("No routes")
    now = datetime.now(UTC)
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        for chat, kind in ((7, "private"), (-1005001, "supergroup")):
            store.chats.ensure(
                chat, kind=kind, title="", timezone="UTC", digest_time="08:00", now=now
            )
            store.chats.subscribe(chat, "TRIPP", now)
        store.routes.set(Route(7, "TRIPP", Destination(-1009001), "CACI news", "telegram:900"), now)
        store.routes.set(Route(-1005001, "TRIPP", Destination(-1005001, 77), "topic 77"), now)
    assert main(run) == 0
    assert capsys.readouterr().out.splitlines() == [
        "chat -1005001: TRIPP -> its topic 77",
        "chat 7: TRIPP -> channel CACI news (-1009001)  (set by telegram:900)",
    ]
    assert main([*run, "--off", "7", "tripp"]) == 0
    assert "TRIPP's alerts and digest go to the chat itself again" in capsys.readouterr().out
    assert main([*run, "--off", "7", "tripp"]) == 0
    assert "was not routed" in capsys.readouterr().out
    assert main([*run, "--off", "8", "tripp"]) != 0
    assert "No chat 8" in capsys.readouterr().err
    assert main([*run, "--off", "7", "middle corridor"]) != 0
    assert "does not follow Middle Corridor" in capsys.readouterr().err
    assert main([*run, "--off", "7", "qqqqqq"]) != 0
    assert "follows no list called 'qqqqqq'" in capsys.readouterr().err


def test_bringing_a_route_back_leaves_a_chat_that_blocked_the_bot_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(tmp_path)
    now = datetime.now(UTC)
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        store.chats.ensure(
            7, kind="private", title="", timezone="UTC", digest_time="08:00", now=now
        )
        store.chats.subscribe(7, "TRIPP", now)
        store.routes.set(Route(7, "TRIPP", Destination(-1009001), "CACI news"), now)
        store.chats.deactivate(7, "blocked the bot", now)
    assert main(["--config", str(cfg), "routes", "--off", "7", "tripp"]) == 0
    assert "go to the chat itself again" in capsys.readouterr().out
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        sub = store.chats.get(7)
        assert sub is not None and not sub.active
