"""Benchmark: fan-out through the outbox against a strict fake Bot API, next to baselines.

Run: .venv/bin/python bench/bench_fanout.py [--runs 3] [--latency 0.05] [--messages 1000]

The real bot (BotRunner: PTB, httpx, the outbox drain, its pacer, SQLite, the log lines
of `run`, written to /dev/null) talks to the fake Telegram Bot API from tests/ in its
strict mode: 429 with retry_after past 30 messages in any second overall, past one a
second per private chat (after a burst of three) or 20 a minute per group. The fake
answers sendMessage after ``--latency`` seconds, as Telegram does over the internet.
Two fan-outs, each ``--messages`` long, queued straight into the outbox:

- alerts: one alert each to as many private chats;
- mix: a tenth to 10-message groups (queued first, so that their 20 a minute does not
  set the time), a fifth as 4-message runs to private chats, the rest one each.

Each is delivered by the drain as it ships (several chats at once, in bursts of
``GLOBAL_BURST`` (one today) a window apart, each through ``Bot.do_api_request`` with no
Message built from the answer, over the bot's own request, ``bot.telegram.api_request``)
and, as the baseline in the same run, with one message in flight; then a bare PTB loop
(``bot.send_message`` per chat with PTB's own ``HTTPXRequest``, one started every
1/28.8 s) sends the alerts. The machine this runs on may be shared: CPU per message grows
with the load (a send alone every 35 ms runs on a cold interpreter, about twice the CPU
of sends back to back), so compare figures from one run only. ``--only WORD`` runs only
the modes whose name holds WORD. Printed per mode, medians of ``--runs``:

- the rate the fake accepted, from its first message to its last, as a share of 30/s;
- CPU per message of the thread that runs the bot (the event loop, where PTB, httpcore,
  SQLite and the pacer all run; the fake's own threads are not counted);
- 429s, messages lost or repeated, and chats whose messages arrived out of order.

The fake counts a send against its 30 a second when it handles it, after the answer's
delay, in a thread of this process: on a busy machine a thread that wakes some tens of
milliseconds late lands its send among the next thirty, and that is a 429 (in a run that
met one, the requests as they arrived never held 31 in a second).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import statistics
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot, LinkPreviewOptions  # noqa: E402

from bot.delivery import outbox  # noqa: E402
from bot.delivery.pacing import GLOBAL_PER_SECOND, Pacer  # noqa: E402
from bot.domain.models import OutgoingMessage  # noqa: E402
from bot.runtime.logs import setup_logging  # noqa: E402
from tests.bot_harness import TOKEN, BotUnderTest, Clock, make_config  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
TELEGRAM = 30.0
default_in_flight = outbox.MAX_IN_FLIGHT
# An alert as the bot words it: a linked title, the matched list, a snippet.
ALERT = (
    '<b>TRIPP</b> · <a href="https://www.cacianalyst.org/publications/analytical-articles/'
    'item/13850-iran-watches-the-new-route.html">Iran Watches the New Route</a>\n'
    "<i>Tehran objects to the <b>Trump Route for International Peace and Prosperity</b>, "
    "which it sees as a threat to its border with Armenia and to its transit trade with "
    "the South Caucasus.</i>\nmatched: Trump Route · TRIPP"
)


@dataclass
class Outcome:
    share: float  # of Telegram's 30 messages a second
    cpu_ms: float  # per message, the bot's thread
    too_many: int
    lost: int
    repeated: int
    out_of_order: int


def thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def alerts(n: int) -> list[tuple[int, int]]:
    """(chat, its message number) in the order queued."""
    return [(chat, 1) for chat in range(1, n + 1)]


def mix(n: int) -> list[tuple[int, int]]:
    groups = [(-1_000_000 - g, k) for g in range(n // 100) for k in range(1, 11)]
    runs = [(100_000 + c, k) for c in range(n // 20) for k in range(1, 5)]
    singles = [(c, 1) for c in range(1, n - len(groups) - len(runs) + 1)]
    return groups + runs + singles


def text_of(chat: int, number: int) -> str:
    return f"{ALERT}\n#{chat}-{number}"


def outcome(fake: FakeTelegram, queued: Sequence[tuple[int, int]], cpu: float) -> Outcome:
    sent = fake.sent
    span = sent[-1].at - sent[0].at
    got: dict[int, list[str]] = defaultdict(list)
    for m in sent:
        got[m.chat_id].append((m.html or "").rsplit("#", 1)[-1])
    wanted: dict[int, list[str]] = defaultdict(list)
    for chat, number in queued:
        wanted[chat].append(f"{chat}-{number}")
    lost = sum(len(set(w) - set(got[c])) for c, w in wanted.items())
    repeated = len(sent) - sum(len(set(g)) for g in got.values())
    disordered = sum(1 for c, w in wanted.items() if list(dict.fromkeys(got[c])) != w)
    return Outcome(
        share=(len(sent) - 1) / span / TELEGRAM,
        cpu_ms=cpu * 1000 / len(queued),
        too_many=fake.too_many_requests,
        lost=lost,
        repeated=repeated,
        out_of_order=disordered,
    )


async def drain(
    fake: FakeTelegram, tmp: Path, queued: Sequence[tuple[int, int]], *, shipped: bool
) -> Outcome:
    config = make_config(tmp, api_url=fake.api_url, feed_urls=["http://127.0.0.1:9/none.feed"])
    # The baseline: one message in flight (as the drain was before).
    outbox.MAX_IN_FLIGHT = default_in_flight if shipped else 1
    async with BotUnderTest(config, fake, Clock(NOW), pacer=Pacer()) as b:
        b.store.outbox.enqueue(
            [
                OutgoingMessage(f"m:{chat}:{n}", chat, "alert", text_of(chat, n))
                for chat, n in queued
            ],
            NOW,
        )
        started = thread_cpu()
        b.runner.wake_outbox()
        done = await b.wait(lambda: len(fake.sent) >= len(queued), timeout=900)
        cpu = thread_cpu() - started
        await b.outbox_settled(timeout=30)
    if not done:
        raise SystemExit(f"only {len(fake.sent)} of {len(queued)} messages arrived")
    return outcome(fake, queued, cpu)


async def bare_ptb(fake: FakeTelegram, queued: Sequence[tuple[int, int]]) -> Outcome:
    """What a typical bot does: send_message for each chat with PTB's own Bot and request,
    a send started every 1/28.8 s (a sleep after each, so a late wake-up is never made up
    with a burst), not waiting for the one before: awaiting each in turn, a 50 ms answer
    would hold it to 20 a second, a pace at which a send costs another amount of CPU."""
    no_preview = LinkPreviewOptions(is_disabled=True)
    bot = Bot(TOKEN, base_url=f"{fake.api_url}/bot")
    async with bot:
        cpu_started = thread_cpu()
        sends = []
        for chat, n in queued:
            sends.append(
                asyncio.create_task(
                    bot.send_message(
                        chat, text_of(chat, n), parse_mode="HTML", link_preview_options=no_preview
                    )
                )
            )
            await asyncio.sleep(1 / GLOBAL_PER_SECOND)
        # A 429 (if any) is counted by the fake; the message is then lost, as it would be.
        await asyncio.gather(*sends, return_exceptions=True)
        cpu = thread_cpu() - cpu_started
    return outcome(fake, queued, cpu)


def once(latency: float, run: Callable[[FakeTelegram, Path], object]) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram(token=TOKEN, strict=True) as fake:
        fake.delay("sendMessage", latency)
        result = asyncio.run(run(fake, Path(tmp)))  # type: ignore[arg-type]
        assert isinstance(result, Outcome)
        return result


def line(name: str, results: list[Outcome]) -> str:
    def med(f: Callable[[Outcome], float]) -> float:
        return statistics.median(f(r) for r in results)

    return (
        f"{name:<44} {med(lambda r: r.share):.3f} of 30/s   "
        f"{med(lambda r: r.cpu_ms):.2f} ms CPU/msg   "
        f"429s {[r.too_many for r in results]}  lost {sum(r.lost for r in results)}  "
        f"repeated {sum(r.repeated for r in results)}  "
        f"out of order {sum(r.out_of_order for r in results)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds the fake takes to answer a send"
    )
    parser.add_argument("--only", default="", help="only the modes whose name holds this")
    args = parser.parse_args()
    # The log lines `run` writes, at its level, so that their cost is counted.
    setup_logging("INFO")
    logging.getLogger().handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    n = args.messages
    modes: dict[str, Callable[[FakeTelegram, Path], object]] = {
        f"alerts, {n} chats, drain as shipped": lambda f, t: drain(f, t, alerts(n), shipped=True),
        f"alerts, {n} chats, one in flight (baseline)": lambda f, t: drain(
            f, t, alerts(n), shipped=False
        ),
        f"alerts, {n} chats, bare PTB loop (baseline)": lambda f, _: bare_ptb(f, alerts(n)),
        "mix, drain as shipped": lambda f, t: drain(f, t, mix(n), shipped=True),
        "mix, one in flight (baseline)": lambda f, t: drain(f, t, mix(n), shipped=False),
    }
    modes = {name: mode for name, mode in modes.items() if args.only in name}
    print(
        f"fan-out of {n} messages, strict fake answering after {args.latency * 1000:.0f} ms, "
        f"{args.runs} interleaved runs; in flight as shipped: {default_in_flight}",
        flush=True,
    )
    results: dict[str, list[Outcome]] = {name: [] for name in modes}
    for run in range(args.runs):
        for name, mode in modes.items():
            r = once(args.latency, mode)
            results[name].append(r)
            print(f"  run {run + 1}: {line(name, [r])}", flush=True)
    print("medians:")
    for name, rs in results.items():
        print("  " + line(name, rs))
    shipped = results.get(f"alerts, {n} chats, drain as shipped")
    base = results.get(f"alerts, {n} chats, one in flight (baseline)")
    bare = results.get(f"alerts, {n} chats, bare PTB loop (baseline)")
    if not (shipped and base and bare):
        return
    share = statistics.median(r.share for r in shipped)
    cpu = statistics.median(r.cpu_ms for r in shipped)
    print(
        f"alerts: {share:.3f} of 30/s ({share / statistics.median(r.share for r in base):.2f}x "
        f"one in flight); {cpu:.2f} ms CPU per message "
        f"({cpu / statistics.median(r.cpu_ms for r in base):.2f}x one in flight, "
        f"{cpu / statistics.median(r.cpu_ms for r in bare):.2f}x a bare PTB loop)"
    )


if __name__ == "__main__":
    main()
