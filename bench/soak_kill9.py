"""Crash soak: `kill -9` during a real digest fan-out, then a restart; nothing lost.

Run: .venv/bin/python bench/soak_kill9.py [--runs 20] [--seed S] [--double-kill-share 0.25]
(or `make soak`).

Each run builds a fresh store with 60-150 subscribers (private chats and groups, in
several time zones, each following some of the watchlists, digest time a few minutes
ago in their own zone, subscribed days ago), so that their daily digests are due now. A
loopback feed server serves articles matching the watchlists; `caci-watch poll --once`
stores them first, because the running bot starts its first poll and its first digest
tick at the same moment. Then `caci-watch run` (a real process, with the fake Telegram
Bot API from tests/, which enforces Telegram's 30 messages a second and here answers
sendMessage after 20 ms, as a distant server would) makes the digests with its own
scheduler and drains them through its outbox, and is killed with SIGKILL at a random
moment: a fifth of the kills in its start-up (half of those, while there is none yet,
inside the digest tick after a random number of chats got their digest queued; the
others at a uniformly random time before the first message), the others at a
uniformly random message of what is left of the fan-out, plus a random offset within
the gap to the next message (so the message is in flight, answered but not yet recorded
as sent, or recorded). Some runs kill the restarted process a second time. The last
restart runs until every subscriber has their digest, and is stopped with SIGTERM.

Checked per run: every digest part the bot made reached its chat (0 lost), every
subscriber got a digest naming each article on their lists, at most the messages in
flight repeated per kill (``MAX_IN_FLIGHT``, 4; messages counted per chat and text), and
the SIGTERM stop exits 0 within 10 s with `status=stopped` as its last event. Prints one
line per run and a summary (with the runs that repeated more than one message per kill,
as one in flight at a time never did); exits 1 if the target (every run: 0 lost,
duplicates <= kills x MAX_IN_FLIGHT, clean stop) is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import digests  # noqa: E402
from bot.app.config import load_config  # noqa: E402
from bot.app.service import build_service  # noqa: E402
from bot.delivery.outbox import MAX_IN_FLIGHT  # noqa: E402
from bot.storage import open_store  # noqa: E402
from tests.bot_harness import TOKEN  # noqa: E402
from tests.factories import rss  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.feed_server import FeedServer  # noqa: E402
from tests.watchlist_copy import copy_watchlists  # noqa: E402

WATCHLISTS = {
    "Middle Corridor": "rail freight on the Middle Corridor",
    "TRIPP": "the Trump Route for International Peace and Prosperity (TRIPP)",
    "Abraham Accords": "Baku and the Abraham Accords",
}
ARTICLES_PER_LIST = 7
ZONES = (
    "UTC",
    "Europe/Berlin",
    "Asia/Tbilisi",
    "Asia/Baku",
    "Asia/Almaty",
    "America/New_York",
    "Asia/Tokyo",
    "Pacific/Auckland",
)
GROUP_SHARE = 0.25
# The bot's pacer sends at most 29 messages a second: a kill aimed at a message lands
# somewhere in the gap before the next one.
PACE = 29.0
STOP_DEADLINE = 10.0
FAN_OUT_TIMEOUT = 180.0


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    watchlist: str


@dataclass
class Kill:
    after_s: float  # since the process was started
    planned: str  # "start+0.83s" or "msg 41/137"
    digests_made: int = 0  # digest records in the store when it died
    sent_recorded: int = 0  # outbox rows marked sent when it died
    received: int = 0  # distinct messages the fake had accepted


@dataclass
class RunResult:
    index: int
    chats: int
    groups: int
    expected: int = 0
    lost: int = 0
    missing_digests: int = 0
    content_errors: int = 0
    unexpected: int = 0
    duplicates: int = 0
    too_many_requests: int = 0
    stop_code: int | None = None
    stop_seconds: float = 0.0
    stopped_last: bool = False
    seconds: float = 0.0
    kills: list[Kill] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument(
        "--double-kill-share",
        type=float,
        default=0.25,
        help="share of runs whose restarted process is killed a second time",
    )
    parser.add_argument(
        "--early-share",
        type=float,
        default=0.2,
        help="share of kills aimed at the start-up (before the first message) rather than"
        " at a message of the drain",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.02,
        help="seconds the fake Bot API takes to answer sendMessage (a message is in flight"
        " meanwhile)",
    )
    parser.add_argument("--keep", action="store_true", help="keep every run's directory")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    print(f"soak kill -9: {args.runs} runs, seed {seed}", flush=True)
    started = time.monotonic()
    results: list[RunResult] = []
    startup = Startup()
    for i in range(1, args.runs + 1):
        kills = 2 if rng.random() < args.double_kill_share else 1
        work = Path(tempfile.mkdtemp(prefix=f"soak-kill9-{i:02d}-"))
        result = one_run(
            i,
            rng,
            kills=kills,
            early_share=args.early_share,
            latency=args.latency,
            work=work,
            startup=startup,
        )
        results.append(result)
        print(run_line(result), flush=True)
        if result.ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"    kept {work}", flush=True)
    print_summary(results, time.monotonic() - started)
    return 0 if all(r.ok for r in results) else 1


class Startup:
    """How long a fresh process takes to its first sendMessage, learnt across runs."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    @property
    def estimate(self) -> float:
        return statistics.median(self.samples) if self.samples else 2.0


# -- one run -------------------------------------------------------------------------


def one_run(
    index: int,
    rng: random.Random,
    *,
    kills: int,
    early_share: float,
    latency: float,
    work: Path,
    startup: Startup,
) -> RunResult:
    t0 = time.monotonic()
    now = datetime.now(UTC)
    items = articles(now)
    with FeedServer() as feeds, FakeTelegram(token=TOKEN) as fake:
        fake.delay("sendMessage", latency)
        feeds.serve_feed(
            "/analytical.feed",
            rss([(i.guid, i.title, body(i), now - timedelta(hours=3)) for i in items]),
        )
        config = write_config(work, feeds.url("/analytical.feed"), fake.api_url)
        db = work / "store" / "bot.sqlite3"
        follows = make_subscribers(db, rng, now)
        groups = sum(1 for c in follows if c < 0)
        result = RunResult(index, chats=len(follows), groups=groups)

        poll = subprocess.run(
            bot_command(config, "poll", "--once"),
            env=bot_env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if poll.returncode != 0:
            result.problems.append(f"poll --once exited {poll.returncode}: {poll.stderr[-500:]}")
            return result
        # The store keeps whole seconds and a digest's window ends at its tick's second,
        # exclusive: a tick in the poll's own second would leave these articles to
        # tomorrow's digest (by design). A real fan-out comes later than that.
        time.sleep(1.0 - time.time() % 1.0 + 0.05)
        parts = dry_run_parts(config, db, work, follows)
        expected_total = sum(parts.values())

        for n in range(kills):
            proc = spawn(config, work / f"run{n}.log")
            spawned = time.monotonic()
            calls_before = len(fake.calls_to("sendMessage"))
            remaining = max(0, expected_total - len(received_keys(fake)))
            digests_made, _ = store_progress(db)
            early = remaining == 0 or rng.random() < early_share
            if early and digests_made == 0 and rng.random() < 0.5:
                # Inside the digest tick, which queues chat by chat (each chat's record
                # and messages in one transaction) and lasts only some tens of ms.
                d = rng.randint(1, len(follows) - 1)
                planned = f"tick {d}/{len(follows)}"
                if not wait_for_digests(db, d, FAN_OUT_TIMEOUT):
                    result.problems.append(f"kill {n + 1}: digest {d} never made")
            elif early:
                # While it starts: connecting to Telegram, the digest tick, or the
                # first message.
                at = rng.uniform(0.0, startup.estimate)
                planned = f"start+{at:.2f}s"
                wait_for_sends(fake, calls_before + 1, at)
            else:
                k = rng.randint(1, remaining)
                planned = f"msg {k}/{remaining}"
                if not wait_for_sends(fake, calls_before + k, FAN_OUT_TIMEOUT):
                    result.problems.append(f"kill {n + 1}: message {k} never came")
                # Anywhere in the gap to the next message: in flight, answered but not
                # yet recorded as sent, or recorded.
                time.sleep(rng.uniform(0.0, 1.0 / PACE))
            first = fake.calls_to("sendMessage")[calls_before:][:1]
            if first and n == 0:
                # The fake stamps calls with time.monotonic(), as `spawned` is.
                startup.samples.append(first[0].at - spawned)
            proc.kill()
            proc.wait(timeout=10)
            kill = Kill(after_s=time.monotonic() - spawned, planned=planned)
            kill.digests_made, kill.sent_recorded = store_progress(db)
            kill.received = len(received_keys(fake))
            result.kills.append(kill)

        proc = spawn(config, work / "final.log")
        done = fake.wait_for(lambda: fan_out_complete(fake, parts), FAN_OUT_TIMEOUT)
        # The dry run only estimates the parts; the bot's own outbox says when it is done.
        done = done and store_settled(db, len(follows), FAN_OUT_TIMEOUT)
        if not done:
            result.problems.append(f"fan-out not complete after {FAN_OUT_TIMEOUT:g} s")
        stop_started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            result.stop_code = proc.wait(timeout=STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        result.stop_seconds = time.monotonic() - stop_started
        result.stopped_last = last_event_is_stopped(work / "final.log")
        result.too_many_requests = fake.too_many_requests
        verify(result, fake, db, follows, items)
    result.seconds = time.monotonic() - t0
    return result


def articles(now: datetime) -> list[Item]:
    stamp = now.strftime("%H%M%S")
    out = []
    for name, subject in WATCHLISTS.items():
        for n in range(1, ARTICLES_PER_LIST + 1):
            tag = name.split()[0].lower()
            out.append(Item(f"{tag}-{stamp}-{n}", f"Soak {tag} {n}: {subject}", name))
    return out


def body(item: Item) -> str:
    subject = WATCHLISTS[item.watchlist]
    return (
        f"<p>An analysis of {subject}, number {item.guid}. "
        "Officials in Baku, Yerevan, Tbilisi and Astana weighed the costs of transit, "
        "the customs regimes at each border and the ferries across the Caspian Sea, "
        f"while analysts argued about what {subject} means for the region's trade, "
        "its security and its relations with Moscow, Ankara, Beijing and Washington.</p>"
    )


def write_config(work: Path, feed_url: str, api_url: str) -> Path:
    config = work / "config.toml"
    lists = work / "watchlists"
    if not lists.exists():
        copy_watchlists(lists)
    config.write_text(
        f'[feeds]\nurls = ["{feed_url}"]\n'
        f'[store]\npath = "{work}/store/bot.sqlite3"\n'
        f'[watchlists]\ndir = "{lists}"\n'
        '[digest]\nempty = "send"\n'
        f'[telegram]\napi_url = "{api_url}"\n'
        '[logging]\nlevel = "INFO"\n'
    )
    return config


def make_subscribers(db: Path, rng: random.Random, now: datetime) -> dict[int, tuple[str, ...]]:
    """Subscribers whose digest is due now: digest time a few minutes ago in their zone,
    subscribed two days ago (a digest is owed only for days after subscribing)."""
    names = list(WATCHLISTS)
    count = rng.randint(60, 150)
    follows: dict[int, tuple[str, ...]] = {}
    store = open_store(db)
    try:
        with store.transaction():
            for n in range(1, count + 1):
                group = rng.random() < GROUP_SHARE
                chat_id = -(1_000_000_000_000 + n) if group else 10_000 + n
                tz = rng.choice(ZONES)
                local = now.astimezone(ZoneInfo(tz)) - timedelta(minutes=rng.randint(1, 10))
                store.chats.ensure(
                    chat_id,
                    kind="supergroup" if group else "private",
                    title=f"Soak group {n}" if group else "",
                    timezone=tz,
                    digest_time=local.strftime("%H:%M"),
                    now=now - timedelta(days=2),
                )
                store.chats.update_settings(chat_id, now - timedelta(days=2), mode="daily")
                lists = tuple(sorted(rng.sample(names, rng.randint(1, len(names)))))
                for name in lists:
                    store.chats.subscribe(chat_id, name, now - timedelta(days=2))
                follows[chat_id] = lists
    finally:
        store.close()
    return follows


def dry_run_parts(
    config: Path, db: Path, work: Path, follows: dict[int, tuple[str, ...]]
) -> dict[int, int]:
    """How many messages each chat's digest has: the digest tick run on a copy of the
    store. Used only to know when the fan-out is over and where to aim the kills; the
    verdict compares what Telegram got with what the real run queued."""
    copy = work / "dry" / "bot.sqlite3"
    copy.parent.mkdir()
    for suffix in ("", "-wal"):
        if db.with_name(db.name + suffix).exists():
            shutil.copy(db.with_name(db.name + suffix), copy.with_name(copy.name + suffix))
    cfg = load_config(config)
    cfg = dataclasses.replace(cfg, store=dataclasses.replace(cfg.store, path=copy))
    service = build_service(cfg)
    try:
        digests.digest_tick(service, datetime.now(UTC))
        return {chat: service.store.outbox.pending_count(chat) for chat in follows}
    finally:
        service.close()


def bot_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CACI_WATCH_TOKEN", "CREDENTIALS_DIRECTORY", "CACI_WATCH_CONFIG")
    }
    return {**env, "CACI_WATCH_TOKEN": TOKEN}


def bot_command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bot", "--config", str(config), *args]


def spawn(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as stderr:
        return subprocess.Popen(
            bot_command(config, "run"),
            env=bot_env(),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def wait_for_sends(fake: FakeTelegram, count: int, timeout: float) -> bool:
    """Until ``count`` sendMessage requests have arrived (counted on arrival, before the
    answer, so the last one may still be in flight)."""
    return fake.wait_for(lambda: len(fake.calls_to("sendMessage")) >= count, timeout)


def received_keys(fake: FakeTelegram) -> set[tuple[int, str | None]]:
    return {(m.chat_id, m.html) for m in fake.sent}


def fan_out_complete(fake: FakeTelegram, parts: dict[int, int]) -> bool:
    got = Counter(chat for chat, _ in received_keys(fake))
    return all(got[chat] >= n for chat, n in parts.items())


def store_progress(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    try:
        digests = conn.execute("SELECT COUNT(*) FROM digests").fetchone()[0]
        sent = conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'sent'").fetchone()[0]
    finally:
        conn.close()
    return int(digests), int(sent)


def wait_for_digests(db: Path, count: int, timeout: float) -> bool:
    """Until the running bot has recorded ``count`` digests; polled as fast as a query
    goes, since the whole tick takes tens of milliseconds."""
    conn = sqlite3.connect(db, timeout=5)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if conn.execute("SELECT COUNT(*) FROM digests").fetchone()[0] >= count:
                return True
            time.sleep(0.0005)
        return False
    finally:
        conn.close()


def store_settled(db: Path, chats: int, timeout: float) -> bool:
    """Until every chat has its digest record and nothing is pending (read while the bot
    runs, which WAL allows)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = sqlite3.connect(db, timeout=5)
        try:
            digests = conn.execute("SELECT COUNT(*) FROM digests").fetchone()[0]
            pending = conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE state = 'pending'"
            ).fetchone()[0]
        finally:
            conn.close()
        if digests >= chats and pending == 0:
            return True
        time.sleep(0.1)
    return False


def last_event_is_stopped(log: Path) -> bool:
    events = [line for line in log.read_text().splitlines() if line.startswith("ts=")]
    return bool(events) and "status=stopped" in events[-1]


def verify(
    result: RunResult,
    fake: FakeTelegram,
    db: Path,
    follows: dict[int, tuple[str, ...]],
    items: list[Item],
) -> None:
    conn = sqlite3.connect(db)
    try:
        queued = conn.execute(
            "SELECT chat_id, text, state FROM outbox WHERE kind = 'digest'"
        ).fetchall()
        with_digest = {r[0] for r in conn.execute("SELECT chat_id FROM digests")}
    finally:
        conn.close()
    expected = {(int(chat), str(text)) for chat, text, _ in queued}
    received = Counter((m.chat_id, m.html) for m in fake.sent)
    result.expected = len(expected)
    result.lost = sum(1 for key in expected if received[key] == 0)
    result.missing_digests = len(set(follows) - with_digest)
    result.unexpected = sum(1 for key in received if key not in expected)
    result.duplicates = sum(n - 1 for n in received.values() if n > 1)
    # Each digest names every article on the chat's lists: the poll came before it.
    text_of: dict[int, str] = {}
    for m in fake.sent:
        text_of[m.chat_id] = text_of.get(m.chat_id, "") + "\n" + m.text
    for chat, lists in follows.items():
        wanted = [i.title for i in items if i.watchlist in lists]
        if any(title not in text_of.get(chat, "") for title in wanted):
            result.content_errors += 1

    kills = len(result.kills)
    if result.lost:
        result.problems.append(f"{result.lost} lost")
    if result.missing_digests:
        result.problems.append(f"{result.missing_digests} subscribers without a digest")
    if result.content_errors:
        result.problems.append(f"{result.content_errors} digests missing an article")
    if result.unexpected:
        result.problems.append(f"{result.unexpected} unexpected messages")
    if result.duplicates > kills * MAX_IN_FLIGHT:
        result.problems.append(f"{result.duplicates} duplicates for {kills} kills")
    if result.stop_code != 0:
        result.problems.append(f"SIGTERM stop exited {result.stop_code}")
    if not result.stopped_last:
        result.problems.append("status=stopped is not the last event")


# -- output ----------------------------------------------------------------------------


def run_line(r: RunResult) -> str:
    kills = "; ".join(
        f"kill@{k.planned} ({k.after_s:.2f}s: digests {k.digests_made}/{r.chats},"
        f" sent {k.sent_recorded}, at fake {k.received})"
        for k in r.kills
    )
    verdict = "ok" if r.ok else "FAIL: " + ", ".join(r.problems)
    return (
        f"run {r.index:2d}: {r.chats:3d} chats ({r.groups:2d} groups) {r.expected:3d} msgs |"
        f" {kills} | lost {r.lost} dup {r.duplicates} 429s {r.too_many_requests}"
        f" | stop exit {r.stop_code} in {r.stop_seconds:.2f}s | {r.seconds:.1f}s | {verdict}"
    )


def print_summary(results: list[RunResult], total: float) -> None:
    kills = [k for r in results for k in r.kills]
    early = sum(1 for k in kills if not k.planned.startswith("msg"))
    before_tick = sum(1 for k in kills if k.digests_made == 0)
    mid_tick = sum(1 for r in results for k in r.kills if 0 < k.digests_made < r.chats)
    rows = [
        ("runs", f"{len(results)} ({sum(r.ok for r in results)} ok)"),
        (
            "kills",
            f"{len(kills)} ({early} aimed at start-up: {before_tick} before the digest tick,"
            f" {mid_tick} during it)",
        ),
        ("subscribers", str(sum(r.chats for r in results))),
        ("messages expected", str(sum(r.expected for r in results))),
        ("lost", str(sum(r.lost for r in results))),
        ("subscribers without digest", str(sum(r.missing_digests for r in results))),
        (
            "duplicates max/run, total",
            f"{max((r.duplicates for r in results), default=0)},"
            f" {sum(r.duplicates for r in results)}",
        ),
        (
            "duplicates per kill, max",
            f"{max((r.duplicates / max(1, len(r.kills)) for r in results), default=0):.2f}",
        ),
        (
            "runs with more than one per kill",
            str(sum(r.duplicates > len(r.kills) for r in results)),
        ),
        ("429 answers", str(sum(r.too_many_requests for r in results))),
        ("SIGTERM exit 0", f"{sum(r.stop_code == 0 for r in results)}/{len(results)}"),
        (
            "SIGTERM stop, max",
            f"{max((r.stop_seconds for r in results), default=0):.2f} s",
        ),
        (
            "time per run, median",
            f"{statistics.median(r.seconds for r in results):.1f} s" if results else "-",
        ),
        ("total", f"{total:.0f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    target = all(r.ok for r in results)
    print(
        f"target (0 lost, <= {MAX_IN_FLIGHT} duplicates per kill, the messages in flight;"
        f" clean stop): {'met' if target else 'MISSED'}"
    )


if __name__ == "__main__":
    sys.exit(main())
