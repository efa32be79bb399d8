"""Benchmark: `watchlist test` (the dry run behind /testlist) over 10,000 stored articles.

Run: .venv/bin/python bench/bench_watchlist_test.py

Fills a temporary SQLite store with 10,000 synthetic CACI-length articles (the same
generator as the matching benchmark), then times the dry run of each shipped watchlist
over all of them: reading the articles from SQLite, matching, and comparing with the
stored matches. Prints the median of 5 runs per list, for a realistic mix (a watched
subject in about one article in ten) and a dense one (about one in two).
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matching import VARIANTS, synthetic_articles  # noqa: E402

from bot.app.rematch import dry_run_stored  # noqa: E402
from bot.domain.models import Article  # noqa: E402
from bot.domain.text import html_to_text  # noqa: E402
from bot.lists.files import load_watchlists  # noqa: E402
from bot.storage import open_store  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

ARTICLES = 10_000
# Share of sentences carrying a watched name or a near miss. 0.03 is the matching
# benchmark's dense mix (about half the articles mention a watched subject); 0.004 is
# nearer the Analyst, where a subject turns up in roughly one article in ten.
MIXES = {"realistic": 0.004, "dense": 0.03}
RUNS = 5
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def fill(path: Path, rate: float) -> None:
    store = open_store(path)
    bodies = synthetic_articles(ARTICLES, VARIANTS, seed=7, rate=rate)
    with store.transaction():
        for i, html in enumerate(bodies):
            text = html_to_text(html)
            store.upsert_article(
                Article(
                    id=f"guid:bench-{i}",
                    feed_url="https://bench.example/feed",
                    link=f"https://bench.example/item/{i}",
                    title=f"Synthetic article {i}",
                    author="Bench",
                    section="Analytical Articles",
                    published=NOW - timedelta(minutes=i),
                    summary="",
                    html=html,
                    text=text,
                    content_hash=hashlib.sha256(text.encode()).hexdigest(),
                ),
                NOW - timedelta(minutes=i),
            )
    store.close()


def main() -> None:
    # The three shipped lists, not whatever else a user has added to watchlists/.
    with tempfile.TemporaryDirectory() as folder:
        watchlists, _ = load_watchlists(copy_shipped_watchlists(Path(folder) / "watchlists"))
    for mix, rate in MIXES.items():
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.sqlite3"
            start = time.perf_counter()
            fill(path, rate)
            print(
                f"{mix} mix: filled {ARTICLES} articles in {time.perf_counter() - start:.1f} s, "
                f"store {path.stat().st_size / 1e6:.0f} MB"
            )
            store = open_store(path)
            for w in watchlists:
                times = []
                for _ in range(RUNS):
                    start = time.perf_counter()
                    report = dry_run_stored(store, w, days=3650, now=NOW)
                    times.append(time.perf_counter() - start)
                print(
                    f"  watchlist test {w.name!r:<18} {report.checked} articles, "
                    f"{report.matched:5d} would match: "
                    f"median {statistics.median(times):.2f} s "
                    f"(min {min(times):.2f}, max {max(times):.2f}) over {RUNS} runs"
                )
            store.close()


if __name__ == "__main__":
    main()
