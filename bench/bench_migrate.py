"""Benchmark: `caci-watch migrate`, an SQLite store copied into PostgreSQL.

Run: .venv/bin/python bench/bench_migrate.py [--articles N]

A store of N CACI-length articles (bench_matching's ``synthetic_articles``, two matches
each), 1,000 subscribers following a list, and two outbox messages per article (half
sent), is copied into a database of a throwaway PostgreSQL server (tests/postgres_server.py,
fsync off, as in the tests) by ``migrate_store``: into an empty database, and again over
that copy (the second run of a migration). Next to two baselines measured in the same run:
- reading every row of the store, the articles' texts inflated (the floor of any copy);
- the same rows inserted into an empty database without the search words (what the
  search words cost).
The second run updates the articles in place and makes no search words for unchanged
texts: it is what the bot's stop lasts when the store is copied while the bot runs.
Each figure is the median of RUNS runs; the machine may be loaded, so read the ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matching import VARIANTS, synthetic_articles  # noqa: E402
from bench_watchlist_test import MIXES  # noqa: E402

from bot.app.store_migration import migrate_store  # noqa: E402
from bot.domain.models import Article, Match, OutgoingMessage  # noqa: E402
from bot.domain.text import html_to_text  # noqa: E402
from bot.storage import open_store, store_copy  # noqa: E402
from bot.storage.article_text import unpack_text  # noqa: E402
from bot.storage.postgres import open_postgres  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402

RUNS = 3
BODIES = 500
SUBSCRIBERS = 1000
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def fill(path: Path, count: int) -> None:
    bodies = [
        html_to_text(b) for b in synthetic_articles(BODIES, VARIANTS, rate=MIXES["realistic"])
    ]
    store = open_store(path)
    with store.transaction():
        for i in range(count):
            text = f"{bodies[i % BODIES]}\n\nFile {i}."
            seen = NOW - timedelta(minutes=i)
            article = Article(
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
            )
            store.upsert_article(article, seen)
            store.replace_matches(
                article.id,
                [
                    Match(name, "Zangezur", "Zangezur", 100.0, "body", "the Zangezur route", 4, 12)
                    for name in ("TRIPP", "Middle Corridor")
                ],
                seen,
            )
        for chat in range(1, SUBSCRIBERS + 1):
            store.chats.ensure(
                chat, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW
            )
            store.chats.subscribe(chat, "TRIPP", NOW)
        store.outbox.enqueue(
            [
                OutgoingMessage(f"a:{i}:{k}", 1 + i % SUBSCRIBERS, "alert", f"alert {i} {k}")
                for i in range(count)
                for k in range(2)
            ],
            NOW,
        )
    for m in store.outbox.pending_for(1)[: count // SUBSCRIBERS]:
        store.outbox.mark_sent(m.id, 1, NOW)
    store.close()


def read_everything(path: Path) -> None:
    conn, _ = store_copy.open_snapshot(path)
    for table in store_copy.TABLES:
        names = store_copy.columns(conn, table)
        for rows in store_copy.source_rows(conn, table, names):
            if table == "articles":
                at = names.index("text_deflated")
                for r in rows:
                    unpack_text(r[at])
    conn.close()


def insert_without_search_words(path: Path, url: str) -> None:
    lite, _ = store_copy.open_snapshot(path)
    pg = open_postgres(url)
    pg.execute("BEGIN IMMEDIATE")
    pg.execute(f"TRUNCATE {', '.join(store_copy.TABLES)} RESTART IDENTITY")
    for table in store_copy.TABLES:
        names = store_copy.columns(lite, table)
        for rows in store_copy.source_rows(lite, table, names):
            store_copy.insert_rows(pg, table, names, rows)
    pg.execute("COMMIT")
    pg.close()
    lite.close()


def median_time(fn: Callable[[], object], setup: Callable[[], None] = lambda: None) -> float:
    times = []
    for _ in range(RUNS):
        setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    server = PostgresServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "caci-watch.sqlite3"
            t0 = time.perf_counter()
            fill(path, args.articles)
            size = path.stat().st_size
            print(
                f"store: {args.articles:,} articles, {SUBSCRIBERS:,} subscribers, "
                f"{2 * args.articles:,} outbox rows; {size / 2**20:.0f} MiB"
                f" (built in {time.perf_counter() - t0:.0f} s)"
            )
            url = server.new_database()
            floor = median_time(lambda: read_everything(path))
            bare = median_time(lambda: insert_without_search_words(path, url))
            targets: list[str] = []

            def fresh() -> None:
                targets.append(server.new_database())

            first = median_time(lambda: migrate_store(path, targets[-1], NOW), fresh)
            again = median_time(lambda: migrate_store(path, targets[-1], NOW))
    finally:
        server.stop()
    print(f"median of {RUNS} runs; the machine may be loaded")
    rows = (
        ("read every row (floor)", floor),
        ("insert, no search words", bare),
        ("migrate into an empty database", first),
        ("migrate again over the copy", again),
    )
    for what, seconds in rows:
        print(
            f"  {what:<32} {seconds:6.2f} s  {args.articles / seconds:8,.0f} articles/s"
            f"  x{seconds / floor:.1f} the floor"
        )


if __name__ == "__main__":
    main()
