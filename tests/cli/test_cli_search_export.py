"""`caci-watch search`, `export` and `feeds` on a store the bundled snapshot filled."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from bot.cli.main import main
from tests.cli.test_cli import write_config

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def polled(tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    from bot.feeds.snapshot_server import SnapshotServer, bundled_snapshot

    with SnapshotServer(bundled_snapshot()) as server:
        cfg = write_config(
            tmp_path,
            f'[feeds]\nurls = ["{server.url}"]\nbackfill_days = 100000\n'
            f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
            f'[watchlists]\ndir = "{watchlists_dir}"\n',
        )
        assert main(["--config", str(cfg), "poll", "--once"]) == 0
    capsys.readouterr()
    return cfg


def test_search_finds_articles_by_their_words_with_the_words_marked(
    polled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(polled), "search", "middle", "corridor", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["total"] >= 1
    first = found["results"][0]
    marked = {first["snippet"][a:b].casefold() for a, b in first["marks"]}
    assert marked <= {"middle", "corridor"} and marked
    assert first["url"].startswith("http")


def test_search_takes_hostile_words_as_words(
    polled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for words in (['"corridor'], ["NEAR(corridor", "x)"], ["--", "-corridor"], ["corr*"], ['"']):
        code = main(["--config", str(polled), "search", *words])
        err = capsys.readouterr().err
        assert code in (0, 2), (words, err)
        assert "Traceback" not in err
    assert main(["--config", str(polled), "search", '"corridor']) == 0
    assert "found" in capsys.readouterr().out


def test_search_keeps_to_a_list_and_refuses_an_unknown_one(
    polled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(polled), "search", "corridor", "--json"]
    assert main([*args, "--watchlist", "abraham"]) == 0
    kept = json.loads(capsys.readouterr().out)["total"]
    assert main(args) == 0
    assert 1 <= kept < json.loads(capsys.readouterr().out)["total"]
    assert main([*args, "--watchlist", "no such list"]) == 2
    assert "no such list" in capsys.readouterr().err


def test_export_csv_has_one_row_per_article_and_list_with_why(
    polled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(polled), "export", "--since", "2000-01-01"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {
        "published",
        "title",
        "url",
        "author",
        "section",
        "watchlist",
        "term",
        "snippet",
    } <= set(rows[0])
    # The demo's five articles match eight (article, list) pairs.
    assert len(rows) == 8
    assert len({(r["url"], r["watchlist"]) for r in rows}) == 8
    assert all(r["why"] and r["term"] for r in rows)


def test_export_json_and_jsonl_say_the_same(
    polled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--config", str(polled), "export", "--since", "2000-01-01", "--watchlist", "tripp"]
    assert main([*base, "--format", "json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert main([*base, "--format", "jsonl"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert whole == lines and {r["watchlist"] for r in whole} == {"TRIPP"}


def test_feeds_writes_valid_atom_with_stable_ids(
    polled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "feeds"
    assert main(["--config", str(polled), "feeds", "--out", str(out), "--days", "100000"]) == 0
    files = sorted(out.glob("*.atom"))
    assert files
    first = {f.name: f.read_bytes() for f in files}
    assert main(["--config", str(polled), "feeds", "--out", str(out), "--days", "100000"]) == 0
    again = {f.name: f.read_bytes() for f in sorted(out.glob("*.atom"))}
    ids = {n: [e.text for e in ET.fromstring(b).iter(f"{ATOM}id")] for n, b in first.items()}
    assert ids == {
        n: [e.text for e in ET.fromstring(b).iter(f"{ATOM}id")] for n, b in again.items()
    }
    entries = sum(len(ET.fromstring(b).findall(f"{ATOM}entry")) for b in first.values())
    assert entries == 8
    for body in first.values():
        feed = ET.fromstring(body)
        assert feed.tag == f"{ATOM}feed"
        for name in ("id", "title", "updated"):
            assert feed.find(f"{ATOM}{name}") is not None
        for entry in feed.findall(f"{ATOM}entry"):
            for name in ("id", "title", "updated"):
                assert entry.find(f"{ATOM}{name}") is not None


def _ids(feeds: dict[str, bytes]) -> dict[str, list[str | None]]:
    return {n: [e.text for e in ET.fromstring(b).iter(f"{ATOM}id")] for n, b in feeds.items()}


def test_search_and_export_draw_no_bar_into_a_pipe(polled: Path, tmp_path: Path) -> None:
    for args in (["search", "corridor"], ["export", "--since", "2000-01-01"]):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(polled), *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert "\x1b" not in done.stdout


def test_search_and_export_show_a_progress_bar_on_a_terminal(
    tmp_path: Path, watchlists_dir: Path
) -> None:
    from bot.storage import open_store
    from tests.cli.test_cli_pipes import TRIPP_TEXT, command, on_a_terminal
    from tests.factories import T0, make_article, make_match

    config = write_config(
        tmp_path,
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n[watchlists]\ndir = "{watchlists_dir}"\n',
    )
    store = open_store(tmp_path / "s.sqlite3")
    with store.transaction():
        for i in range(400):
            article = make_article(i, text=TRIPP_TEXT)
            store.upsert_article(article, T0)
            store.replace_matches(article.id, [make_match("TRIPP")], T0)
    store.close()

    status, shown = on_a_terminal(command(config, "search", "Tehran", "--limit", "300"))
    assert status == 0 and "searching" in shown and "400 found, 300 shown" in shown
    out = tmp_path / "out.csv"
    args = command(config, "export", "--since", "2000-01-01", "--out", str(out))
    status, shown = on_a_terminal(args)
    assert status == 0 and "exporting" in shown and "400 rows written" in shown
    assert len(out.read_text(encoding="utf-8").splitlines()) == 401


def test_export_refuses_a_window_that_ends_before_it_starts_saying_which(
    polled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(polled), "export"]
    assert main([*args, "--since", "2025-08-01", "--until", "2025-01-01"]) == 2
    assert "--until must be later than --since" in capsys.readouterr().err
    # No --until: the window ends now, and it is --since that is wrong.
    assert main([*args, "--since", "2999-01-01"]) == 2
    err = capsys.readouterr().err
    assert "--since 2999-01-01 is in the future" in err and "--until" not in err


def test_feeds_refuses_days_past_any_date_with_a_sentence(
    polled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(polled), "feeds", "--out", str(tmp_path / "feeds"), "--days"]
    assert main([*args, "99999999"]) == 2
    assert "--days must be 1 to 100000" in capsys.readouterr().err
