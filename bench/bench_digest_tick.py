"""Benchmark: the every-minute digest tick with 1,000 and 10,000 subscribers.

Run: .venv/bin/python bench/bench_digest_tick.py

The tick runs on the bot's event loop, so while it builds and queues digests the bot
answers no command: this measures how long that is. Each subscriber follows TRIPP from
Europe/Berlin at 08:00; 8 matching articles arrived since yesterday's digest. Times the
tick that queues everyone's digest, and an idle tick (nothing due: the minute after),
median of RUNS fresh stores each, and in the same runs two baselines for the idle tick:
- the full scan the tick did before the index: every chat and its last digest read, and
  each asked whether its digest is due (``chat_digest_due``);
- a bare SELECT on the index with nothing to find, the least a tick can do.
An idle tick is timed as the mean of REPEAT ticks, as it takes microseconds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import digests  # noqa: E402
from bot.app.config import builtin_config  # noqa: E402
from bot.app.service import Service, build_service  # noqa: E402
from bot.domain.schedule import chat_digest_due  # noqa: E402
from tests.factories import make_article, make_match  # noqa: E402
from tests.watchlist_copy import copy_watchlists  # noqa: E402

BERLIN_8AM = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
RUNS = 5
REPEAT = 20


def populated(folder: Path, subscribers: int) -> Service:
    config = builtin_config(
        store_path=folder / "s.sqlite3",
        watchlists_dir=copy_watchlists(folder / "watchlists"),
        feed_urls=["https://feed.example/a"],
    )
    service = build_service(config)
    store = service.store
    with store.transaction():
        for chat in range(1, subscribers + 1):
            store.chats.ensure(
                chat,
                kind="private",
                title="",
                timezone="Europe/Berlin",
                digest_time="08:00",
                now=BERLIN_8AM - timedelta(days=2),
            )
            store.chats.subscribe(chat, "TRIPP", BERLIN_8AM)
        for i in range(8):
            article = make_article(i, title=f"TRIPP story {i}")
            store.upsert_article(article, BERLIN_8AM - timedelta(hours=3))
            store.replace_matches(article.id, [make_match("TRIPP")], BERLIN_8AM)
    digests.digest_tick(
        service, BERLIN_8AM - timedelta(days=1)
    )  # yesterday's, so windows are shared
    return service


def full_scan(service: Service, now: datetime) -> int:
    """What the tick did every minute before the index, with nothing due."""
    chats = service.store.chats
    last = chats.last_digests()
    return sum(
        1 for sub in chats.all() if chat_digest_due(sub, last.get(sub.chat_id), now) is not None
    )


def bare_select(service: Service, now: datetime) -> int:
    return len(
        service.store._conn.execute(
            "SELECT chat_id FROM subscribers INDEXED BY subscribers_by_next_digest"
            " WHERE next_digest_at <= ?",
            (now.isoformat(),),
        ).fetchall()
    )


def timed(run: Callable[[Service, datetime], int], service: Service, now: datetime) -> float:
    start = time.perf_counter()
    for _ in range(REPEAT):
        found = run(service, now)
    elapsed = (time.perf_counter() - start) / REPEAT
    assert found == 0, f"{run.__name__} found {found} due in a minute with nothing due"
    return elapsed


def main() -> None:
    for subscribers in (1_000, 10_000):
        due: list[float] = []
        idle: dict[str, list[float]] = {"tick": [], "scan": [], "select": []}
        for _ in range(RUNS):
            with tempfile.TemporaryDirectory() as folder:
                service = populated(Path(folder), subscribers)
                start = time.perf_counter()
                queued = digests.digest_tick(service, BERLIN_8AM)
                due.append(time.perf_counter() - start)
                minute_after = BERLIN_8AM + timedelta(minutes=1)
                idle["scan"].append(timed(full_scan, service, minute_after))
                idle["tick"].append(timed(digests.digest_tick, service, minute_after))
                idle["select"].append(timed(bare_select, service, minute_after))
                service.close()
        tick, scan, select = (statistics.median(idle[k]) for k in ("tick", "scan", "select"))
        print(
            f"{subscribers:>6} subscribers: tick queueing {queued} digests median "
            f"{statistics.median(due):.2f} s (min {min(due):.2f}); idle tick median "
            f"{tick * 1000:.3f} ms = {tick / scan:.1e}x the full scan ({scan * 1000:.1f} ms), "
            f"{tick / select:.2f}x a bare indexed SELECT ({select * 1000:.3f} ms); "
            f"{RUNS} runs"
        )


if __name__ == "__main__":
    main()
