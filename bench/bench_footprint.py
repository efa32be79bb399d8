"""Benchmark: resident memory of an idle `caci-watch run` next to a bare PTB bot, and how
fast it stops.

Run: .venv/bin/python bench/bench_footprint.py [--runs R] [--idle S] [--as-installed]
[--articles N]

Starts the real `caci-watch run` process (token in the environment, config pointing at
the loopback feed server and the fake Telegram Bot API from tests/, the shipped
watchlists), waits until it has polled the feed and is long-polling Telegram, lets it
idle, then reads its resident memory from /proc (VmRSS now, VmHWM the peak) and stops it
with SIGTERM, timing the exit.

The baselines, run the same way in the same run (interleaved, one process at a time):

- a bare PTB bot: an ``Application`` long-polling the same fake with one command
  handler, an APScheduler ``AsyncIOScheduler`` whose job GETs the same feed with a
  reused httpx client every minute, and a SQLite connection; it imports python-telegram-bot,
  APScheduler, httpx and sqlite3, what any such bot needs;
- the same bare bot importing every runtime dependency of caci-watch as well
  (feedparser, rapidfuzz, tomlkit, rich), whether it uses them or not.

Prints each run, the medians, and the bot's median over each baseline's median; then
the share of the compiled matcher (``compile_watchlists`` on the shipped lists, in a
process of its own): what tracemalloc sees it keep, and the resident memory it adds;
and the start-up of a short command (``caci-watch check``: CPU time from the child's
rusage, peak RSS from its VmHWM at exit) next to the interpreter doing nothing.

``--as-installed`` runs all three as if installed without the dev extras: the dev tools
bring click, and with click present ``import httpx`` also imports its command line
(click, rich, pygments: about 6 MB). A deployment (``pip install .``) has no click. Nor
trio, which none of caci-watch's dependencies needs, but which httpcore imports whenever
it can (with attrs, outcome and sortedcontainers: 3.5 to 4.6 MB in each of the three
processes); the shared development venv has it since selenium was installed there.

``--articles N`` serves a feed of N CACI-length articles instead of an empty one, so the
bot's first poll parses (in its child), matches and stores them before it idles: the
memory matching leaves behind counts too.

Figures (medians of 3 runs, ``--as-installed``, the 2-core development machine shared
with other work): caci-watch run 48.6 MB idle, 1.08x the bare PTB bot (44.8 MB), 0.94x
the bare bot with the same libraries (51.7 MB); with ``--articles 20`` 49.3 MB idle and
51.4 MB at the poll's peak. Before the front ends only some commands need were imported
on first use (and the spike rule dropped the statistics module): 50.0 MB, 1.12x; with
``--articles 20`` 50.9 MB, peak 52.9 MB. Before
that the matcher's typo count loaded rapidfuzz: 52.2 MB idle (the issue: 58.7 MB).
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
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bot_harness import TOKEN  # noqa: E402
from tests.factories import rss  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.feed_server import FeedServer  # noqa: E402
from tests.watchlist_copy import copy_shipped_watchlists  # noqa: E402

IDLE_SECONDS = 8
TARGET_MB = 50

# The bare bot. argv: token, API URL, feed URL, database path, "all" to import every
# runtime dependency of caci-watch too.
BARE_BOT = """
import asyncio, signal, sqlite3, sys
from datetime import UTC, datetime

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.ext import ApplicationBuilder, CommandHandler

if sys.argv[5] == "all":
    import feedparser, rapidfuzz.fuzz, rich.console, tomlkit

token, api_url, feed_url, db_path = sys.argv[1:5]


async def main():
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE IF NOT EXISTS polls (at TEXT, status INTEGER)")
    client = httpx.AsyncClient(timeout=30)

    async def poll():
        response = await client.get(feed_url)
        now = datetime.now(UTC).isoformat()
        db.execute("INSERT INTO polls VALUES (?, ?)", (now, response.status_code))
        db.commit()

    async def start(update, context):
        await update.effective_message.reply_text("hello")

    app = ApplicationBuilder().token(token).base_url(api_url + "/bot").job_queue(None).build()
    app.add_handler(CommandHandler("start", start))
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(poll, "interval", seconds=60, next_run_time=datetime.now(UTC))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=10)
        scheduler.start()
        await stop.wait()
        scheduler.shutdown(wait=False)
        await app.updater.stop()
        await app.stop()
    await client.aclose()
    db.close()


asyncio.run(main())
"""


# The compiled matcher of the shipped lists, alone. argv: the watchlists directory.
MATCHER = """
import gc, sys, time, tracemalloc
from pathlib import Path
from bot.domain.matching import compile_watchlists
from bot.lists.registry import WatchlistRegistry

def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

registry = WatchlistRegistry(Path(sys.argv[1]))
registry.refresh()
lists = registry.watchlists
gc.collect()
before = rss_kb()
started = time.process_time()
kept = compile_watchlists(lists)
cpu = time.process_time() - started
gc.collect()
added = rss_kb() - before
del kept
gc.collect()
tracemalloc.start()
again = compile_watchlists(lists)
traced, peak = tracemalloc.get_traced_memory()
print(sum(len(w.terms) for w in lists), traced, peak, added * 1024, cpu)
"""


def matcher_share(lists: Path) -> tuple[int, float, float, float, float]:
    """(terms, traced MB kept, traced MB at the peak, RSS MB added, CPU s) of compiling
    the matcher for ``lists``."""
    out = subprocess.run(
        [sys.executable, "-c", MATCHER, str(lists)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    terms, traced, peak, added = int(out[0]), int(out[1]), int(out[2]), int(out[3])
    return terms, traced / 2**20, peak / 2**20, added / 2**20, float(out[4])


# Says the process's peak RSS at exit. Not rusage's ru_maxrss, which a child inherits
# from the (larger) benchmark process it was forked from.
SAY_PEAK = (
    "import atexit, sys\n"
    "atexit.register(lambda: print([line.split()[1] for line in open('/proc/self/status')"
    " if line.startswith('VmHWM:')][0], file=sys.stderr))\n"
)


def child_cost(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, peak RSS MB) of ``python -c code`` run to its end."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SAY_PEAK + code],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    said = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{code!r} exited with {proc.returncode}: {said}")
    return usage.ru_utime + usage.ru_stime, int(said.split()[-1]) / 1024


def start_up(runs: int, prelude: str) -> None:
    """A short command's start-up, next to the bare interpreter's."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    check = prelude + "import sys\nfrom bot.cli.main import main\nsys.exit(main(['check']))\n"
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        lists = copy_shipped_watchlists(Path(tmp) / "watchlists")
        config.write_text(f'[watchlists]\ndir = "{lists}"\n[store]\npath = "{tmp}/s.sqlite3"\n')
        env["CACI_WATCH_CONFIG"] = str(config)
        costs: dict[str, list[tuple[float, float]]] = {"caci-watch check": [], "python -c pass": []}
        for _ in range(runs):
            costs["caci-watch check"].append(child_cost(check, env))
            costs["python -c pass"].append(child_cost("pass", env))
    medians = {
        name: (statistics.median(c[0] for c in v), statistics.median(c[1] for c in v))
        for name, v in costs.items()
    }
    (cli_cpu, cli_mb), (bare_cpu, bare_mb) = medians.values()
    print(
        f"start-up, median of {runs}: caci-watch check {cli_cpu * 1000:.0f} ms CPU, peak RSS"
        f" {cli_mb:.1f} MB; python -c pass {bare_cpu * 1000:.0f} ms, {bare_mb:.1f} MB"
        f" ({cli_cpu / bare_cpu:.1f}x the CPU, {cli_mb / bare_mb:.1f}x the memory)"
    )


def proc_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def measure(
    command: Sequence[str], env: dict[str, str], fake: FakeTelegram, feeds: FeedServer, idle: float
) -> tuple[float, float, float, int, float]:
    """Start ``command``, wait until it long-polls and has polled the feed, idle, read its
    memory, SIGTERM it: (VmRSS MB, VmHWM MB, seconds to exit, exit code, RssAnon MB)."""
    polled = len(feeds.requests_for("/a.feed"))
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        fake.wait_for_call("getUpdates", 2, timeout=60)
        if not feeds.wait_for_requests("/a.feed", polled + 1, timeout=60):
            raise RuntimeError(f"{command[-1]!r} never polled the feed")
        time.sleep(idle)
        if proc.poll() is not None:
            raise RuntimeError(f"{command!r} exited early with {proc.returncode}")
        rss_mb = proc_kb(proc.pid, "VmRSS") / 1024
        peak_mb = proc_kb(proc.pid, "VmHWM") / 1024
        anon_mb = proc_kb(proc.pid, "RssAnon") / 1024
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        return rss_mb, peak_mb, time.monotonic() - start, code, anon_mb
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def feed_items(count: int) -> list[tuple[str, str, str, datetime]]:
    """``count`` CACI-length articles, some mentioning the shipped lists' terms, all new."""
    if not count:
        return []
    from bench_matching import VARIANTS, synthetic_articles

    now = datetime.now(UTC)
    texts = synthetic_articles(count, VARIANTS)
    return [(f"a{i}", f"Article {i}", t, now - timedelta(hours=i)) for i, t in enumerate(texts)]


# Makes `import click` and `import trio` fail, as where they are not installed.
NOT_INSTALLED = "import sys; sys.modules['click'] = sys.modules['trio'] = None\n"
BOT_MAIN = "import sys\nfrom bot.cli.main import main\nsys.exit(main(['run']))\n"


def one_run(
    feeds: FeedServer, idle: float, *, as_installed: bool
) -> dict[str, tuple[float, float, float, int, float]]:
    prelude = NOT_INSTALLED if as_installed else ""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        lists = copy_shipped_watchlists(Path(tmp) / "watchlists")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for name in ("caci-watch run", "bare PTB bot", "bare PTB bot + all deps"):
            # A fresh fake each time: its call log is the only sign the bot long-polls.
            with FakeTelegram(token=TOKEN) as fake:
                if name == "caci-watch run":
                    store = Path(tmp) / "store"
                    config = Path(tmp) / "config.toml"
                    config.write_text(
                        f'[feeds]\nurls = ["{feeds.url("/a.feed")}"]\n'
                        f'[store]\npath = "{store}/bot.sqlite3"\n'
                        f'[watchlists]\ndir = "{lists}"\n'
                        f'[telegram]\napi_url = "{fake.api_url}"\n'
                    )
                    command = [sys.executable, "-c", prelude + BOT_MAIN]
                    run_env = {**env, "CACI_WATCH_TOKEN": TOKEN, "CACI_WATCH_CONFIG": str(config)}
                else:
                    which = "all" if name.endswith("all deps") else "bare"
                    db = str(Path(tmp) / f"bare-{which}.sqlite3")
                    command = [
                        sys.executable,
                        "-c",
                        prelude + BARE_BOT,
                        TOKEN,
                        fake.api_url,
                        feeds.url("/a.feed"),
                        db,
                        which,
                    ]
                    run_env = env
                results[name] = measure(command, run_env, fake, feeds, idle)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=IDLE_SECONDS)
    parser.add_argument(
        "--as-installed", action="store_true", help="as installed without the dev extras"
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=0,
        help="the feed carries this many CACI-length articles (default none): the bot's"
        " first poll parses, matches and stores them before it idles",
    )
    args = parser.parse_args()
    runs: list[dict[str, tuple[float, float, float, int, float]]] = []
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss(feed_items(args.articles)))
        for i in range(args.runs):
            results = one_run(feeds, args.idle, as_installed=args.as_installed)
            runs.append(results)
            for name, (rss_mb, peak_mb, stop_s, code, anon_mb) in results.items():
                print(
                    f"run {i + 1}: {name:24} idle RSS {rss_mb:5.1f} MB (peak {peak_mb:5.1f} MB,"
                    f" anonymous {anon_mb:5.1f} MB), SIGTERM -> exit {code} in {stop_s:.2f} s"
                )
    medians = {
        name: [statistics.median(r[name][k] for r in runs) for k in (0, 1, 2, 4)]
        for name in runs[0]
    }
    print(f"medians of {args.runs} runs:")
    for name, (rss_mb, peak_mb, stop_s, anon_mb) in medians.items():
        print(
            f"  {name:24} idle RSS {rss_mb:5.1f} MB, peak {peak_mb:5.1f} MB, stop {stop_s:.2f} s,"
            f" anonymous {anon_mb:5.1f} MB"
        )
    bot, bot_anon = medians["caci-watch run"][0], medians["caci-watch run"][3]
    for name in ("bare PTB bot", "bare PTB bot + all deps"):
        rss_mb, anon_mb = medians[name][0], medians[name][3]
        print(
            f"caci-watch run / {name}: {bot / rss_mb:.2f}x idle RSS ({bot - rss_mb:+.1f} MB;"
            f" anonymous {bot_anon - anon_mb:+.1f} MB)"
        )
    print(f"target: idle RSS <= {TARGET_MB} MB: {'met' if bot <= TARGET_MB else 'NOT met'}")
    print(
        "  before (--as-installed, empty feed): 58.7 MB in the issue; 52.2 MB while the"
        " matcher's typo count loaded rapidfuzz (now bot.domain.edit_distance); 50.0 MB"
        " before the front ends only some commands need were imported on first use"
    )
    with tempfile.TemporaryDirectory() as tmp:
        lists = copy_shipped_watchlists(Path(tmp) / "watchlists")
        shares = [matcher_share(lists) for _ in range(args.runs)]
    terms = shares[0][0]
    traced, peak, added, cpu = (statistics.median(s[k] for s in shares) for k in range(1, 5))
    print(
        f"the compiled matcher of the shipped lists ({terms} terms): keeps {traced:.2f} MB"
        f" (tracemalloc; {peak:.2f} MB at the peak of compiling), adds {added:.1f} MB of RSS"
        f" ({added / bot:.0%} of caci-watch run's idle RSS), {cpu * 1000:.0f} ms CPU"
    )
    start_up(max(args.runs, 5), NOT_INSTALLED if args.as_installed else "")


if __name__ == "__main__":
    main()
