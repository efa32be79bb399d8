"""`caci-watch watchlist …` as a user runs it, on a copy of the shipped watchlists."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import watchlist_sync
from bot.cli.main import main
from bot.feeds.snapshot_server import SnapshotServer, bundled_snapshot


@pytest.fixture
def config(tmp_path: Path, watchlists_dir: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
        f'[watchlists]\ndir = "{watchlists_dir}"\nrematch_days = 100000\n'
        "[feeds]\nbackfill_days = 100000\n",
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), "watchlist", *args])


def comment_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.lstrip().startswith("#")]


def test_list_names_every_watchlist(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "list") == 0
    out = capsys.readouterr().out
    for name in ("Abraham Accords", "Middle Corridor", "TRIPP"):
        assert name in out


def test_add_term_keeps_every_comment_and_is_audited(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config.parent / "watchlists" / "tripp.toml"
    before = comment_lines(path)
    assert run(config, "add-term", "tripp", "Zangazour") == 0
    assert "saved" in capsys.readouterr().out
    assert comment_lines(path) == before
    assert '"Zangazour"' in path.read_text()

    assert run(config, "show", "TRIPP") == 0
    shown = capsys.readouterr().out
    assert "Zangazour" in shown
    assert "add-term" in shown and "cli:" in shown


def test_exact_term_and_exclude_and_removal_round_trip(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config.parent / "watchlists" / "middle-corridor.toml"
    original = path.read_text()
    assert run(config, "add-term", "middle corridor", "TMTM", "--exact") == 0
    assert '{ text = "TMTM", exact = true }' in path.read_text()
    assert run(config, "remove-term", "Middle Corridor", "TMTM") == 0
    assert path.read_text() == original
    assert run(config, "exclude", "Middle Corridor", "Middle Corridor of the hotel") == 0
    assert "Middle Corridor of the hotel" in path.read_text()
    assert comment_lines(path) == [
        line for line in original.splitlines() if line.lstrip().startswith("#")
    ]


def test_invalid_edits_are_refused_with_a_clear_message(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config.parent / "watchlists" / "tripp.toml"
    original = path.read_text()
    assert run(config, "add-term", "TRIPP", "Zangezur") == 2
    assert "already has the term" in capsys.readouterr().err
    assert run(config, "remove-term", "TRIPP", "Zangezurr") == 2
    assert "did you mean" in capsys.readouterr().err
    assert run(config, "add-term", "TRIPP", "x" * 500) == 2
    assert "characters" in capsys.readouterr().err
    assert run(config, "add-term", "Tripoli", "x") == 2
    assert "no watchlist named 'Tripoli'" in capsys.readouterr().err
    assert path.read_text() == original


def test_new_then_delete_keeps_the_text_in_the_audit(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "new", "Rogun Dam", "--term", "Rogun", "--description", "Tajik dam") == 0
    created = config.parent / "watchlists" / "rogun-dam.toml"
    assert created.exists()
    assert run(config, "new", "rogun dam", "--term", "Rogun") == 2
    assert "already exists" in capsys.readouterr().err
    text = created.read_text()
    assert run(config, "delete", "Rogun Dam") == 0
    assert not created.exists()
    assert "watchlist show 'Rogun Dam'" in capsys.readouterr().out
    assert run(config, "list") == 0
    assert "Rogun" not in capsys.readouterr().out
    # What the delete said to run works: the deleted list's history and its last text.
    assert run(config, "show", "rogun dam") == 0
    shown = capsys.readouterr().out
    assert "Rogun Dam was deleted on " in shown and " by cli:" in shown
    assert all(f"  {line}" in shown for line in text.splitlines())
    assert "delete" in shown and "new" in shown


def test_dry_run_shows_what_an_added_term_would_catch(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SnapshotServer(bundled_snapshot()) as server:
        text = config.read_text().replace("[feeds]\n", f'[feeds]\nurls = ["{server.url}"]\n')
        config.write_text(text)
        assert main(["--config", str(config), "poll", "--once"]) == 0
    capsys.readouterr()

    assert run(config, "test", "TRIPP", "--days", "100000") == 0
    out = capsys.readouterr().out
    assert "3 would match, 0 of them new, 0 would no longer match" in out

    assert run(config, "add-term", "TRIPP", "Syunik") == 0
    assert "newly match" in capsys.readouterr().out
    assert run(config, "new", "Alat", "--term", "Port of Alat", "--term", "Alat") == 0
    capsys.readouterr()
    assert run(config, "test", "Alat", "--days", "100000") == 0
    out = capsys.readouterr().out
    assert "would match" in out and "[Alat]" in out


def test_dry_run_rejects_negative_days(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "test", "TRIPP", "--days", "-1") == 2
    assert "--days" in capsys.readouterr().err


def test_cli_edit_is_audited_once_even_when_the_bot_reloads_after_it(config: Path) -> None:
    from datetime import UTC, datetime

    from bot.app.config import load_config
    from bot.app.service import build_service

    assert run(config, "add-term", "TRIPP", "Zangazour") == 0
    service = build_service(load_config(config))
    try:
        watchlist_sync.reload_watchlists(
            service, datetime.now(UTC)
        )  # what the running bot does each minute
        actions = [(e.actor.split(":")[0], e.action) for e in service.store.audit_for("TRIPP")]
    finally:
        service.close()
    assert actions.count(("cli", "add-term")) == 1
    assert ("file", "changed") not in actions


def test_remove_exclude_keeps_every_comment_is_audited_and_a_typo_gets_a_did_you_mean(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config.parent / "watchlists" / "tripp.toml"
    before = comment_lines(path)
    assert run(config, "remove-exclude", "tripp", "Trump rooted") == 2
    err = capsys.readouterr().err
    assert 'no exclude phrase "Trump rooted" in "TRIPP" (did you mean "Trump routed"?)' in err
    assert run(config, "remove-exclude", "tripp", "trump routed") == 0
    assert "saved" in capsys.readouterr().out
    assert comment_lines(path) == before
    assert "exclude = [\n" in path.read_text()
    assert run(config, "show", "TRIPP") == 0
    shown = capsys.readouterr().out
    assert "remove-exclude" in shown and "Trump routed" in shown and "cli:" in shown


def test_watchlist_test_with_a_term_lists_only_what_it_would_add_and_changes_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SnapshotServer(bundled_snapshot()) as server:
        text = config.read_text().replace("[feeds]\n", f'[feeds]\nurls = ["{server.url}"]\n')
        config.write_text(text)
        assert main(["--config", str(config), "poll", "--once"]) == 0
    capsys.readouterr()
    path = config.parent / "watchlists" / "tripp.toml"
    before = path.read_text()
    days = ("--days", "100000")
    assert run(config, "test", "TRIPP", *days) == 0
    plain = capsys.readouterr().out
    assert run(config, "test", "TRIPP", "--term", "Syunik", "--term", "Azerbaijan", *days) == 0
    tried = capsys.readouterr().out
    assert tried.startswith("Trying 'Syunik', 'Azerbaijan' on 'TRIPP' over ")
    assert "it would add 2 (the list matches 3 now, 5 with it)." in tried
    added = [line for line in tried.splitlines() if line.startswith("  + ")]
    assert added, tried
    assert all(line not in plain for line in added)  # none it matches now
    assert run(config, "test", "TRIPP", "--term", "zangezur") == 2
    assert '"TRIPP" already has the term "Zangezur"' in capsys.readouterr().err
    assert path.read_text() == before
