"""Benchmark: does the running bot stay responsive, and its memory bounded, while an admin
dry-runs a list over a large store?

Run: .venv/bin/python bench/bench_dry_run_loop.py [--articles N] [--runs R]

Fills a store with N synthetic CACI-length articles (default 100,000; 2,000 distinct
bodies of the realistic mix of bench_watchlist_test.py, each stored many times under its
own id, with its HTML), then for each run starts the real `caci-watch run` process
against the fake Telegram Bot API and the loopback feed server, and measures:

- baseline: /help latency (each from a chat of its own, so that no chat's reply pacing
  counts) with nothing else running, and the bot's resident memory (VmRSS) before;
- during `/testlist TRIPP 3650` over every stored article: /help from other chats, one a
  second, their latencies; the bot's VmRSS sampled every 0.2 s (its peak);
- after: how long the dry run took (message in to last part out), and VmRSS once the
  answer is out and again after a few idle seconds.

Latency is from the message reaching the fake server to the answer arriving there.
Prints each run and the medians over the runs (the goals: another chat answered within
1 s, memory growth at most 60 MB and returning). Asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matching import VARIANTS, synthetic_articles  # noqa: E402
from bench_watchlist_test import MIXES  # noqa: E402

from bot.app import watchlist_sync  # noqa: E402
from bot.app.config import load_config  # noqa: E402
from bot.app.service import build_service  # noqa: E402
from bot.domain.models import Article  # noqa: E402
from bot.domain.text import html_to_text  # noqa: E402
from bot.storage import open_store  # noqa: E402
from tests.bot_harness import ADMIN_ID, TOKEN  # noqa: E402
from tests.factories import rss  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.feed_server import FeedServer  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

BODIES = 2000
BASELINE_PROBES = 5
PROBE_EVERY = 1.0
SAMPLE_EVERY = 0.2
SETTLE_SECONDS = 5.0


def fill(path: Path, count: int) -> None:
    now = datetime.now(UTC)
    bodies = synthetic_articles(BODIES, VARIANTS, seed=7, rate=MIXES["realistic"])
    texts = [html_to_text(html) for html in bodies]
    store = open_store(path)
    for start in range(0, count, 5000):
        with store.transaction():
            for i in range(start, min(start + 5000, count)):
                html, text = bodies[i % BODIES], texts[i % BODIES]
                seen = now - timedelta(minutes=i)
                store.upsert_article(
                    Article(
                        id=f"guid:bench-{i}",
                        feed_url="https://bench.example/feed",
                        link=f"https://bench.example/item/{i}",
                        title=f"Synthetic article {i}",
                        author="Bench",
                        section="Analytical Articles",
                        published=seen,
                        summary="",
                        html=html,
                        text=text,
                        content_hash=hashlib.sha256(f"{i}\n{text}".encode()).hexdigest(),
                    ),
                    seen,
                )
    store.close()


def write_config(tmp: Path, store: Path, feed_url: str, api_url: str) -> Path:
    config = tmp / "config.toml"
    config.write_text(
        f'[feeds]\nurls = ["{feed_url}"]\n'
        f'[store]\npath = "{store}"\n'
        f'[watchlists]\ndir = "{copy_shipped_watchlists(tmp / "watchlists")}"\n'
        # What the bot re-matches at start is a day's articles, not the whole store.
        "rematch_days = 1\n"
        f'[telegram]\napi_url = "{api_url}"\nadmins = [{ADMIN_ID}]\n'
    )
    return config


def settle_watchlists(config: Path) -> None:
    """The lists' versions recorded, as a bot that has run before has them."""
    service = build_service(load_config(config))
    try:
        watchlist_sync.reload_watchlists(service, datetime.now(UTC))
    finally:
        service.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise KeyError("VmRSS")


class Probe:
    """/help from chats of its own; each latency from send to answer at the fake."""

    users = iter(range(50_000, 10**9))  # new chats across runs too

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    def help(self) -> float:
        user = next(self.users)
        start = time.monotonic()
        self.fake.user_sends("/help", user_id=user)
        [answer] = self.fake.wait_for_messages(user, 1, timeout=120)
        return answer.at - start


@dataclass
class Run:
    baseline: list[float] = field(default_factory=list)
    during: list[float] = field(default_factory=list)
    dry_run_s: float = 0.0
    rss_before: float = 0.0
    rss_peak: float = 0.0
    rss_done: float = 0.0
    rss_settled: float = 0.0
    summary: str = ""


def complete(text: str) -> bool:
    marks = re.findall(r"\((\d+)/(\d+)\)", text)
    return not marks or marks[0][0] == marks[0][1]


def one_run(config: Path, fake: FakeTelegram) -> Run:
    env = {**os.environ, "CACI_WATCH_TOKEN": TOKEN, "CACI_WATCH_CONFIG": str(config)}
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/caci-watch"), "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    run = Run()
    try:
        before_calls = len(fake.calls_to("getUpdates"))
        fake.wait_for_call("getUpdates", before_calls + 2, timeout=120)
        probe = Probe(fake)
        run.baseline = [probe.help() for _ in range(BASELINE_PROBES)]
        run.rss_before = rss_mb(proc.pid)

        answered = len(fake.messages_to(ADMIN_ID))
        done = threading.Event()
        peak = [run.rss_before]

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb(proc.pid))
                done.wait(SAMPLE_EVERY)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.monotonic()
        fake.user_sends("/testlist TRIPP 3650", user_id=ADMIN_ID)

        def finished() -> bool:
            mine = fake.messages_to(ADMIN_ID)[answered:]
            return bool(mine) and "Dry run" in mine[0].text and complete(mine[-1].text)

        while not finished():
            run.during.append(probe.help())
            fake.wait_for(finished, timeout=PROBE_EVERY)
        answer = fake.messages_to(ADMIN_ID)[answered:]
        run.dry_run_s = answer[-1].at - start
        run.summary = next((line for line in answer[0].text.splitlines() if "Over" in line), "")
        done.set()
        sampler.join()
        run.rss_peak = peak[0]
        run.rss_done = rss_mb(proc.pid)
        time.sleep(SETTLE_SECONDS)
        run.rss_settled = rss_mb(proc.pid)
        return run
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def ms(values: list[float]) -> str:
    if not values:
        return "none"
    return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        FeedServer() as feeds,
        FakeTelegram(token=TOKEN, private_per_second=None) as fake,
    ):
        tmp = Path(folder)
        feeds.serve_feed("/a.feed", rss([]))
        store = tmp / "store" / "bot.sqlite3"
        store.parent.mkdir()
        started = time.monotonic()
        fill(store, args.articles)
        config = write_config(tmp, store, feeds.url("/a.feed"), fake.api_url)
        settle_watchlists(config)
        size = sum(p.stat().st_size for p in store.parent.iterdir()) / 1e6
        print(
            f"filled {args.articles:,} articles in {time.monotonic() - started:.0f} s "
            f"(store {size:.0f} MB)"
        )
        runs = []
        for i in range(args.runs):
            run = one_run(config, fake)
            runs.append(run)
            print(
                f"run {i + 1}: /help alone {ms(run.baseline)}; during the dry run "
                f"{ms(run.during)} ({len(run.during)} asked); dry run {run.dry_run_s:.1f} s; "
                f"RSS before {run.rss_before:.0f} MB, peak {run.rss_peak:.0f} MB "
                f"(+{run.rss_peak - run.rss_before:.0f}), after {run.rss_done:.0f} MB, "
                f"{SETTLE_SECONDS:.0f} s later {run.rss_settled:.0f} MB\n"
                f"       the answer: {run.summary}"
            )

    def median(values: list[float]) -> float:
        return statistics.median(values)

    print(
        f"median of {args.runs} runs over {args.articles:,} stored articles:\n"
        f"  /help from another chat, nothing else running (baseline): "
        f"{median([median(r.baseline) for r in runs]) * 1000:.0f} ms "
        f"(worst {max(max(r.baseline) for r in runs) * 1000:.0f} ms)\n"
        f"  /help from another chat during /testlist:                 "
        f"{median([median(r.during) for r in runs]) * 1000:.0f} ms "
        f"(worst {max(max(r.during, default=0) for r in runs) * 1000:.0f} ms)  goal < 1000 ms\n"
        f"  /testlist TRIPP 3650, message in to last part out:         "
        f"{median([r.dry_run_s for r in runs]):.1f} s\n"
        f"  bot RSS before {median([r.rss_before for r in runs]):.0f} MB, peak "
        f"{median([r.rss_peak for r in runs]):.0f} MB (growth "
        f"{median([r.rss_peak - r.rss_before for r in runs]):.0f} MB, goal <= 60), after "
        f"{median([r.rss_done for r in runs]):.0f} MB, {SETTLE_SECONDS:.0f} s later "
        f"{median([r.rss_settled for r in runs]):.0f} MB"
    )


if __name__ == "__main__":
    main()
