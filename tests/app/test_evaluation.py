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


def test_an_evaluation_tells_its_progress_and_says_the_same_with_or_without_it(
    tmp_path: Path, watchlists_dir: Path
) -> None:
    import json

    from bot.app.evaluation import evaluate_file

    data = tmp_path / "eval.jsonl"
    records = [
        {
            "id": f"r{i}",
            "title": "T",
            "text": "The TRIPP route." if i % 2 else "Other.",
            "labels": ["TRIPP"] if i % 3 else [],
        }
        for i in range(120)
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    heard: list[tuple[int, int]] = []
    told = evaluate_file(
        watchlists_dir, data, progress=lambda done, total: heard.append((done, total))
    )
    assert heard[0] == (0, 120) and heard[-1] == (120, 120)
    assert [done for done, _ in heard] == sorted(done for done, _ in heard)
    assert told == evaluate_file(watchlists_dir, data)
