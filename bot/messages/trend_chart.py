"""The /trend chart: matches per week as a PNG, drawn by matplotlib (Agg) in a short-lived
child process, so that matplotlib (some 30 MB once loaded) never stays in the bot, and
kept by content: the same numbers are drawn once.

The child (``python -I``, this module) reads the chart's numbers as JSON on stdin and
writes the PNG on stdout. Each list is one colour: its named matches a solid line, its
possibly-about matches a dashed one; the previous period is shaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import sys
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from bot.children.pipes import child_command, exit_reason, read_capped, read_tail, send_all
from bot.domain.trends import ListTrend
from bot.lists.personal import display_name

RENDER_TIMEOUT_SECONDS = 60.0
_OUTPUT_CAP = 4 << 20
_STDERR_TAIL = 8 * 1024
# Charts kept by content; a few kilobytes each.
_CACHE_SIZE = 64
# Children drawing at once: each loads matplotlib (tens of MB), and many chats asking
# together must not make as many of them.
MAX_DRAWING = 2

CHILD_COMMAND: tuple[str, ...] = child_command("bot.messages.trend_chart")

_cache: OrderedDict[str, bytes] = OrderedDict()
# One limit per event loop (a semaphore is bound to the loop it first waits in).
_drawing: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


class ChartFailed(Exception):
    """The child drew no chart; the reason in a few words."""


def chart_data(
    trends: Sequence[ListTrend], previous_weeks: int, *, timezone: str = "UTC"
) -> dict[str, Any]:
    """The numbers the chart is drawn from: each list's weeks (Mondays in ``timezone``),
    and how many of the first weeks are the previous period."""
    mondays = [w.monday.isoformat() for w in trends[0].weeks] if trends else []
    return {
        "mondays": mondays,
        "previous": previous_weeks,
        "zone": timezone,
        "lists": [
            {
                "name": display_name(t.watchlist),
                "named": [w.named for w in t.weeks],
                "possibly": [w.possibly for w in t.weeks],
            }
            for t in trends
        ],
    }


def chart_key(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


async def trend_chart(data: dict[str, Any], *, timeout: float = RENDER_TIMEOUT_SECONDS) -> bytes:
    """The PNG of ``data`` (``chart_data``), drawn once per content."""
    key = chart_key(data)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    slots = _drawing.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(MAX_DRAWING))
    async with slots:
        if key in _cache:  # drawn for another chat while this one waited
            return _cache[key]
        png = await _draw_in_child(json.dumps(data).encode(), timeout)
    _cache[key] = png
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return png


async def _draw_in_child(payload: bytes, timeout: float) -> bytes:
    proc = await asyncio.create_subprocess_exec(
        *CHILD_COMMAND,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout):
            _, out, err = await asyncio.gather(
                send_all(proc, payload),
                read_capped(proc, _OUTPUT_CAP),
                read_tail(proc.stderr, _STDERR_TAIL),
            )
            code = await proc.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise ChartFailed(f"the chart took over {timeout:.0f} s") from None
    if code != 0 or out is None or not out.startswith(b"\x89PNG"):
        raise ChartFailed(exit_reason(code, err) if code else "the chart came out wrong")
    return out


def draw(data: dict[str, Any]) -> bytes:
    """The PNG of ``data``; in the child only (it loads matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    mondays: list[str] = data["mondays"]
    x = list(range(len(mondays)))
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    previous = int(data["previous"])
    if previous:
        ax.axvspan(-0.5, previous - 0.5, color="0.9", label="previous period")
    for i, item in enumerate(data["lists"]):
        colour = f"C{i % 10}"
        ax.plot(x, item["named"], color=colour, marker="o", label=f"{item['name']} named")
        if any(item["possibly"]):
            ax.plot(
                x,
                item["possibly"],
                color=colour,
                linestyle="--",
                marker="x",
                label=f"{item['name']} possibly about",
            )
    step = max(1, len(x) // 8)
    ax.set_xticks(x[::step], [m[5:] for m in mondays[::step]])
    ax.set_xlabel(f"week starting Monday ({data.get('zone', 'UTC')})")
    ax.set_ylabel("articles")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def child_main() -> None:
    data = json.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(draw(data))
    sys.stdout.buffer.flush()
