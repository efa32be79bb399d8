"""The archive's trend chart as inline SVG (pure): matches per week per list, named a
solid line with dots, "possibly about" a dashed one, the previous period shaded, as
/trend's PNG draws them (``bot.messages.trend_chart``). Colours come from classes the
site's style sheet sets (``s0`` … ``s5``), so dark mode recolours it; the drawing scales
with its viewBox.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.domain.trends import ListTrend
from bot.messages.html import escape_attr

WIDTH = 720
HEIGHT = 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 16, 44
SERIES_CLASSES = 6


def series_class(i: int) -> str:
    return f"s{i % SERIES_CLASSES}"


def _ticks(top: int) -> list[int]:
    step = max(1, math.ceil(top / 5))
    return list(range(0, top + step, step))


def _points(values: Sequence[int], xs: Sequence[float], y: float, scale: float) -> str:
    return " ".join(f"{x:.1f},{y - v * scale:.1f}" for x, v in zip(xs, values, strict=True))


def _week_label_at(i: int, weeks: int, x: float, step: float) -> tuple[float, str]:
    """Where week ``i``'s label goes: centred under its point, but the first starts and
    the last ends at the plot's edge, so that neither reaches past the drawing when the
    labels are enlarged for a phone."""
    if i == weeks - 1 and weeks > 1:
        return x + step / 2, "end"
    if i == 0 and weeks > 1:
        return x - step / 2, "start"
    return x, "middle"


def trend_svg(
    trends: Sequence[ListTrend],
    previous_weeks: int,
    *,
    title: str,
    description: str,
    zone: str = "UTC",
) -> str:
    """The chart of ``trends`` (every list the same weeks, oldest first), the first
    ``previous_weeks`` of them shaded; ``title`` and ``description`` (plain) are its
    accessible name and description."""
    mondays = [w.monday for w in trends[0].weeks] if trends else []
    n = max(len(mondays), 1)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    base = _TOP + plot_h
    ticks = _ticks(max((max(w.named, w.possibly) for t in trends for w in t.weeks), default=0))
    scale = plot_h / ticks[-1] if ticks[-1] else 0.0
    step = plot_w / n
    xs = [_LEFT + (i + 0.5) * step for i in range(len(mondays))]
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        ' aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape_attr(title)}</title>',
        f'<desc id="chart-desc">{escape_attr(description)}</desc>',
    ]
    shaded = min(max(previous_weeks, 0), len(mondays))
    if shaded:
        out.append(
            f'<rect class="previous" x="{_LEFT}" y="{_TOP}" width="{shaded * step:.1f}"'
            f' height="{plot_h}"/>'
        )
        out.append(f'<text class="label" x="{_LEFT + 6}" y="{_TOP + 16}">previous period</text>')
    for tick in ticks:
        y = base - tick * scale
        out.append(
            f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text class="label" x="{_LEFT - 6}" y="{y + 5:.1f}" text-anchor="end">{tick}</text>'
        )
    every = max(1, math.ceil(len(mondays) / 6))
    for i in range(len(mondays) - 1, -1, -every):
        label = mondays[i].isoformat()[5:]  # as the PNG labels its weeks: MM-DD
        x, anchor = _week_label_at(i, len(mondays), xs[i], step)
        out.append(
            f'<text class="label" x="{x:.1f}" y="{base + 20}" text-anchor="{anchor}">{label}</text>'
        )
    out.append(
        f'<text class="label" x="{_LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}"'
        f' text-anchor="middle">week starting ({escape_attr(zone)})</text>'
    )
    for i, t in enumerate(trends):
        cls = series_class(i)
        named = [w.named for w in t.weeks]
        possibly = [w.possibly for w in t.weeks]
        if any(possibly):
            points = _points(possibly, xs, base, scale)
            out.append(f'<polyline class="line possibly {cls}" points="{points}"/>')
        out.append(
            f'<polyline class="line named {cls}" points="{_points(named, xs, base, scale)}"/>'
        )
        out += [
            f'<circle class="dot {cls}" cx="{x:.1f}" cy="{base - v * scale:.1f}" r="3.5"/>'
            for x, v in zip(xs, named, strict=True)
        ]
    out.append("</svg>")
    return "\n".join(out)


def swatch(i: int, *, possibly: bool) -> str:
    """A short line in list ``i``'s colour for the legend: solid (named) or dashed."""
    kind = "possibly" if possibly else "named"
    return (
        '<svg class="swatch" viewBox="0 0 28 10" aria-hidden="true" focusable="false">'
        f'<line class="line {kind} {series_class(i)}" x1="1" y1="5" x2="27" y2="5"/></svg>'
    )
