"""``caci-watch site --out DIR`` and the demo's archive: the pages written, the index's
path printed; run again, nothing rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.main import main
from bot.storage.store import open_store


def test_the_demo_writes_the_snapshots_archive_and_prints_its_index(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "demo.sqlite3"
    assert main(["demo", "--store", str(store), "--watchlists", str(watchlists_dir)]) == 0
    out = capsys.readouterr().out
    index = tmp_path / "demo-site" / "index.html"
    assert f"{index} (" in out
    page = index.read_text("utf-8")
    assert "<svg" in page and "Middle Corridor" in page
    assert len(list((tmp_path / "demo-site" / "articles").glob("*.html"))) == 5


def test_site_writes_the_archive_of_the_store_and_says_what_it_wrote(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "demo.sqlite3"
    assert main(["demo", "--store", str(store), "--watchlists", str(watchlists_dir)]) == 0
    capsys.readouterr()
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{store}"\n[watchlists]\ndir = "{watchlists_dir}"\n')
    out_dir = tmp_path / "out"
    args = ["--config", str(config), "site", "--out", str(out_dir)]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert first.startswith(f"{out_dir / 'index.html'}: 17 pages, 17 written")
    assert main(args) == 0
    assert "0 written, 17 unchanged, 0 removed" in capsys.readouterr().out


def test_site_into_a_file_is_refused_with_a_sentence(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n[watchlists]\ndir = "{watchlists_dir}"\n'
    )
    open_store(tmp_path / "s.sqlite3").close()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["--config", str(config), "site", "--out", str(blocker)]) == 2
    assert "caci-watch: error:" in capsys.readouterr().err


def test_site_into_a_folder_of_other_files_is_refused_with_a_sentence(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n[watchlists]\ndir = "{watchlists_dir}"\n'
    )
    open_store(tmp_path / "s.sqlite3").close()
    home = tmp_path / "home"
    home.mkdir()
    (home / "index.html").write_text("mine")
    assert main(["--config", str(config), "site", "--out", str(home)]) == 2
    err = capsys.readouterr().err
    assert "caci-watch: error:" in err and "no archive site written by caci-watch" in err
    assert (home / "index.html").read_text() == "mine"


def test_the_demo_prints_where_its_archive_is_whatever_folder_it_ran_in(
    tmp_path: Path,
    watchlists_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `make demo` gives the store as store/demo.sqlite3: a browser cannot open a path
    # relative to a folder it does not know.
    monkeypatch.chdir(tmp_path)
    args = ["demo", "--store", "store/demo.sqlite3", "--watchlists", str(watchlists_dir)]
    assert main(args) == 0
    index = (tmp_path / "store" / "demo-site" / "index.html").resolve()
    assert f"\n{index} (" in capsys.readouterr().out


def test_site_from_a_store_that_is_not_there_is_refused_and_keeps_the_written_site(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A cron line with a wrong [store] path would open a new, empty store and write
    # the site of nothing over the published one, removing every article's page.
    store = tmp_path / "demo.sqlite3"
    assert main(["demo", "--store", str(store), "--watchlists", str(watchlists_dir)]) == 0
    site = tmp_path / "demo-site"
    pages = sorted(site.rglob("*.html"))
    missing = tmp_path / "elsewhere" / "store.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{missing}"\n[watchlists]\ndir = "{watchlists_dir}"\n')
    capsys.readouterr()
    assert main(["--config", str(config), "site", "--out", str(site)]) == 2
    assert f"No store at {missing}" in capsys.readouterr().err
    assert sorted(site.rglob("*.html")) == pages
    assert not missing.exists()


def test_serve_from_a_store_that_is_not_there_is_refused_and_makes_none(
    tmp_path: Path, watchlists_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "elsewhere" / "store.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{missing}"\n[watchlists]\ndir = "{watchlists_dir}"\n')
    assert main(["--config", str(config), "serve", "--port", "0"]) == 2
    assert f"No store at {missing}" in capsys.readouterr().err
    assert not missing.exists()
