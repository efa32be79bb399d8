"""The command line as a user runs it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.watchlist_copy import SHIPPED_NAMES, copy_watchlists

ROOT = Path(__file__).resolve().parents[2]

# What the bundled snapshot must produce (by author, as the demo prints it).
EXPECTED_DEMO = {
    "Mehmet Fatih Oztarsu": {"TRIPP", "Middle Corridor"},
    "Stephen Blank": {"TRIPP", "Middle Corridor"},
    "John DiPirro": {"TRIPP"},
    "Emil Avdaliani": {"Middle Corridor", "Abraham Accords"},
    "Robert M. Cutler": {"Middle Corridor"},
}


def digest_watchlists_by_author(output: str) -> dict[str, set[str]]:
    digest = output.split("== Daily digest ==", 1)[1]
    found: dict[str, set[str]] = {}
    for block in re.split(r"\n(?=\d+\. )", digest):
        author = next((a for a in EXPECTED_DEMO if f"   {a} · " in block), None)
        lists = re.search(r"Watchlists: (.+)", block)
        if author and lists:
            found[author] = set(lists.group(1).split(", "))
    return found


def test_demo_reports_each_snapshot_article_under_exactly_its_watchlists(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "demo",
            "--store",
            str(tmp_path / "demo.sqlite3"),
            "--watchlists",
            str(watchlists_dir),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert digest_watchlists_by_author(out) == EXPECTED_DEMO
    assert out.count("ALERT [") == 5
    # Each item carries its lead and says why it matched in plain words.
    assert "Armenia is trying to loosen Moscow’s grip and anchor itself in the West. " in out
    assert "Middle Corridor: names the Middle Corridor in the body" in out
    assert "score" not in out
    assert "not modified since the last poll" in out


def test_demo_runs_again_from_a_clean_store(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "demo",
        "--store",
        str(tmp_path / "demo.sqlite3"),
        "--watchlists",
        str(watchlists_dir),
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out.count("ALERT [") == first.count("ALERT [") == 5


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_bad_config_value_names_file_and_key_and_prints_no_traceback(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, '[feeds]\npoll_interval = "often"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(cfg), "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode != 0
    assert "config.toml" in result.stderr and "poll_interval" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_path_comes_from_the_environment_when_not_given(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, '[digest]\ntimezone = "Mars/Olympus"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={"CACI_WATCH_CONFIG": str(cfg), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "timezone" in result.stderr and "Traceback" not in result.stderr


def test_check_accepts_the_shipped_config_and_watchlists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The shipped config beside the tests' frozen copy of the shipped lists: the live
    # watchlists/ is the user's to change.
    config = tmp_path / "config.toml"
    shutil.copyfile(ROOT / "config.toml", config)
    copy_watchlists(tmp_path / "watchlists")
    assert main(["--config", str(config), "check"]) == 0
    out = capsys.readouterr().out
    for name in SHIPPED_NAMES:
        assert f"watchlist '{name}'" in out
    assert out.count("watchlist '") == len(SHIPPED_NAMES)


def test_check_reports_a_malformed_watchlist_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lists = tmp_path / "watchlists"
    lists.mkdir()
    (lists / "good.toml").write_text('name = "Good"\nterms = ["Middle Corridor"]\n')
    (lists / "bad.toml").write_text('name = "Bad"\nterms = ["unclosed\n')
    cfg = write_config(tmp_path, f'[watchlists]\ndir = "{lists}"\n')
    assert main(["--config", str(cfg), "check"]) == 1
    out = capsys.readouterr().out
    assert "watchlist 'Good'" in out
    assert "bad.toml" in out


def test_poll_once_then_digest_since_a_date(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.feeds.snapshot_server import SnapshotServer, bundled_snapshot

    with SnapshotServer(bundled_snapshot()) as server:
        cfg = write_config(
            tmp_path,
            f'[feeds]\nurls = ["{server.url}"]\nbackfill_days = 100000\n'
            f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
            f'[watchlists]\ndir = "{watchlists_dir}"\n',
        )
        assert main(["--config", str(cfg), "poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert "5 new, 0 updated, 5 alert(s)" in out

    assert main(["--config", str(cfg), "digest", "--since", "2000-01-01"]) == 0
    digest = capsys.readouterr().out
    assert "5 articles matched your watchlists" in digest
    assert (
        main(
            [
                "--config",
                str(cfg),
                "digest",
                "--since",
                "2000-01-01",
                "--watchlist",
                "Abraham Accords",
            ]
        )
        == 0
    )
    assert "1 article matched" in capsys.readouterr().out


def test_digest_rejects_a_date_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path, f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n')
    assert main(["--config", str(cfg), "digest", "--since", "last tuesday"]) == 2
    assert "not a date" in capsys.readouterr().err


def test_eval_prints_json_in_the_documented_shape(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [
        {
            "id": "t-1",
            "title": "Routes",
            "text": "The Middle Corridor grows.",
            "labels": ["Middle Corridor"],
        },
        {"id": "t-2", "title": "Faith", "text": "Abrahamic faiths meet in Baku.", "labels": []},
        {
            "id": "t-3",
            "title": "Deal",
            "text": "Talks on the Abraham Accords.",
            "labels": ["Abraham Accords"],
        },
    ]
    data = tmp_path / "eval.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    cfg = write_config(tmp_path, f'[watchlists]\ndir = "{watchlists_dir}"\n')
    assert main(["--config", str(cfg), "eval", str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"watchlists", "misses", "false_alarms"}
    mc = report["watchlists"]["Middle Corridor"]
    assert set(mc) == {"precision", "recall", "f1", "tp", "fp", "fn"}
    assert (mc["tp"], mc["fp"], mc["fn"]) == (1, 0, 0)
    assert report["misses"] == [] and report["false_alarms"] == []


def test_unknown_command_is_a_usage_error_not_a_crash(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_eval_on_a_malformed_file_names_the_line_without_a_traceback(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "x-1", "title": "t", "text": "b", "labels": []}\n{not json\n')
    cfg = write_config(tmp_path, f'[watchlists]\ndir = "{watchlists_dir}"\n')
    assert main(["--config", str(cfg), "eval", str(data)]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:2" in err


def test_eval_on_a_file_that_is_not_utf8_names_the_line_without_a_traceback(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "latin1.jsonl"
    good = '{"id": "x-1", "title": "t", "text": "b", "labels": []}\n'
    data.write_bytes(
        good.encode()
        + '{"id": "x-2", "title": "Café", "text": "b", "labels": []}\n'.encode("latin-1")
    )
    cfg = write_config(tmp_path, f'[watchlists]\ndir = "{watchlists_dir}"\n')
    assert main(["--config", str(cfg), "eval", str(data)]) == 2
    err = capsys.readouterr().err
    assert "latin1.jsonl:2: not UTF-8 text" in err and "Traceback" not in err


def test_eval_on_a_missing_file_is_a_clear_error(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path, f'[watchlists]\ndir = "{watchlists_dir}"\n')
    assert main(["--config", str(cfg), "eval", str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err
