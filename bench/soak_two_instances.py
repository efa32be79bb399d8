"""Two-instance soak: two `caci-watch run` on one store, the active one killed with
`kill -9` several times during a digest fan-out; nothing lost, nothing sent by two.

Run: .venv/bin/python bench/soak_two_instances.py [--runs 6] [--kills 3] [--seed S]
     [--hosts both|same|separate] (or `make soak`, after the kill -9 soak).

Each run builds a fresh store with 60-150 subscribers whose daily digests are due now
and a loopback feed with articles on their lists, like bench/soak_kill9.py (whose set-up
it reuses), and `caci-watch poll --once` stores the articles. Then one `caci-watch run`
starts and takes the sender lease; a second one starts and stands by. The active one
makes the digests and drains them to the fake Bot API (which answers sendMessage after
``--latency`` seconds, so the fan-out lasts a while); it is killed with SIGKILL at a
random message of what is left, while that message is in flight or just answered. The
standby takes over; once it has, a new process is started to stand by in turn, and the
new active one is killed again, ``--kills`` times in all. At the end the active one is
stopped with SIGTERM (the standby must take over at once, without waiting for the lease
to run out), then the last one.

``--hosts separate`` runs every process under a host name of its own (a UTS namespace;
needs root and unshare), so that, as across machines, a standby cannot see that the
holder's process is gone and waits for its lease to expire (15 s); ``same`` runs them
all on this machine, where a standby sees it at once; ``both`` (the default, when
namespaces work) alternates.

Checked per run: every digest part the bot made reached its chat (0 lost), at most the
messages in flight (``MAX_IN_FLIGHT``) repeated per kill, no message from two processes
at once (each process's sendMessage and getUpdates requests form one unbroken run, as
the fake sees them: no standby sending or polling, no 409 Conflict), the takeover after
each kill within 30 s (from the kill to the new active one's first message), and clean
SIGTERM stops. Prints one line
per run and a summary with the takeover times (max and median); exits 1 if the target
is missed.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.soak_kill9 import (  # noqa: E402
    FAN_OUT_TIMEOUT,
    PACE,
    articles,
    body,
    bot_command,
    bot_env,
    dry_run_parts,
    fan_out_complete,
    make_subscribers,
    received_keys,
    store_settled,
    write_config,
)
from bot.delivery.outbox import MAX_IN_FLIGHT  # noqa: E402
from tests.bot_harness import TOKEN  # noqa: E402
from tests.factories import rss  # noqa: E402
from tests.feed_server import FeedServer  # noqa: E402
from tests.two_instances import (  # noqa: E402
    Instance,
    WatchedTelegram,
    blocks,
    other_hosts_work,
)

# The promise: a standby takes over within 30 s of the active one dying.
TAKEOVER_TARGET = 30.0
LEADERSHIP = "logger=bot.runtime.leadership status="
WAIT = 90.0


@dataclass
class Kill:
    planned: str  # "msg 12/140": the 12th message of the 140 left
    reason: str = ""  # how the standby took over: holder_gone, expired
    lease_s: float | None = None  # kill -> the standby's "status=active"
    resumed_s: float | None = None  # kill -> the new active one's first message


@dataclass
class RunResult:
    index: int
    hosts: str
    chats: int
    expected: int = 0
    lost: int = 0
    missing_digests: int = 0
    unexpected: int = 0
    duplicates: int = 0
    overlaps: int = 0  # extra runs of requests: two processes taking turns
    conflicts: int = 0
    handover_s: float | None = None  # SIGTERM to the active -> the standby active
    stop_codes: list[int] = field(default_factory=list)
    seconds: float = 0.0
    kills: list[Kill] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def takeovers(self) -> list[float]:
        return [k.resumed_s if k.resumed_s is not None else k.lease_s or 0.0 for k in self.kills]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--kills", type=int, default=3, help="kill -9s per run")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument(
        "--hosts",
        choices=("both", "same", "separate"),
        default="both",
        help="run the instances as on one machine, on separate ones, or alternate",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.05,
        help="seconds the fake Bot API takes to answer sendMessage (one message is in"
        " flight at a time, so this sets the fan-out's length)",
    )
    parser.add_argument("--keep", action="store_true", help="keep every run's directory")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    modes = ["same", "separate"] if args.hosts == "both" else [args.hosts]
    if "separate" in modes and not other_hosts_work():
        print("separate hosts need root and unshare -u: running all on this machine")
        modes = ["same"]
    print(
        f"soak two instances: {args.runs} runs x {args.kills} kills, hosts {'/'.join(modes)},"
        f" seed {seed}",
        flush=True,
    )
    started = time.monotonic()
    results: list[RunResult] = []
    for i in range(1, args.runs + 1):
        work = Path(tempfile.mkdtemp(prefix=f"soak-two-{i:02d}-"))
        result = one_run(
            i,
            rng,
            kills=args.kills,
            hosts=modes[(i - 1) % len(modes)],
            latency=args.latency,
            work=work,
        )
        results.append(result)
        print(run_line(result), flush=True)
        if result.ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"    kept {work}", flush=True)
    print_summary(results, time.monotonic() - started)
    return 0 if all(r.ok for r in results) else 1


def host_names(hosts: str) -> Iterator[str | None]:
    if hosts == "same":
        return itertools.repeat(None)
    return (f"soak-host-{n}" for n in itertools.count(1))


def one_run(
    index: int, rng: random.Random, *, kills: int, hosts: str, latency: float, work: Path
) -> RunResult:
    t0 = time.monotonic()
    now = datetime.now(UTC)
    items = articles(now)
    instances: list[Instance] = []
    with FeedServer() as feeds, WatchedTelegram(token=TOKEN) as fake:
        fake.delay("sendMessage", latency)
        feeds.serve_feed(
            "/analytical.feed",
            rss([(i.guid, i.title, body(i), now - timedelta(hours=3)) for i in items]),
        )
        config = write_config(work, feeds.url("/analytical.feed"), fake.api_url)
        db = work / "store" / "bot.sqlite3"
        follows = make_subscribers(db, rng, now)
        result = RunResult(index, hosts, chats=len(follows))
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
        # As in soak_kill9: a digest tick in the poll's own second would leave these
        # articles to tomorrow's digest.
        time.sleep(1.0 - time.time() % 1.0 + 0.05)
        parts = dry_run_parts(config, db, work, follows)
        expected_total = sum(parts.values())
        names = host_names(hosts)

        def spawn() -> Instance:
            n = len(instances) + 1
            instance = Instance(config, host=next(names), log=work / f"instance{n}.log")
            fake.watch(instance.pid)
            instances.append(instance)
            return instance

        try:
            active = spawn()
            if not active.wait_for_line(LEADERSHIP + "active", timeout=WAIT):
                result.problems.append("the first instance never became active")
                return result
            standby = spawn()
            if not standby.wait_for_line(LEADERSHIP + "standby", timeout=WAIT):
                result.problems.append("the second instance never stood by")
                return result
            for n in range(kills):
                remaining = expected_total - len(received_keys(fake))
                if remaining <= 1:
                    result.problems.append(f"fan-out over before kill {n + 1}: aim later")
                    break
                # Early enough in what is left that the later kills still find a fan-out.
                k = rng.randint(1, max(1, remaining // (kills - n + 1)))
                kill = Kill(planned=f"msg {k}/{remaining}")
                sent = len(fake.requests_from(active.pid, "sendMessage"))
                if not fake.wait_for(
                    lambda a=active, s=sent + k: len(fake.requests_from(a.pid, "sendMessage")) >= s,
                    FAN_OUT_TIMEOUT,
                ):
                    result.problems.append(f"kill {n + 1}: message {k} never came")
                # In flight, answered but not yet recorded, or recorded.
                time.sleep(rng.uniform(0.0, latency + 1.0 / PACE))
                active.kill()
                killed_at = time.monotonic()
                result.kills.append(kill)
                line = standby.wait_for_line(LEADERSHIP + "active", timeout=WAIT)
                if line is None:
                    result.problems.append(f"kill {n + 1}: the standby never took over")
                    return result
                kill.reason = line.split("reason=")[1].split()[0] if "reason=" in line else "?"
                kill.lease_s = (standby.when(LEADERSHIP + "active") or killed_at) - killed_at
                if fake.wait_for(
                    lambda s=standby: bool(fake.requests_from(s.pid, "sendMessage")), WAIT
                ):
                    first = fake.requests_from(standby.pid, "sendMessage")[0]
                    kill.resumed_s = first.at - killed_at
                active, standby = standby, spawn()
                if not standby.wait_for_line(LEADERSHIP + "standby", timeout=WAIT):
                    result.problems.append(f"kill {n + 1}: the new instance never stood by")
                    return result

            done = fake.wait_for(lambda: fan_out_complete(fake, parts), FAN_OUT_TIMEOUT)
            done = done and store_settled(db, len(follows), FAN_OUT_TIMEOUT)
            if not done:
                result.problems.append(f"fan-out not complete after {FAN_OUT_TIMEOUT:g} s")
            stopped_at = time.monotonic()
            result.stop_codes.append(active.terminate())
            if standby.wait_for_line(LEADERSHIP + "active", timeout=WAIT):
                result.handover_s = (standby.when(LEADERSHIP + "active") or 0.0) - stopped_at
            result.stop_codes.append(standby.terminate())
            verify(result, fake, db, follows, instances)
        finally:
            for instance in instances:
                instance.__exit__()
    result.seconds = time.monotonic() - t0
    return result


def verify(
    result: RunResult,
    fake: WatchedTelegram,
    db: Path,
    follows: dict[int, tuple[str, ...]],
    instances: list[Instance],
) -> None:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        queued = conn.execute("SELECT chat_id, text FROM outbox WHERE kind = 'digest'").fetchall()
        with_digest = {r[0] for r in conn.execute("SELECT chat_id FROM digests")}
    finally:
        conn.close()
    expected = {(int(chat), str(text)) for chat, text in queued}
    received = Counter((m.chat_id, m.html) for m in fake.sent)
    result.expected = len(expected)
    result.lost = sum(1 for key in expected if received[key] == 0)
    result.missing_digests = len(set(follows) - with_digest)
    result.unexpected = sum(1 for key in received if key not in expected)
    result.duplicates = sum(n - 1 for n in received.values() if n > 1)
    for method in ("sendMessage", "getUpdates"):
        runs = blocks([r.pid for r in fake.requests(method)])
        result.overlaps += len(runs) - len(set(runs))
    strangers = [r for r in fake.requests() if r.pid is None]
    result.conflicts = sum(len(i.lines_with("Conflict")) for i in instances)

    kills = len(result.kills)
    if result.lost:
        result.problems.append(f"{result.lost} lost")
    if result.missing_digests:
        result.problems.append(f"{result.missing_digests} subscribers without a digest")
    if result.unexpected:
        result.problems.append(f"{result.unexpected} unexpected messages")
    if result.duplicates > kills * MAX_IN_FLIGHT:
        result.problems.append(f"{result.duplicates} duplicates for {kills} kills")
    if result.overlaps:
        result.problems.append(f"two processes took turns {result.overlaps} time(s)")
    if strangers:
        result.problems.append(f"{len(strangers)} requests from no instance")
    if result.conflicts:
        result.problems.append(f"{result.conflicts} 409 Conflict(s)")
    slow = [t for t in result.takeovers if t > TAKEOVER_TARGET]
    if slow:
        result.problems.append(f"takeover over {TAKEOVER_TARGET:g} s: {max(slow):.1f} s")
    if result.handover_s is None:
        result.problems.append("no handover after SIGTERM")
    if any(code != 0 for code in result.stop_codes):
        result.problems.append(f"SIGTERM stops exited {result.stop_codes}")


# -- output ----------------------------------------------------------------------------


def run_line(r: RunResult) -> str:
    kills = "; ".join(
        f"kill@{k.planned} {k.reason} lease {_s(k.lease_s)} resumed {_s(k.resumed_s)}"
        for k in r.kills
    )
    verdict = "ok" if r.ok else "FAIL: " + ", ".join(r.problems)
    return (
        f"run {r.index:2d} ({r.hosts}): {r.chats:3d} chats {r.expected:3d} msgs | {kills} |"
        f" lost {r.lost} dup {r.duplicates} overlaps {r.overlaps} 409s {r.conflicts}"
        f" | SIGTERM handover {_s(r.handover_s)} | {r.seconds:.0f}s | {verdict}"
    )


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}s"


def _spread(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return f"max {max(values):.1f} s, median {statistics.median(values):.1f} s (n={len(values)})"


def print_summary(results: list[RunResult], total: float) -> None:
    kills = sum(len(r.kills) for r in results)
    rows = [
        ("runs", f"{len(results)} ({sum(r.ok for r in results)} ok)"),
        ("kills", str(kills)),
        ("messages expected", str(sum(r.expected for r in results))),
        ("lost", str(sum(r.lost for r in results))),
        (
            "duplicates total, max per kill",
            f"{sum(r.duplicates for r in results)},"
            f" {max((r.duplicates / max(1, len(r.kills)) for r in results), default=0):.2f}",
        ),
        ("two senders/pollers at once", str(sum(r.overlaps for r in results))),
        ("409 Conflicts", str(sum(r.conflicts for r in results))),
    ]
    for hosts, label in (("same", "one machine"), ("separate", "separate machines")):
        mine = [r for r in results if r.hosts == hosts]
        if not mine:
            continue
        rows.append(
            (f"takeover after kill -9, {label}", _spread([t for r in mine for t in r.takeovers]))
        )
        rows.append(
            (
                f"  lease taken, {label}",
                _spread([k.lease_s for r in mine for k in r.kills if k.lease_s is not None]),
            )
        )
    rows.append(
        (
            "handover after SIGTERM",
            _spread([r.handover_s for r in results if r.handover_s is not None]),
        )
    )
    rows.append(("total", f"{total:.0f} s"))
    width = max(len(k) for k, _ in rows)
    print()
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    target = all(r.ok for r in results)
    print(
        f"target (0 lost, <= {MAX_IN_FLIGHT} duplicates per kill, one sender at a time,"
        " takeover <= 30 s,"
        f" clean stops): {'met' if target else 'MISSED'}"
    )


if __name__ == "__main__":
    sys.exit(main())
