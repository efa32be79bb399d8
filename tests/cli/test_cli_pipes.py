"""The command line on real pipes and a real terminal: `caci-watch check | head -1` ends
quietly, and `caci-watch watchlist test`, `eval` and `feedback export` draw a progress
bar on a terminal only."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.domain.models import article_key
from bot.storage import open_store
from tests.factories import T0, make_article

TRIPP_TEXT = "Tehran objects to the Trump Route for International Peace and Prosperity."


@pytest.fixture
def config(tmp_path: Path, watchlists_dir: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n[watchlists]\ndir = "{watchlists_dir}"\n',
        encoding="utf-8",
    )
    return path


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bot", "--config", str(config), *args]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CACI_WATCH_CONFIG", "NO_COLOR")}
    return {**env, "TERM": "xterm-256color", "COLUMNS": "100"}


def test_check_into_a_pipe_nobody_reads_any_more_ends_without_a_traceback(config: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before a line is written, as after `head -1`
    try:
        done = subprocess.run(
            command(config, "check"),
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=environment(),
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 128 + signal.SIGPIPE
    assert done.stderr == b""


def test_check_into_head_prints_the_first_line_and_nothing_else(config: Path) -> None:
    done = subprocess.run(
        ["/bin/sh", "-c", f"{shlex.join(command(config, 'check'))} | head -1"],
        capture_output=True,
        env=environment(),
        timeout=60,
        check=False,
    )
    assert done.stdout.decode().startswith("config: ") and done.stdout.count(b"\n") == 1
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr


def stored_articles(config: Path, n: int) -> None:
    store = open_store(config.parent / "s.sqlite3")
    with store.transaction():
        for i in range(n):
            store.upsert_article(make_article(i, text=TRIPP_TEXT if i % 4 == 0 else "Other."), T0)
    store.close()


def on_a_terminal(args: Sequence[str]) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; its status and what it showed."""
    main, child = os.openpty()
    proc = subprocess.Popen(args, stdout=child, stderr=child, env=environment())
    os.close(child)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return proc.wait(timeout=60), shown.decode("utf-8", "replace")


def test_watchlist_test_shows_a_progress_bar_on_a_terminal_and_none_into_a_pipe(
    config: Path,
) -> None:
    stored_articles(config, 1200)
    args = command(config, "watchlist", "test", "TRIPP", "--days", "100000")

    status, shown = on_a_terminal(args)
    assert status == 0
    assert "matching stored articles" in shown  # the bar's label, on stderr
    assert "300 would match, 300 of them new" in shown

    piped = subprocess.run(args, capture_output=True, env=environment(), timeout=60, check=False)
    assert piped.returncode == 0
    out = piped.stdout.decode()
    assert "matching stored articles" not in out + piped.stderr.decode()
    assert "\x1b[" not in out + piped.stderr.decode()  # no terminal control sequences
    assert "over 1200 stored article(s) first seen in the last 100000 day(s): 300 would" in out
    assert "… and 200 more that would match (the first 100 are listed)" in out


def labelled_file(path: Path, n: int) -> Path:
    lines = [
        json.dumps(
            {
                "id": f"r{i}",
                "title": f"Record {i}",
                "text": TRIPP_TEXT if i % 2 else "Other.",
                "labels": ["TRIPP"] if i % 2 else [],
            }
        )
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_shows_a_progress_bar_on_a_terminal_and_none_into_a_pipe(
    config: Path, tmp_path: Path
) -> None:
    args = command(config, "eval", str(labelled_file(tmp_path / "eval.jsonl", 400)))

    status, shown = on_a_terminal(args)
    assert status == 0
    assert "matching labelled articles" in shown  # the bar's label, on stderr

    piped = subprocess.run(args, capture_output=True, env=environment(), timeout=60, check=False)
    assert piped.returncode == 0
    said = piped.stdout.decode() + piped.stderr.decode()
    assert "matching labelled articles" not in said and "\x1b[" not in said
    assert "TRIPP" in piped.stdout.decode()


def voted_articles(config: Path, n: int) -> None:
    store = open_store(config.parent / "s.sqlite3")
    with store.transaction():
        for i in range(n):
            article = make_article(i, text=TRIPP_TEXT)
            store.upsert_article(article, T0)
            store.feedback.remember_articles([article.id])
            found = store.feedback.article(article_key(article.id))
            assert found is not None
            store.feedback.vote(7, found.ref, "TRIPP", i % 3 != 0, T0)
    store.close()


def test_feedback_export_shows_a_progress_bar_on_a_terminal_and_none_into_a_pipe(
    config: Path, tmp_path: Path
) -> None:
    voted_articles(config, 300)
    out = tmp_path / "votes.jsonl"
    args = command(config, "feedback", "export", str(out))

    status, shown = on_a_terminal(args)
    assert status == 0
    assert "reading votes" in shown  # the bar's label, on stderr
    assert "Wrote 300 records (300 votes)" in shown

    out.unlink()
    piped = subprocess.run(args, capture_output=True, env=environment(), timeout=60, check=False)
    assert piped.returncode == 0
    said = piped.stdout.decode() + piped.stderr.decode()
    assert "reading votes" not in said and "\x1b[" not in said
    assert len(out.read_text(encoding="utf-8").splitlines()) == 300
