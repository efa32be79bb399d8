"""Benchmark: the store's size per article, next to a plain SQLite table of just the text.

Run: .venv/bin/python bench/bench_store_size.py

N CACI-length articles (HTML bodies of 1,000-1,500 words, from bench_matching's
``synthetic_articles``) are served as an RSS feed with the body in <description>, as the
Analyst's feeds do, parsed by ``feeds/parse.py``, matched with the shipped watchlists and
stored by ``Store.apply_poll`` a poll of 10 items at a time, as the bot stores them. The
size of a store is its pages after a checkpoint and VACUUM (page_count x page_size).

Prints, as the median of RUNS seeds, bytes per article of
- the baseline: a plain SQLite table holding just each article's text, built in the same run;
- the store as written now (all of it: articles, their matches, indexes, the schema);
- the same articles in schema 6's layout (HTML, text and summary each in full), that store
  migrated to schema 8 (007: the HTML as a delta against the text, the summary as a flag),
  and migrated to the schema of today (009: matches refer to their article by an integer,
  the text deflated);
each as a ratio to the baseline and to the text's UTF-8 length; and where the store's
bytes go (the tables and their indexes, per article).
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matching import VARIANTS, synthetic_articles  # noqa: E402

from bot.app.config import builtin_config  # noqa: E402
from bot.app.service import build_service  # noqa: E402
from bot.domain.models import Article  # noqa: E402
from bot.domain.poll import Prior, Served, decide  # noqa: E402
from bot.feeds.parse import parse_feed  # noqa: E402
from bot.storage import open_store  # noqa: E402
from bot.storage.database import MIGRATIONS  # noqa: E402
from bot.storage.html_delta import pack_html  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

ARTICLES = 1000
PER_POLL = 10
RUNS = 3
SEEDS = (20250, 20251, 20252, 20253, 20254)[:RUNS]
FEED = "https://www.cacianalyst.org/publications/analytical-articles.feed"
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def caci_feed(bodies: Sequence[str], first: int) -> bytes:
    """An RSS feed of ``bodies`` as the Analyst serves one: Joomla, the body in HTML in
    <description>, a permalink guid."""
    items = []
    for n, body in enumerate(bodies, first):
        if not body.startswith("<p>"):
            body = "".join(f"<p>{p}</p>\n" for p in body.split("\n\n"))
        link = (
            "https://www.cacianalyst.org/publications/analytical-articles/item/"
            f"{13000 + n}-a-title-slug-of-some-eight-words-for-item-{n}.html"
        )
        items.append(
            f"<item><title>Analytical article number {n} on the region's routes</title>"
            f'<link>{link}</link><guid isPermaLink="true">{link}</guid>'
            "<author>caci@cacianalyst.org (Author Name)</author>"
            "<category>Analytical Articles</category>"
            f"<pubDate>{format_datetime(T0 + timedelta(hours=n))}</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Analytical Articles</title><link>https://www.cacianalyst.org/</link>"
        f"<description>CACI</description>{''.join(items)}</channel></rss>"
    ).encode()


def size_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    return int(pages * page_size)


def baseline(folder: Path, texts: Sequence[str]) -> int:
    path = folder / "texts.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE texts (text TEXT NOT NULL)")
    conn.executemany("INSERT INTO texts (text) VALUES (?)", [(t,) for t in texts])
    conn.commit()
    conn.close()
    return size_of(path)


def stored(folder: Path, polls: Sequence[list[Article]]) -> Path:
    """The articles stored as the bot stores them: decided, matched, applied a poll at a
    time."""
    config = builtin_config(
        store_path=folder / "store.sqlite3",
        watchlists_dir=copy_shipped_watchlists(folder / "watchlists"),
        feed_urls=[FEED],
    )
    service = build_service(config)
    store = service.store
    for n, articles in enumerate(polls):
        now = T0 + timedelta(minutes=15 * n)
        with store.transaction():
            prior = Prior(store.feed_state(FEED), store.known_articles(a.id for a in articles))
            decision = decide(
                prior,
                articles,
                service.matcher,
                now,
                title="Analytical Articles",
                served=Served(etag=None, last_modified=None),
                poll_interval=timedelta(minutes=15),
                backfill_days=365,
            )
            store.apply_poll(decision)
    service.close()
    return folder / "store.sqlite3"


def schema_6(folder: Path, new_store: Path) -> Path:
    """The same articles and matches in schema 6's layout: HTML, text and summary in full."""
    path = folder / "v6.sqlite3"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:6]:
        conn.executescript(migration.sql)
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    reading = sqlite3.connect(new_store)
    ids = [r[0] for r in reading.execute("SELECT id FROM articles ORDER BY ref")]
    reading.close()
    old = open_store(new_store)
    rows = []
    for article_id in ids:
        a = old.article(article_id)
        assert a is not None
        rows.append(a)
    conn.execute("ATTACH DATABASE ? AS new", (str(new_store),))
    with conn:
        for a in rows:
            conn.execute(
                "INSERT INTO articles SELECT id, feed_url, link, title, author, section,"
                " published, ?, ?, ?, content_hash, first_seen_at, updated_at, last_seen_at"
                " FROM new.articles WHERE id = ?",
                (a.summary, a.html, a.text, a.id),
            )
        conn.execute(
            "INSERT INTO matches SELECT m.id, a.id, m.watchlist, m.term, m.matched_text,"
            " m.score, m.field, m.snippet, m.mark_start, m.mark_end, m.matched_at, m.rematched"
            " FROM new.matches AS m JOIN new.articles AS a ON a.ref = m.article"
        )
        conn.execute(
            "INSERT INTO feeds SELECT url, effective_url, etag, last_modified, error_count,"
            " next_poll_at, last_attempt_at, last_success_at, last_error_at, last_error,"
            " newest_item_at, title, initialised, failing_since, down_notice_for FROM new.feeds"
        )
    conn.execute("DETACH DATABASE new")
    conn.close()
    old.close()
    return path


def migrated_to_8(folder: Path, v6: Path) -> Path:
    """The schema 6 store migrated to schema 8 only (as the store was before 009)."""
    path = folder / "v8.sqlite3"
    path.write_bytes(v6.read_bytes())
    conn = sqlite3.connect(path)
    conn.create_function("html_delta", 2, pack_html, deterministic=True)
    for migration in MIGRATIONS[6:8]:
        conn.executescript(f"BEGIN;\n{migration.sql}\nCOMMIT;")
    conn.execute("PRAGMA user_version = 8")
    conn.close()
    return path


def table_share(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    sizes = {
        name: int(size)
        for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
    }
    conn.close()
    return sizes


def one_run(seed: int) -> dict[str, float]:
    bodies = synthetic_articles(ARTICLES, VARIANTS, seed=seed)
    polls = []
    for first in range(0, ARTICLES, PER_POLL):
        parsed = parse_feed(caci_feed(bodies[first : first + PER_POLL], first), FEED)
        assert parsed.error is None, parsed.error
        polls.append(parsed.articles)
    texts = [a.text for poll in polls for a in poll]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        base = baseline(folder, texts)
        new_store = stored(folder, polls)
        old_layout = schema_6(folder, new_store)
        old = size_of(old_layout)
        v8 = migrated_to_8(folder, old_layout)
        at_8 = size_of(v8)
        open_store(v8).close()  # migration 009 converts it
        migrated_8 = size_of(v8)
        open_store(old_layout).close()  # migrations 007 to 009 convert it
        migrated = size_of(old_layout)
        now = size_of(new_store)
        shares = table_share(new_store)
    text_bytes = sum(len(t.encode()) for t in texts)
    return {
        "text": text_bytes / ARTICLES,
        "baseline": base / ARTICLES,
        "store": now / ARTICLES,
        "schema 6": old / ARTICLES,
        "schema 8": at_8 / ARTICLES,
        "8 migrated": migrated_8 / ARTICLES,
        "migrated": migrated / ARTICLES,
        "articles": shares["articles"] / ARTICLES,
        "articles' id index": sum(
            v for k, v in shares.items() if k.startswith("sqlite_autoindex_articles")
        )
        / ARTICLES,
        "articles' other indexes": sum(v for k, v in shares.items() if k.startswith("articles_"))
        / ARTICLES,
        "matches": shares["matches"] / ARTICLES,
        "matches' indexes": sum(v for k, v in shares.items() if k.startswith("matches_"))
        / ARTICLES,
        # The FTS5 index of migration 015 and its shadow tables.
        "search index": sum(v for k, v in shares.items() if k.startswith("article_search"))
        / ARTICLES,
    }


def main() -> None:
    runs = [one_run(seed) for seed in SEEDS]
    m = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    base = m["baseline"]
    print(
        f"store size, {ARTICLES} CACI-length articles stored {PER_POLL} a poll, "
        f"median of {len(runs)} seeds (bytes per article after VACUUM)"
    )
    print(f"  text (UTF-8)                 {m['text']:8.0f}")
    print(f"  baseline: a table of texts   {base:8.0f}   {base / m['text']:.3f}x the text")
    for key in ("store", "schema 6", "schema 8", "8 migrated", "migrated"):
        label = {
            "store": "store as written now",
            "schema 6": "schema 6 layout",
            "schema 8": "schema 6 migrated to 8",
            "8 migrated": "schema 8 migrated to now",
            "migrated": "schema 6 migrated to now",
        }[key]
        print(
            f"  {label:<28} {m[key]:8.0f}   {m[key] / base:.3f}x the baseline, "
            f"{m[key] / m['text']:.3f}x the text"
        )
    parts = ("articles", "articles' id index", "articles' other indexes", "matches")
    parts += ("matches' indexes", "search index")
    print("  of the store as written now, bytes per article:")
    for key in parts:
        print(f"    {key:<26} {m[key]:8.0f}")
    rest = m["store"] - sum(m[key] for key in parts)
    print(f"    {'the rest (empty tables)':<26} {rest:8.0f}")


if __name__ == "__main__":
    main()
