"""Benchmark: resident memory of an idle `caci-watch run`, and how fast it stops.

Run: .venv/bin/python bench/bench_footprint.py [--runs R]

Starts the real `caci-watch run` process (token in the environment, config pointing
at the loopback feed server and the fake Telegram Bot API from tests/), waits until it
has polled the feed and is long-polling Telegram, lets it idle, then reads its resident
memory from /proc (VmRSS now, VmHWM the peak) and stops it with SIGTERM, timing the
exit. Prints each run and the medians.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bot_harness import TOKEN  # noqa: E402
from tests.factories import rss  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.feed_server import FeedServer  # noqa: E402
from tests.watchlist_copy import copy_watchlists  # noqa: E402

IDLE_SECONDS = 8


def proc_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def one_run(feeds: FeedServer) -> tuple[float, float, float, int]:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram(token=TOKEN) as fake:
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[feeds]\nurls = ["{feeds.url("/a.feed")}"]\n'
            f'[store]\npath = "{tmp}/store/bot.sqlite3"\n'
            f'[watchlists]\ndir = "{copy_watchlists(Path(tmp) / "watchlists")}"\n'
            f'[telegram]\napi_url = "{fake.api_url}"\n'
        )
        env = {**os.environ, "CACI_WATCH_TOKEN": TOKEN, "CACI_WATCH_CONFIG": str(config)}
        proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/caci-watch"), "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            fake.wait_for_call("getUpdates", 2, timeout=60)
            if not feeds.wait_for_requests("/a.feed", 1, timeout=60):
                raise RuntimeError("the bot never polled the feed")
            time.sleep(IDLE_SECONDS)
            rss_mb = proc_kb(proc.pid, "VmRSS") / 1024
            peak_mb = proc_kb(proc.pid, "VmHWM") / 1024
            start = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
            return rss_mb, peak_mb, time.monotonic() - start, code
        finally:
            if proc.poll() is None:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([]))
        for i in range(args.runs):
            rss_mb, peak_mb, stop_s, code = one_run(feeds)
            results.append((rss_mb, peak_mb, stop_s))
            print(
                f"run {i + 1}: idle RSS {rss_mb:.1f} MB (peak {peak_mb:.1f} MB), "
                f"SIGTERM -> exit {code} in {stop_s:.2f} s"
            )
    print(
        f"median of {args.runs}: idle RSS {statistics.median(r[0] for r in results):.1f} MB, "
        f"peak {statistics.median(r[1] for r in results):.1f} MB, "
        f"stop {statistics.median(r[2] for r in results):.2f} s"
    )


if __name__ == "__main__":
    main()
