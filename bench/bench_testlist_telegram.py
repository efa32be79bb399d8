"""Benchmark: /testlist through Telegram over 10,000 stored articles.

Run: .venv/bin/python bench/bench_testlist_telegram.py

Fills a store with the same 10,000 synthetic articles as bench_watchlist_test.py
(realistic mix), starts the real bot on it against the fake Telegram Bot API server,
and times each shipped list's `/testlist LIST 3650` from the admin's message reaching
the fake server to the last part of the answer arriving there: the dry run, the
rendering and the delivery. Median of 5 per list.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_watchlist_test import MIXES, NOW, fill  # noqa: E402

from tests.bot_harness import ADMIN_ID, TOKEN, BotUnderTest, Clock, make_config  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

RUNS = 5
LISTS = ("Abraham Accords", "Middle Corridor", "TRIPP")


async def measure(tmp: Path, fake: FakeTelegram) -> dict[str, list[float]]:
    config = make_config(tmp, api_url=fake.api_url, feed_urls=["http://127.0.0.1:9/none"])
    timings: dict[str, list[float]] = {name: [] for name in LISTS}
    async with BotUnderTest(config, fake, Clock(NOW)) as b:
        for _ in range(RUNS):
            for name in LISTS:
                before = len(fake.messages_to(ADMIN_ID))
                start = time.monotonic()
                fake.user_sends(f"/testlist {name} 3650", user_id=ADMIN_ID)

                def answered(n: int = before) -> bool:
                    mine = fake.messages_to(ADMIN_ID)[n:]
                    return bool(mine) and _complete(mine[-1].text)

                await b.wait(answered, timeout=120)
                timings[name].append(fake.messages_to(ADMIN_ID)[-1].at - start)
    return timings


def _complete(text: str) -> bool:
    # A one-part answer has no marker; a split one ends with (n/n).
    marks = re.findall(r"\((\d+)/(\d+)\)", text)
    return not marks or marks[0][0] == marks[0][1]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        fill(tmp / "store" / "bot.sqlite3", MIXES["realistic"])
        with FakeTelegram(token=TOKEN, private_per_second=None) as fake:
            timings = asyncio.run(measure(tmp, fake))
    for name, times in timings.items():
        print(
            f"/testlist {name!r:<18} over 10,000 stored articles: median "
            f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}) "
            f"over {RUNS} runs, message in to last answer out"
        )


if __name__ == "__main__":
    main()
