"""Benchmark: full-text search over a large store, next to a plain LIKE scan.

Run: .venv/bin/python bench/bench_search.py [--articles N] [--runs R] [--store PATH]

Fills a store with N synthetic CACI-length articles (default 100,000; the 2,000 distinct
bodies of bench_watchlist_test.py's realistic mix, each stored many times under its own
id and title, each with a closing sentence of its own naming a rare "dossier" word, so
that a rare word is found in a few articles and a common one in most), as a poll stores
them: text deflated, the FTS5 index kept by its triggers. ``--store`` keeps the filled
store at PATH and reuses it on the next run.

Then, for each query, times what /search and ``caci-watch search`` do for one page (the
count, and the five best with their snippets: ``bot.app.search.search``), R runs, and
prints the median next to the median of a plain scan that inflates every text and
matches it with LIKE (fewer runs: it is slow). The goal: under 0.2 s for each query.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matching import VARIANTS, synthetic_articles  # noqa: E402
from bench_watchlist_test import MIXES  # noqa: E402

from bot.app import search as search_app  # noqa: E402
from bot.app.config import parse_config  # noqa: E402
from bot.app.service import build_service  # noqa: E402
from bot.domain.models import Article  # noqa: E402
from bot.domain.search import search_words  # noqa: E402
from bot.domain.text import html_to_text  # noqa: E402
from bot.storage import open_store  # noqa: E402
from bot.storage.search import like_scan_count  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

BODIES = 2000
RARE = 5000
BATCH = 5000
LIKE_RUNS = 3
GOAL_SECONDS = 0.2

# (what it shows, what is typed, only articles published in the last N days or None)
QUERIES = (
    ("a common word", "corridor", None),
    ("two common words", "pipeline corridor", None),
    ("a common word, 30 days", "corridor", 30),
    ("a place and a rare word", "Tbilisi dossier4711", None),
    ("a rare word", "dossier123", None),
    ("hostile syntax", 'NEAR("corridor* -Georgia', None),
)


def fill(path: Path, count: int) -> None:
    now = datetime.now(UTC)
    bodies = synthetic_articles(BODIES, VARIANTS, seed=7, rate=MIXES["realistic"])
    texts = [html_to_text(html) for html in bodies]
    rng = random.Random(11)
    store = open_store(path)
    for start in range(0, count, BATCH):
        with store.transaction():
            for i in range(start, min(start + BATCH, count)):
                rare = f"dossier{rng.randrange(RARE)}"
                text = f"{texts[i % BODIES]}\n\nSee also {rare} and file {i}."
                seen = now - timedelta(minutes=i)
                store.upsert_article(
                    Article(
                        id=f"guid:bench-{i}",
                        feed_url="https://bench.example/feed",
                        link=f"https://bench.example/item/{i}",
                        title=f"Synthetic article {i}",
                        author="Bench",
                        section="Analytical Articles",
                        published=seen,
                        summary="",
                        html="",
                        text=text,
                        content_hash=hashlib.sha256(f"{i}\n{text}".encode()).hexdigest(),
                    ),
                    seen,
                )
        print(f"  stored {min(start + BATCH, count):,} articles", end="\r", flush=True)
    print()
    store.close()


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--store", type=Path, help="keep the filled store here, and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        path = args.store or tmp / "bench.sqlite3"
        if not path.exists():
            t0 = time.perf_counter()
            fill(path, args.articles)
            print(f"filled {args.articles:,} articles in {time.perf_counter() - t0:.0f} s")
        print(f"store: {path.stat().st_size / 1e6:.0f} MB")
        config = parse_config(
            {
                "store": {"path": str(path)},
                "watchlists": {"dir": str(copy_shipped_watchlists(tmp / "watchlists"))},
            },
            source="bench",
        )
        with closing(build_service(config)) as service:
            conn = service.store._conn
            stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            print(
                f"search over {stored:,} stored articles: one page (the count and the "
                f"{search_app.PAGE_SIZE} best with snippets), median of {args.runs} runs; "
                f"LIKE: every text inflated and scanned, median of {LIKE_RUNS}"
            )
            print(f"{'query':<26} {'found':>8} {'search':>10} {'LIKE scan':>11} {'ratio':>8}  goal")
            now = datetime.now(UTC)
            for label, typed, days in QUERIES:
                words = search_words(typed)
                since = None if days is None else now - timedelta(days=days)
                request = search_app.SearchRequest(words, since=since)
                search_app.search(service, request)  # warm the page cache, as a running bot is
                fts, page = timed(lambda r=request: search_app.search(service, r), args.runs)
                like, count = timed(lambda w=words, s=since: like_scan_count(conn, w, s), LIKE_RUNS)
                found = page.total  # type: ignore[attr-defined]
                note = "" if found == count else f"  (LIKE finds {count}: substrings)"
                verdict = "met" if fts < GOAL_SECONDS else "MISSED"
                print(
                    f"{label:<26} {found:>8,} {fts * 1000:>8.1f} ms {like:>9.2f} s"
                    f" {like / fts:>7.0f}x  {verdict}{note}"
                )


if __name__ == "__main__":
    main()
