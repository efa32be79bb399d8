"""``caci-watch chat CHAT``: a subscriber's settings shown as /mysubs shows them, and
changed from the server by the use cases /schedule, /mode, /timezone, /time, /mute and
/unmute call. Real store, real watchlist files."""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.main import EXIT_USAGE, main
from bot.domain.routing import Destination, Route
from bot.storage import open_store
from tests.watchlist_copy import copy_watchlists

ANN = 7
GROUP = -1005001


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


@pytest.fixture
def chat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The command's start, with chat ANN known to the store and following TRIPP."""
    cfg = config(tmp_path)
    now = datetime.now(UTC)
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        for chat_id, kind in ((ANN, "private"), (GROUP, "supergroup")):
            store.chats.ensure(
                chat_id, kind=kind, title="", timezone="UTC", digest_time="08:00", now=now
            )
            store.chats.subscribe(chat_id, "TRIPP", now)
    return ["--config", str(cfg), "chat"]


def out(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out


def err(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err


def test_a_chat_is_shown_with_its_lists_and_digest_as_mysubs_shows_them(
    chat: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*chat, str(ANN)]) == 0
    shown = out(capsys)
    assert shown.startswith(f"chat {ANN} (private)")
    assert "• TRIPP" in shown
    assert "You get instant alerts and a daily digest at 08:00 UTC." in shown
    assert "Next digest:" in shown
    assert "<b>" not in shown and "/unmute" not in shown


def test_an_unknown_chat_is_refused_and_not_created(
    chat: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for args in ([], ["time", "07:00"], ["mute", "tripp"], ["quiet", "22:00-07:00"]):
        assert main([*chat, "8", *args]) == EXIT_USAGE
        assert "no chat 8 in the store" in err(capsys)
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        assert store.chats.get(8) is None


def test_the_schedule_quiet_hours_and_repeats_are_changed_and_shown(
    chat: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*chat, str(ANN), "schedule", "weekly", "fri", "9:00"]) == 0
    assert "weekly digest at 09:00 UTC on Fridays" in out(capsys)
    assert main([*chat, str(ANN), "schedule", "weekdays"]) == 0
    assert "digest at 09:00 UTC on weekdays" in out(capsys)
    assert main([*chat, str(ANN), "quiet", "22:00-07:00"]) == 0
    assert "Quiet hours 22:00–07:00" in out(capsys)
    assert main([*chat, str(ANN), "repeats", "off"]) == 0
    assert "The digest leaves out what came as an instant alert." in out(capsys)
    assert main([*chat, str(ANN), "quiet", "off"]) == 0
    shown = out(capsys)
    assert "Quiet hours" not in shown and "on weekdays" in shown


def test_bad_schedule_input_gets_the_schedule_commands_reason(
    chat: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*chat, str(ANN), "schedule", "monthly"]) == EXIT_USAGE
    refused = err(capsys)
    assert "weekly fri" in refused and "caci-watch chat CHAT schedule" in refused
    assert main([*chat, str(ANN), "quiet", "25:00-99"]) == EXIT_USAGE
    assert "HH:MM-HH:MM" in err(capsys)
    assert main([*chat, str(ANN), "time", "31:00"]) == EXIT_USAGE
    assert "HH:MM" in err(capsys)
    assert main([*chat, str(ANN)]) == 0
    assert "daily digest at 08:00 UTC." in out(capsys), "nothing changed"


def test_the_chats_mode_and_a_lists_own_mode(
    chat: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*chat, str(ANN), "mode", "daily"]) == 0
    assert "the daily digest only" in out(capsys)
    assert main([*chat, str(ANN), "mode", "tripp", "instant"]) == 0
    shown = out(capsys)
    assert "TRIPP: alerts only, whatever the chat's mode" in shown
    assert "• TRIPP — alerts only" in shown
    assert main([*chat, str(ANN), "mode", "tripp", "default"]) == 0
    assert "TRIPP goes by the chat's mode again" in out(capsys)
    assert main([*chat, str(ANN), "mode", "middle", "corridor", "both"]) == EXIT_USAGE
    assert "does not follow Middle Corridor" in err(capsys)
    assert main([*chat, str(ANN), "mode", "sometimes"]) == EXIT_USAGE
    assert "“sometimes” is not a mode" in err(capsys)
    assert main([*chat, str(ANN), "mode", "qqqqqq", "daily"]) == EXIT_USAGE
    assert "no watchlist called “qqqqqq”" in err(capsys)


def test_the_time_zone_is_read_as_telegram_reads_it(
    chat: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*chat, str(ANN), "timezone", "EST"]) == 0
    shown = out(capsys)
    assert "as America/New_York" in shown and "08:00 America/New_York" in shown
    assert main([*chat, str(ANN), "time", "7:30"]) == 0
    assert "07:30 America/New_York" in out(capsys)
    assert main([*chat, str(ANN), "timezone", "Narnia"]) == EXIT_USAGE
    assert "I don't know the time zone “Narnia”" in err(capsys)


def test_a_list_is_muted_shown_muted_and_unmuted(
    chat: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*chat, str(ANN), "mute", "tripp", "3"]) == 0
    assert f"chat {ANN}: TRIPP muted until" in out(capsys)
    assert main([*chat, str(ANN)]) == 0
    assert "• TRIPP (muted until" in out(capsys)
    assert main([*chat, str(ANN), "mute", "tripp", "0"]) == EXIT_USAGE
    assert "nothing muted: a list can be muted for 1 to" in err(capsys)
    assert main([*chat, str(ANN), "unmute", "tripp"]) == 0
    assert "TRIPP is no longer muted" in out(capsys)
    assert main([*chat, str(ANN), "unmute", "tripp"]) == 0
    assert "TRIPP is not muted" in out(capsys)
    assert main([*chat, str(ANN), "mute", "middle corridor"]) == EXIT_USAGE
    assert "does not follow Middle Corridor" in err(capsys)


def test_a_group_shows_its_routes(
    chat: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        store.routes.set(
            Route(GROUP, "TRIPP", Destination(GROUP, 77), "topic 77"), datetime.now(UTC)
        )
    assert main([*chat, str(GROUP)]) == 0
    shown = out(capsys)
    assert "This group's subscriptions" in shown
    assert "Delivered elsewhere\n➡️ TRIPP → topic 77" in shown


def test_a_chat_that_blocked_the_bot_stays_stopped_when_its_settings_change(
    chat: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        store.chats.deactivate(ANN, "blocked the bot", datetime.now(UTC))
    assert main([*chat, str(ANN), "time", "06:00"]) == 0
    assert "stopped: blocked the bot" in out(capsys)
    with closing(open_store(tmp_path / "s.sqlite3")) as store:
        sub = store.chats.get(ANN)
        assert sub is not None and not sub.active and sub.digest_time == "06:00"
