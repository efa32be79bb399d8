"""Benchmark: CPU time of one poll answered 304, next to a bare httpx GET.

Run: .venv/bin/python bench/bench_poll_304.py [--runs R] [--polls N]

The loopback feed server (tests/feed_server.py) runs in a child process, so that the CPU
time read here (``time.process_time``) is the polling side's alone. A real ``Service``
(SQLite store in a temporary directory, the shipped watchlists) polls one feed, once to
store its validators, then over and over, each poll answered 304. Measured per poll,
interleaved round by round:

- ``poll_once``, the running bot's way: one feeds client kept from poll to poll, its
  connection kept alive between polls;
- the same with a new connection each poll, as when polls are minutes apart (the
  kept-alive connection has expired by then);
- ``poll_once`` without a client, as every poll did before (and ``caci-watch poll
  --once`` still does): a client built and closed for the poll;
- the baselines: a bare conditional GET with a reused ``httpx.AsyncClient``, with and
  without keep-alive; and building and closing a feeds client alone.

Plain HTTP on loopback: a real feed's TLS handshake (each poll minutes apart makes one)
costs the same with either client. Prints each run's medians and the ratios, then the
medians over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bot.app.config import builtin_config  # noqa: E402
from bot.app.poll import make_feed_client, poll_once  # noqa: E402
from bot.app.service import build_service  # noqa: E402
from bot.feeds.transport import CheckedTransport  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

TARGET_MS = 5.0

# The feed server, in a process of its own: prints the feed's URL and ETag, then serves
# until its stdin closes.
SERVER = """
import sys
sys.path.insert(0, sys.argv[1])
from tests.factories import rss
from tests.feed_server import FeedServer
with FeedServer(idle_timeout=60) as server:
    feed = server.serve_feed("/a.feed", rss([]))
    print(server.url("/a.feed"), feed.etag, flush=True)
    sys.stdin.read()
"""

Step = Callable[[], Awaitable[object]]


async def cpu_ms(step: Step) -> float:
    start = time.process_time()
    await step()
    return (time.process_time() - start) * 1000


async def one_run(url: str, etag: str, polls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        lists = copy_shipped_watchlists(Path(tmp) / "watchlists")
        config = builtin_config(
            store_path=Path(tmp) / "store.sqlite3", watchlists_dir=lists, feed_urls=[url]
        )
        service = build_service(config)
        feeds = config.feeds
        headers = {"User-Agent": feeds.user_agent}
        kept = make_feed_client(feeds)
        fresh = httpx.AsyncClient(
            headers=headers,
            timeout=feeds.timeout.total_seconds(),
            transport=CheckedTransport(limits=httpx.Limits(max_keepalive_connections=0)),
        )
        bare = httpx.AsyncClient()
        bare_fresh = httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0))
        try:
            now = datetime.now(UTC)
            first = await poll_once(service, now, force=True, client=kept)
            assert first[0].status == "ok", first

            async def checked(
                client: httpx.AsyncClient | None,
            ) -> None:
                [report] = await poll_once(service, now, force=True, client=client)
                assert report.status == "not_modified", report

            async def bare_get(client: httpx.AsyncClient) -> None:
                response = await client.get(url, headers={"If-None-Match": etag})
                assert response.status_code == 304

            async def build_and_close() -> None:
                async with make_feed_client(feeds):
                    pass

            steps: dict[str, Step] = {
                "poll_once, one client, kept-alive connection": lambda: checked(kept),
                "poll_once, one client, new connection": lambda: checked(fresh),
                "poll_once, a client per poll (before)": lambda: checked(None),
                "bare httpx GET 304, kept-alive connection": lambda: bare_get(bare),
                "bare httpx GET 304, new connection": lambda: bare_get(bare_fresh),
                "building and closing a feeds client": build_and_close,
            }
            for step in steps.values():  # warm-up: imports, first connections
                await step()
            times: dict[str, list[float]] = {name: [] for name in steps}
            for _ in range(polls):
                for name, step in steps.items():
                    times[name].append(await cpu_ms(step))
            return {name: statistics.median(ms) for name, ms in times.items()}
        finally:
            for client in (kept, fresh, bare, bare_fresh):
                await client.aclose()
            service.close()


def ratios(medians: dict[str, float]) -> list[str]:
    m = list(medians.values())
    return [
        f"one client (kept alive) / bare GET (kept alive): {m[0] / m[3]:.2f}x",
        f"one client (new connection) / bare GET (new connection): {m[1] / m[4]:.2f}x",
        f"a client per poll (before) / one client (new connection): {m[2] / m[1]:.1f}x",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--polls", type=int, default=100)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(ROOT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url, etag = server.stdout.readline().split()
        runs = []
        for i in range(args.runs):
            medians = asyncio.run(one_run(url, etag, args.polls))
            runs.append(medians)
            print(f"run {i + 1} (median of {args.polls} polls each, CPU ms):")
            for name, ms in medians.items():
                print(f"  {name:48} {ms:6.2f} ms")
            for line in ratios(medians):
                print(f"  {line}")
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=10)
    overall = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    print(f"medians of {args.runs} runs (CPU ms per poll):")
    for name, ms in overall.items():
        print(f"  {name:48} {ms:6.2f} ms")
    for line in ratios(overall):
        print(f"  {line}")
    worst = max(list(overall.values())[:2])
    print(
        f"target: a poll answered 304 <= {TARGET_MS:g} ms CPU with the bot's client: "
        f"{'met' if worst <= TARGET_MS else 'NOT met'} ({worst:.2f} ms)"
    )


if __name__ == "__main__":
    main()
