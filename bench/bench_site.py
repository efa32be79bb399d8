"""Benchmark: the archive site written from a store, and one page served, next to
writing the same pages' bytes as plain files.

Run: .venv/bin/python bench/bench_site.py [--articles N] [--runs R]

Fills a store with N articles (default 2,000) first seen over a year, each matching one
to three of the shipped lists with a CACI-length text, as a poll stores them. Then, R
runs each (median printed):

- ``write_site`` into an empty folder, and again into the written one (nothing changed:
  every page compared, none written): what a cron line costs; next to writing the same
  pages, rendered beforehand, as plain files into an empty folder (the floor: the files
  alone, without reading the store or rendering);
- one article page served by ``caci-watch serve``'s page source once the archive is read
  (the store unchanged), and the first page after a change (the archive read again),
  next to reading the archive's rows alone (``store.archive.entries``: the SQL and the
  texts inflated).

Asserts nothing; the machine is shared, so only the ratios within one run mean much.
"""

from __future__ import annotations

import argparse
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

from bot.app.config import builtin_config  # noqa: E402
from bot.app.service import Service, build_service  # noqa: E402
from bot.app.site import load_site, page_source, write_site  # noqa: E402
from bot.domain.archive import article_path, site_paths  # noqa: E402
from tests.factories import make_article, make_match  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LISTS = ("TRIPP", "Middle Corridor", "Abraham Accords")
BODY = (
    "The corridor through southern Armenia would link Azerbaijan to Nakhchivan. " * 110
)  # about 8,000 characters, a CACI article's length


def fill(svc: Service, n: int) -> None:
    with svc.store.transaction():
        for i in range(n):
            when = NOW - timedelta(minutes=i * 263)  # about a year for 2,000
            article = make_article(i, title=f"Story {i}", text=f"{BODY} Story {i}.")
            svc.store.upsert_article(article, when)
            lists = LISTS[: 1 + i % 3]
            svc.store.replace_matches(article.id, [make_match(w) for w in lists], when)


def timed(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        config = builtin_config(
            store_path=tmp / "s.sqlite3",
            watchlists_dir=copy_shipped_watchlists(tmp / "watchlists"),
            feed_urls=["https://f/a"],
        )
        with closing(build_service(config)) as svc:
            fill(svc, args.articles)
            counter = iter(range(10**9))

            def fresh_site() -> object:
                return write_site(svc, tmp / f"site-{next(counter)}", NOW)

            site = load_site(svc, NOW)
            pages = {path: site.page(path) or b"" for path in site_paths(site.archive)}

            def plain_files() -> object:
                out = tmp / f"plain-{next(counter)}"
                for path, body in pages.items():
                    (out / path).parent.mkdir(parents=True, exist_ok=True)
                    (out / path).write_bytes(body)
                return out

            written = write_site(svc, tmp / "site", NOW)
            first = timed(fresh_site, args.runs)
            again = timed(lambda: write_site(svc, tmp / "site", NOW), args.runs)
            plain = timed(plain_files, args.runs)
            print(f"{args.articles} articles, {written.pages} pages, median of {args.runs} runs")
            print(
                f"  write_site, empty folder     {first:8.3f} s  ({first / plain:.1f}x plain files)"
            )
            print(f"  write_site, nothing changed  {again:8.3f} s  ({again / plain:.1f}x)")
            print(f"  the same as plain files      {plain:8.3f} s")

            page = page_source(svc, lambda: NOW)
            target = article_path(make_article(7).id)
            page(target)
            cached = timed(lambda: page(target), max(args.runs, 5))
            names = [w.name for w in svc.watchlists]
            rows = timed(lambda: svc.store.archive.entries(names, []), args.runs)
            bump = iter(range(args.articles, args.articles + 100))

            def after_a_change() -> object:
                i = next(bump)
                svc.store.upsert_article(make_article(i, text=BODY), NOW)
                svc.store.replace_matches(make_article(i).id, [make_match("TRIPP")], NOW)
                return page(target)

            changed = timed(after_a_change, args.runs)
            ms = 1000
            print(
                f"  a page, store unchanged {cached * ms:7.1f} ms ({cached / rows:.2f}x the rows)"
            )
            print(f"  a page after a change   {changed * ms:7.1f} ms ({changed / rows:.2f}x)")
            print(f"  the archive's rows      {rows * ms:7.1f} ms")


if __name__ == "__main__":
    main()
