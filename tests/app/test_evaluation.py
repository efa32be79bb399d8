"""`caci-watch eval`'s use case: what it needs and nothing more."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_eval_use_case_loads_without_the_store_the_feeds_or_telegram() -> None:
    # What eval imports is paid at every run: reading a directory of lists and a file
    # needs neither SQLite, nor httpx and feedparser, nor PTB and the event loop.
    probe = (
        "import sys, bot.app.evaluation, bot.messages.eval_report\n"
        "heavy = ('sqlite3', 'httpx', 'feedparser', 'telegram', 'apscheduler', 'asyncio',"
        " 'bot.storage', 'bot.feeds', 'bot.app.service')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
