"""After `make demo`, the commands the README lists can be run as it says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def base_python() -> Path:
    """The interpreter the virtualenv was made from: what `python3` is on a fresh shell."""
    for name in ("python3", "python"):
        candidate = Path(sys.base_prefix) / "bin" / name
        if candidate.exists():
            return candidate
    pytest.skip("no base interpreter beside this virtualenv")


def test_python_m_bot_from_the_clone_works_with_the_system_python() -> None:
    done = subprocess.run(
        [str(base_python()), "-m", "bot", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("caci-watch ")


def test_the_installed_command_answers_help() -> None:
    script = Path(sys.executable).parent / "caci-watch"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "watchlist" in done.stdout and "digest" in done.stdout


def test_the_demo_ends_by_saying_how_to_run_the_commands(tmp_path: Path) -> None:
    from tests.watchlist_copy import copy_watchlists

    lists = copy_watchlists(tmp_path / "lists")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "demo",
            "--store",
            str(tmp_path / "demo.sqlite3"),
            "--watchlists",
            str(lists),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert ".venv/bin/caci-watch --help" in done.stdout
