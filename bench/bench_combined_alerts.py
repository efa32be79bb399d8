"""Benchmark: a poll that brings 40 matching articles for one chat, combined or not.

Run: .venv/bin/python bench/bench_combined_alerts.py [--articles N] [--runs R]

The real bot (BotRunner: PTB, the outbox drain with Telegram's pacing, SQLite) talks
to the fake Telegram Bot API server from tests/, which enforces Telegram's limits. Each
run publishes N matching articles on the loopback feed server and polls once:

- chat A follows the list during the poll and gets what the bot sends now: one combined
  alert, in parts of at most 4,096 characters;
- chat B, the baseline in the same run, gets the same alerts as the bot sent them before,
  one message per alert (each queued as the lone alert it would be on its own).

Both drain at once, each at the pace Telegram allows a private chat; printed are the
messages each got and the seconds from the end of the poll to its last message.

Then the CPU time of queueing one poll's alerts (in the poll's transaction, on the event
loop) for F followers (default 1,000) of the list: 40 alerts, and a lone one, through
``queue_alerts`` (chats in the same zone with the same lists share one rendering) next
to the way before, one message per alert, rendered for each chat.
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

from bot.app.config import builtin_config  # noqa: E402
from bot.app.poll import poll_once, queue_alerts  # noqa: E402
from bot.app.service import Service, build_service  # noqa: E402
from bot.domain.models import Alert  # noqa: E402
from bot.messages.fanout import alerts_for, chat_alert_messages  # noqa: E402
from tests.bot_harness import TOKEN, BotUnderTest, Clock, make_config  # noqa: E402
from tests.factories import make_article, make_match, rss  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.feed_server import FeedServer  # noqa: E402

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
COMBINED, ONE_EACH = 101, 102
OLD = ("old", "Water Politics in the Fergana Valley", "<p>Irrigation.</p>", NOW - timedelta(days=9))


def item(n: int) -> tuple[str, str, str, datetime]:
    body = (
        "<p>Yerevan and Baku discussed the Trump Route for International Peace and "
        "Prosperity (TRIPP) through Syunik once more, with customs posts, rail gauges "
        "and the timetable for the first trains across the border.</p>"
    )
    return (f"n{n}", f"Route talks, round {n}", body, NOW - timedelta(minutes=n))


async def one_run(articles: int, fake: FakeTelegram, feeds: FeedServer, tmp: Path) -> list[float]:
    clock = Clock(NOW)
    config = make_config(tmp, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    feeds.publish("/a.feed", rss([OLD]))
    async with BotUnderTest(config, fake, clock) as b:
        await b.poll()  # the back catalogue, stored without alerts
        service = b.runner.service
        for chat in (COMBINED, ONE_EACH):
            service.store.chats.ensure(
                chat, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW
            )
            service.store.chats.update_settings(chat, NOW, mode="instant")
        service.store.chats.subscribe(COMBINED, "TRIPP", NOW)
        feeds.publish("/a.feed", rss([*(item(n) for n in range(1, articles + 1)), OLD]))
        clock.set(NOW + timedelta(minutes=2))
        reports = await poll_once(service, clock(), force=True, clock=clock)
        alerts = [a for r in reports for a in r.alerts]
        # The baseline: the same alerts, one message each, queued at the same moment.
        service.store.chats.subscribe(ONE_EACH, "TRIPP", NOW)
        reader = service.store.chats.get(ONE_EACH)
        assert reader is not None
        with service.store.transaction():
            service.store.outbox.enqueue(
                [m for a in alerts_for(reader, alerts) for m in chat_alert_messages(reader, [a])],
                clock(),
            )
        start = time.monotonic()
        b.runner.wake_outbox()
        if not await b.outbox_settled(timeout=articles * 3 + 60):
            raise SystemExit("the outbox did not drain")
        combined, one_each = fake.messages_to(COMBINED), fake.messages_to(ONE_EACH)
        return [
            len(combined),
            combined[-1].at - start,
            len(one_each),
            one_each[-1].at - start,
        ]


def followers(tmp: Path, n: int) -> Service:
    service = build_service(
        builtin_config(store_path=tmp / "s.sqlite3", watchlists_dir=tmp, feed_urls=["https://f/a"])
    )
    with service.store.transaction():
        for chat in range(1, n + 1):
            service.store.chats.ensure(
                chat, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW
            )
            service.store.chats.update_settings(chat, NOW, mode="instant")
            service.store.chats.subscribe(chat, "TRIPP", NOW)
    return service


def one_message_per_alert(service: Service, alerts: list[Alert]) -> None:
    """The way before: each alert on its own, rendered for each chat."""
    for alert in alerts:
        for reader in service.store.chats.following(alert.watchlists):
            messages = chat_alert_messages(reader, alerts_for(reader, [alert]))
            service.store.outbox.enqueue(messages, NOW)


def queue_cpu(n_followers: int, n_alerts: int) -> tuple[float, int, float, int]:
    """CPU seconds and messages queued: queue_alerts, then the way before."""
    alerts = [Alert(make_article(n), (make_match("TRIPP"),)) for n in range(1, n_alerts + 1)]

    def combined(service: Service) -> None:
        queue_alerts(service, alerts, NOW)

    def before(service: Service) -> None:
        one_message_per_alert(service, alerts)

    got: list[float] = []
    for way in (combined, before):
        with tempfile.TemporaryDirectory() as tmp:
            service = followers(Path(tmp), n_followers)
            start = time.process_time()
            with service.store.transaction():
                way(service)
            got += [time.process_time() - start, service.store.outbox.backlog()]
            service.store.close()
    return got[0], int(got[1]), got[2], int(got[3])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--followers", type=int, default=1000)
    args = parser.parse_args()
    runs = []
    with FeedServer() as feeds:
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp, FakeTelegram(token=TOKEN) as fake:
                got = asyncio.run(one_run(args.articles, fake, feeds, Path(tmp)))
            runs.append(got)
            print(
                f"run {run + 1}: combined {got[0]:.0f} messages in {got[1]:.1f} s; "
                f"one per alert {got[2]:.0f} messages in {got[3]:.1f} s"
            )
    n, secs, base_n, base_secs = (statistics.median(r[i] for r in runs) for i in range(4))
    print(
        f"{args.articles} alerts to one chat, median of {args.runs}: combined {n:.0f} messages "
        f"in {secs:.1f} s; one per alert (baseline) {base_n:.0f} messages in {base_secs:.1f} s; "
        f"{base_n / n:.1f}x fewer messages, {base_secs / secs:.1f}x sooner"
    )
    for n_alerts in (args.articles, 1):
        cpu = [queue_cpu(args.followers, n_alerts) for _ in range(args.runs)]
        now_s, now_n, before_s, before_n = (statistics.median(c[i] for c in cpu) for i in range(4))
        print(
            f"queueing {n_alerts} alert(s) for {args.followers} followers, median of "
            f"{args.runs}: {now_s * 1000:.0f} ms CPU for {now_n:.0f} messages; one per alert "
            f"rendered per chat (baseline) {before_s * 1000:.0f} ms for {before_n:.0f}; "
            f"{before_s / now_s:.1f}x less CPU"
        )


if __name__ == "__main__":
    main()
