"""Benchmark: a fan-out under a bot-wide flood limit, with a few /help meanwhile.

Run: .venv/bin/python bench/bench_flood.py [--messages N] [--runs R] [--bot-path DIR]

The real bot (BotRunner: PTB, the outbox drain, its pacer, the limiter for replies,
SQLite) talks to the fake Telegram Bot API from tests/, set as Telegram sets a bot it
throttles: 3 messages a second for the whole bot; a message past that starts a ban of
7 s during which every message, to any chat, is refused again (a *violation*, which
Telegram answers with longer bans). Private chats are limited to one message a second.

Each run queues N messages (three alerts to each of N/3 private chats), wakes the
outbox, and has a user send /help three times: at once, during the first ban (or after
the first 10 messages, if there is none), and when half the messages are out. It counts
429s, violations and bans, /help replies that never came (dropped), and times from the
wake to the last message Telegram accepted.

Next to it, in the same process: the same fan-out with Telegram's usual limit (30 a
second, no ban) as the baseline, and the floor under the bot-wide limit, N / 3 seconds.
``--bot-path`` runs another copy of the ``bot`` package (say, ``git archive HEAD bot``
unpacked somewhere) against the same fake, for a before/after.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bot_path() -> None:
    """Put ``--bot-path`` (if given) before the repository, before ``bot`` is imported."""
    if "--bot-path" in sys.argv:
        sys.path.insert(0, sys.argv[sys.argv.index("--bot-path") + 1])


_bot_path()
sys.path.insert(1 if "--bot-path" in sys.argv else 0, str(ROOT))

import bot  # noqa: E402
from bot.delivery.pacing import Pacer  # noqa: E402
from bot.domain.models import OutgoingMessage  # noqa: E402
from tests.bot_harness import TOKEN, BotUnderTest, Clock, make_config  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.feed_server import FeedServer  # noqa: E402

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
HELP = "What I can do"
ASKER = 99_001
BOT_WIDE_PER_SECOND = 3
RETRY_AFTER = 7
NORMAL_PER_SECOND = 30
PER_CHAT = 3


@dataclass
class Run:
    seconds: float
    too_many: int
    violations: int
    bans: int
    helps: int
    answered: int

    @property
    def dropped(self) -> int:
        return self.helps - self.answered


def fake_for(bot_wide: bool) -> FakeTelegram:
    if bot_wide:
        return FakeTelegram(
            token=TOKEN,
            global_per_second=None,
            private_per_second=1,
            bot_wide_per_second=BOT_WIDE_PER_SECOND,
            bot_wide_retry_after=RETRY_AFTER,
        )
    return FakeTelegram(token=TOKEN, global_per_second=NORMAL_PER_SECOND, private_per_second=1)


async def fan_out(messages: int, fake: FakeTelegram, feeds: FeedServer, tmp: Path) -> Run:
    chats = range(1, messages // PER_CHAT + 1)
    total = len(chats) * PER_CHAT
    config = make_config(tmp, api_url=fake.api_url, feed_urls=[feeds.url("/none.feed")])
    async with BotUnderTest(config, fake, Clock(NOW), pacer=Pacer()) as b:
        store = b.store
        with store.transaction():
            for chat in chats:
                store.chats.ensure(
                    chat, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW
                )
            store.outbox.enqueue(
                [
                    OutgoingMessage(f"a{n}:{chat}", chat, "alert", f"alert {n} for chat {chat}")
                    for n in range(PER_CHAT)
                    for chat in chats
                ],
                NOW,
            )

        def delivered() -> int:
            return sum(1 for m in fake.sent if m.chat_id != ASKER)

        start = time.monotonic()
        b.runner.wake_outbox()
        fake.user_sends("/help", user_id=ASKER)
        await b.wait(lambda: bool(fake.bans) or delivered() >= 10, timeout=60)
        fake.user_sends("/help", user_id=ASKER)
        await b.wait(lambda: delivered() >= total // 2, timeout=1800)
        fake.user_sends("/help", user_id=ASKER)
        await b.wait(lambda: delivered() >= total, timeout=1800)
        accepted = [m.at for m in fake.sent if m.chat_id != ASKER]
        elapsed = max(accepted) - start if len(accepted) >= total else float("nan")

        def answered() -> int:
            return sum(1 for m in fake.messages_to(ASKER) if HELP in m.text)

        # Replies still waiting their turn get a generous while to arrive.
        await b.wait(lambda: answered() >= 3, timeout=60)
        return Run(
            elapsed,
            fake.too_many_requests,
            len(fake.violations),
            len(fake.bans),
            3,
            answered(),
        )


def one(messages: int, bot_wide: bool, feeds: FeedServer) -> Run:
    with tempfile.TemporaryDirectory() as tmp, fake_for(bot_wide) as fake:
        return asyncio.run(fan_out(messages, fake, feeds, Path(tmp)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=360)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bot-path", default="", help="another copy of the bot package")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the numbers, not the bot's log
    messages = args.messages // PER_CHAT * PER_CHAT
    floor = messages / BOT_WIDE_PER_SECOND
    print(f"bot package: {Path(bot.__file__).parent}")
    with FeedServer() as feeds:
        baseline = [one(messages, False, feeds) for _ in range(args.runs)]
        for i, r in enumerate(baseline, 1):
            print(
                f"baseline run {i} (Telegram's usual {NORMAL_PER_SECOND}/s): {messages} messages "
                f"in {r.seconds:.1f} s, {r.too_many} x 429, /help dropped {r.dropped} of 3"
            )
        runs = []
        for i in range(args.runs):
            r = one(messages, True, feeds)
            runs.append(r)
            print(
                f"run {i + 1} (bot-wide {BOT_WIDE_PER_SECOND}/s, retry_after {RETRY_AFTER} s): "
                f"{messages} messages in {r.seconds:.1f} s ({r.seconds / floor:.2f} x the floor "
                f"of {floor:.0f} s), {r.too_many} x 429, {r.violations} violations, "
                f"{r.bans} bans, /help dropped {r.dropped} of 3"
            )
    median = statistics.median(r.seconds for r in runs)
    base = statistics.median(r.seconds for r in baseline)
    print(
        f"median of {args.runs}: {median:.1f} s for {messages} messages under the bot-wide "
        f"limit = {median / floor:.2f} x the floor ({floor:.0f} s); baseline at "
        f"{NORMAL_PER_SECOND}/s {base:.1f} s; 429s {[r.too_many for r in runs]}, violations "
        f"{[r.violations for r in runs]}, bans {[r.bans for r in runs]}, /help dropped "
        f"{[r.dropped for r in runs]}"
    )


if __name__ == "__main__":
    main()
