"""The words of trends: a list's sparkline of its last weeks and this week's change, the
lines a weekly digest (and a week's first daily digest) opens with."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.trends import ListTrend
from bot.lists.personal import display_name
from bot.messages.html import bold, escape, utf16_len, with_block
from bot.messages.screens import unknown_watchlist

# Telegram's limit on a photo's caption, in UTF-16 units (``utf16_len``).
MAX_CAPTION = 1024

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(counts: Sequence[int]) -> str:
    """One bar per count, scaled to the largest (all lowest when every count is 0)."""
    top = max(counts, default=0)
    if top <= 0:
        return SPARKS[0] * len(counts)
    steps = len(SPARKS) - 1
    return "".join(SPARKS[round(max(c, 0) * steps / top)] for c in counts)


def per_week(mean: float) -> str:
    """A mean weekly count as people say it: 3, 2.5, 0.3."""
    return f"{mean:.1f}".removesuffix(".0")


def change(trend: ListTrend, week: str = "this week") -> str:
    """This week against the weeks before: "9 this week, 3 a week on average before"."""
    return f"{trend.this_week} {week}, {per_week(trend.previous_mean)} a week on average before"


def trend_line(trend: ListTrend, *, last_week: bool = False) -> str:
    """One list's line (HTML): "TRIPP ▁▂▅▇ 9 this week, 3 a week on average before";
    "last week" when its last week is over (``domain.trends.reported_week``)."""
    counts = [w.total for w in trend.weeks]
    counted = change(trend, "last week" if last_week else "this week")
    return f"{escape(display_name(trend.watchlist))} {sparkline(counts)} {counted}"


def trend_block(trends: Sequence[ListTrend], *, last_week: bool = False) -> str:
    """The lines a digest opens with, one per list ('' for no lists)."""
    return "\n".join(trend_line(t, last_week=last_week) for t in trends)


def with_trend_block(texts: Sequence[str], block: str) -> list[str]:
    """A digest's texts opening with ``block``: atop its first part when it fits there,
    else as a part of its own."""
    return with_block(texts, block)


# -- /trend ------------------------------------------------------------------------------

TREND_USAGE = (
    "Say /trend, or /trend LIST… and a number of weeks (1 to 104), for example /trend TRIPP 26."
)


def trend_caption(
    trends: Sequence[ListTrend], weeks: int, *, of: int | None = None, zone: str = "UTC"
) -> str:
    """Under the chart: each list's week against every week charted before it, the shaded
    ones too, so that "/trend TRIPP 1" has a week to compare with ("TRIPP: 9 this week, 3
    a week on average before"); ``of`` the chat's lists, when
    only the busiest are charted. Within a caption's limit: lines that would pass it are
    left out, and say so."""
    head = f"Matches per week, the last {weeks} weeks (shaded: the {weeks} before)."
    if zone != "UTC":
        head += f" Weeks start on Monday in {escape(zone)}."
    if of is not None and of > len(trends):
        head += (
            f"\nThe {len(trends)} busiest of your {of} lists; name others to see them: /trend LIST…"
        )
    lines = [f"{bold(display_name(t.watchlist))}: {change(t)}" for t in trends]
    shown = [head]
    for n, line in enumerate(lines):
        rest = f"… and {len(lines) - n} more" if n < len(lines) - 1 else ""
        if utf16_len("\n".join([*shown, line, rest])) > MAX_CAPTION:
            shown.append(f"… and {len(lines) - n} more")
            break
        shown.append(line)
    return "\n".join(shown)


def trend_refused(reason: str, *, query: str, candidates: Sequence[str], most: int = 0) -> str:
    if reason == "unknown":
        return unknown_watchlist(query, candidates, then=TREND_USAGE)
    if reason == "no_lists":
        return "You follow no lists yet: name one, for example /trend TRIPP."
    if reason == "too_many":
        return f"A chart shows at most {most} lists: name fewer, for example /trend TRIPP."
    return TREND_USAGE


def chart_failed(reason: str) -> str:
    return f"The chart could not be drawn ({escape(reason)}). Try again in a minute."


def spike_notice(trend: ListTrend, *, last_week: bool = False) -> str:
    """To a list's followers when its week is a spike (``last_week``: held by quiet hours
    over the week's end, it comes the week after)."""
    name = display_name(trend.watchlist)
    busy = "was busier than usual" if last_week else "is busier than usual"
    counted = change(trend, "last week" if last_week else "this week")
    return (
        f"📈 {bold(name)} {busy}: {counted}.\n"
        f"{sparkline([w.total for w in trend.weeks])} · /trend {escape(name)}"
    )
