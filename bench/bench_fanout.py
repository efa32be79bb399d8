"""Benchmark: digest fan-out to 1,000 subscribers, and how soon an alert goes out.

Run: .venv/bin/python bench/bench_fanout.py [--subscribers N] [--runs R]

The real bot (BotRunner: PTB, the outbox drain, its pacer, SQLite) talks to the fake
Telegram Bot API server from tests/, which enforces Telegram's limits (30 messages a
second overall) and answers 429 beyond them. Each run:

1. registers N subscribers in the store, each following TRIPP, in daily mode;
2. a digest tick at their digest time queues N one-message digests;
3. times from the tick to the last message accepted by the server, and counts 429s.

The floor is N / 30 seconds (33.3 s for 1,000). Then, for alert latency, a matching
article is published on the loopback feed server and the time from the end of the poll
that found it to the alert reaching the fake server is measured (median of 5).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bot_harness import TOKEN, BotUnderTest, Clock, make_config  # noqa: E402
from tests.factories import rss  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.feed_server import FeedServer  # noqa: E402

DAY = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
ITEM = (
    "b1",
    "Iran Watches the New Route",
    "<p>Tehran objects to the Trump Route for International Peace and Prosperity.</p>",
    DAY - timedelta(hours=2),
)


async def fan_out(
    subscribers: int, fake: FakeTelegram, feeds: FeedServer, tmp: Path
) -> tuple[float, int]:
    clock = Clock(DAY - timedelta(days=1))
    config = make_config(tmp, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    async with BotUnderTest(config, fake, clock) as b:
        store = b.store
        with store.transaction():
            for chat in range(1, subscribers + 1):
                store.chats.ensure(
                    chat,
                    kind="private",
                    title="",
                    timezone="UTC",
                    digest_time="07:00",
                    now=clock(),
                )
                store.chats.subscribe(chat, "TRIPP", clock())
                store.chats.update_settings(chat, clock(), mode="daily")
        before_429 = fake.too_many_requests
        before_sent = len(fake.sent)
        clock.set(DAY)
        start = time.monotonic()
        await b.digest_tick()
        ok = await b.wait(lambda: len(fake.sent) - before_sent >= subscribers, timeout=600)
        elapsed = fake.sent[-1].at - start if ok else float("nan")
        return elapsed, fake.too_many_requests - before_429


async def alert_latency(fake: FakeTelegram, feeds: FeedServer, tmp: Path, runs: int) -> list[float]:
    clock = Clock(DAY)
    config = make_config(tmp, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    latencies = []
    async with BotUnderTest(config, fake, clock) as b:
        await b.poll()
        b.store.chats.ensure(
            77, kind="private", title="", timezone="UTC", digest_time="07:00", now=clock()
        )
        b.store.chats.subscribe(77, "TRIPP", clock())
        for i in range(runs):
            item = (f"lat{i}", f"{ITEM[1]} {i}", ITEM[2], DAY)
            feeds.publish("/a.feed", rss([item]))
            clock.set(clock() + timedelta(minutes=2))
            await b.poll()
            polled = time.monotonic()
            want = i + 1
            await b.wait(lambda w=want: len(fake.messages_to(77)) >= w, timeout=30)  # type: ignore[misc]
            latencies.append(fake.messages_to(77)[-1].at - polled)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    floor = args.subscribers / 30
    times, storms = [], []
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([ITEM]))
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp, FakeTelegram(token=TOKEN) as fake:
                elapsed, n429 = asyncio.run(fan_out(args.subscribers, fake, feeds, Path(tmp)))
            times.append(elapsed)
            storms.append(n429)
            print(
                f"run {run + 1}: {args.subscribers} digests in {elapsed:.1f} s "
                f"({args.subscribers / elapsed:.1f} msg/s, floor {floor:.1f} s, "
                f"{floor / elapsed:.1%} of the limit), 429s: {n429}"
            )
        median = statistics.median(times)
        print(
            f"fan-out median of {args.runs}: {median:.1f} s for {args.subscribers} "
            f"(floor {floor:.1f} s; {floor / median:.1%} of Telegram's limit); "
            f"429s per run: {storms}"
        )
        with tempfile.TemporaryDirectory() as tmp, FakeTelegram(token=TOKEN) as fake:
            lat = asyncio.run(alert_latency(fake, feeds, Path(tmp), 5))
        print(
            "alert latency after the poll that found the article: median "
            f"{statistics.median(lat) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
