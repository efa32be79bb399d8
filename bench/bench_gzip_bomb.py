"""Benchmark: peak memory of `caci-watch poll --once` against eight gzip bombs.

Run: .venv/bin/python bench/bench_gzip_bomb.py [--runs R] [--inflated-mb M]

Eight feeds on a loopback server each answer with the same gzip body (about 1 MB on
the wire, inflating to 1 GB of filler, ``Content-Encoding: gzip``). The real
`caci-watch poll --once` runs as a child process against them with the default
``max_bytes`` (5 MB); its peak resident memory is read from ``os.wait4``'s rusage
(``ru_maxrss``, the child alone). Beside it, in the same run, the same command polls
eight small normal feeds (the bundled snapshot) as the baseline. Each run prints both
peaks and their ratio, and whether every bomb was reported too large; then the medians.
The target: under 150 MB, each bomb reported "body larger than".
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.feed_server import RSS_TYPE, FeedServer, Fixed  # noqa: E402
from tests.watchlist_copy import copy_watchlists  # noqa: E402

FEEDS = 8
TARGET_MB = 150


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A gzip body: the start of an RSS document, then ``inflated_bytes`` of spaces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    parts = [packer.compress(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x')]
    block = b" " * (1 << 20)
    left = inflated_bytes
    while left > 0:
        parts.append(packer.compress(block[: min(left, len(block))]))
        left -= len(block)
    parts.append(packer.flush())
    return b"".join(parts)


def poll_once(urls: list[str]) -> tuple[float, float, str]:
    """Run `caci-watch poll --once` on ``urls``: (peak RSS in MB, seconds, its output)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        listed = ", ".join(f'"{url}"' for url in urls)
        config.write_text(
            f"[feeds]\nurls = [{listed}]\n"
            f'[store]\npath = "{tmp}/store/bot.sqlite3"\n'
            f'[watchlists]\ndir = "{copy_watchlists(Path(tmp) / "watchlists")}"\n'
        )
        env = {**os.environ, "CACI_WATCH_CONFIG": str(config)}
        env.pop("CACI_WATCH_TOKEN", None)
        out_path = Path(tmp) / "out.txt"
        start = time.monotonic()
        with out_path.open("wb") as out:
            proc = subprocess.Popen(
                [str(ROOT / ".venv/bin/caci-watch"), "poll", "--once"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the maximum
            # over every child so far, the other command's included).
            _pid, _status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(_status)
        elapsed = time.monotonic() - start
        return usage.ru_maxrss / 1024, elapsed, out_path.read_text(errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--inflated-mb", type=int, default=1024)
    args = parser.parse_args()

    started = time.monotonic()
    bomb = gzip_bomb(args.inflated_mb << 20)
    print(
        f"gzip body: {len(bomb) / 1e6:.2f} MB on the wire, inflating to "
        f"{args.inflated_mb} MB (built in {time.monotonic() - started:.1f} s); {FEEDS} feeds"
    )
    snapshot = resources.files("bot").joinpath("data", "cacianalyst-snapshot.rss").read_bytes()

    bombs: list[float] = []
    baselines: list[float] = []
    with FeedServer() as server:
        for n in range(FEEDS):
            server.set_route(
                f"/bomb-{n}.feed",
                Fixed(200, bomb, RSS_TYPE, {"Content-Encoding": "gzip"}),
            )
            server.serve_feed(f"/plain-{n}.feed", snapshot)
        bomb_urls = [server.url(f"/bomb-{n}.feed") for n in range(FEEDS)]
        plain_urls = [server.url(f"/plain-{n}.feed") for n in range(FEEDS)]
        for run in range(args.runs):
            base_mb, base_s, _ = poll_once(plain_urls)
            bomb_mb, bomb_s, output = poll_once(bomb_urls)
            refused = sum(": error: body larger than" in line for line in output.splitlines())
            baselines.append(base_mb)
            bombs.append(bomb_mb)
            print(
                f"run {run + 1}: bombs peak {bomb_mb:.1f} MB in {bomb_s:.1f} s, "
                f"baseline peak {base_mb:.1f} MB in {base_s:.1f} s, "
                f"ratio {bomb_mb / base_mb:.2f}; {refused}/{FEEDS} reported too large"
            )
            if refused != FEEDS:
                print("  output: " + " | ".join(output.strip().splitlines()[-FEEDS:]))
    bomb_median = statistics.median(bombs)
    base_median = statistics.median(baselines)
    verdict = "under" if bomb_median < TARGET_MB else "OVER"
    print(
        f"median of {args.runs}: bombs peak {bomb_median:.1f} MB, baseline "
        f"{base_median:.1f} MB, ratio {bomb_median / base_median:.2f} "
        f"({verdict} the {TARGET_MB} MB target)"
    )


if __name__ == "__main__":
    main()
