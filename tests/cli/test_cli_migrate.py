"""`caci-watch migrate`: the counts printed, and bad input told in one line."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.storage import open_store
from tests.factories import T0, make_article
from tests.postgres_server import PostgresServer


def sqlite_store(tmp_path: Path) -> Path:
    path = tmp_path / "caci-watch.sqlite3"
    store = open_store(path)
    for n in range(1, 4):
        store.upsert_article(make_article(n), T0)
    store.close()
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once it is closed


def test_the_copy_prints_each_tables_counts_side_by_side(
    tmp_path: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = postgres_server.new_database()
    try:
        assert main(["migrate", "--from", str(sqlite_store(tmp_path)), "--to", url]) == 0
        out = capsys.readouterr().out
        assert "copied into" in out
        assert [line.split() for line in out.splitlines() if line.startswith("articles")] == [
            ["articles", "3", "3"]
        ]
        assert "Every table's count agrees" in out
        assert main(["migrate", "--from", str(sqlite_store(tmp_path)), "--to", url]) == 0
        assert "replaced the earlier copy in" in capsys.readouterr().out
    finally:
        postgres_server.drop_database(url)


def bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    store = str(sqlite_store(tmp_path))
    (tmp_path / "notes.sqlite3").write_text("not a database at all, just some words\n" * 50)
    other = sqlite3.connect(tmp_path / "other.sqlite3")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    down = f"postgresql://caci:secret@127.0.0.1:{closed_port()}/caci"
    return {
        "no such file": ([str(tmp_path / "nowhere.sqlite3"), down], "no such file"),
        "a directory": ([str(tmp_path), down], "not a file"),
        "not SQLite": ([str(tmp_path / "notes.sqlite3"), down], "not an SQLite database"),
        "another program's": ([str(tmp_path / "other.sqlite3"), down], "not a caci-watch store"),
        "not a url": ([store, "store/elsewhere.sqlite3"], "is not a PostgreSQL url"),
        "a bad url": ([store, "postgresql://caci@127.0.0.1:port/caci"], "cannot connect"),
        "no server": ([store, down], "cannot connect to PostgreSQL"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no such file",
        "a directory",
        "not SQLite",
        "another program's",
        "not a url",
        "a bad url",
        "no server",
    ],
)
def test_bad_input_is_one_line_and_no_traceback(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (source, target), expected = bad_inputs(tmp_path)[case]
    assert main(["migrate", "--from", source, "--to", target]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("caci-watch: error: ") and expected in line
    assert "secret" not in line
