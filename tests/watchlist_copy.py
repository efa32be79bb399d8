"""The tests' own copy of the shipped watchlists.

``tests/data/watchlists/`` is a frozen copy of the three lists shipped in ``watchlists/``.
The live directory belongs to whoever runs the bot: ``caci-watch watchlist new`` and the
admin commands add and edit files there. Tests copy the frozen lists into their own
temporary directory instead, so nothing a user does to ``watchlists/`` changes a test,
and no test (nor a bot it starts) writes to either directory.

No test reads ``watchlists/`` itself; the benchmarks, which report on what ships, read
the three shipped files by name (``copy_shipped_watchlists``), never whatever else a
user has put next to them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FROZEN_WATCHLISTS = Path(__file__).resolve().parent / "data" / "watchlists"
SHIPPED_FILES = ("abraham-accords.toml", "middle-corridor.toml", "tripp.toml")
SHIPPED_NAMES = ("Abraham Accords", "Middle Corridor", "TRIPP")


def copy_watchlists(dest: Path) -> Path:
    """Copy the frozen lists into ``dest`` (which must not exist yet); returns ``dest``."""
    shutil.copytree(FROZEN_WATCHLISTS, dest)
    return dest


def shipped_watchlist_files() -> list[Path]:
    """The shipped lists in the repository's ``watchlists/``, by name (sorted)."""
    return [REPO / "watchlists" / name for name in SHIPPED_FILES]


def copy_shipped_watchlists(dest: Path) -> Path:
    """Copy the three shipped files, as they are in ``watchlists/`` now, into ``dest``."""
    dest.mkdir()
    for path in shipped_watchlist_files():
        shutil.copyfile(path, dest / path.name)
    return dest
