"""An evaluation report in words: a table for people, or JSON for scripts (pure)."""

from __future__ import annotations

from typing import Any

from bot.domain.evaluate import EvalReport


def report_to_json(report: EvalReport) -> dict[str, Any]:
    """The report as plain JSON data (the shape `caci-watch eval --json` prints)."""
    return {
        "watchlists": {
            s.name: {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
            }
            for s in report.scores
        },
        "misses": [{"id": m.id, "watchlist": m.watchlist} for m in report.misses],
        "false_alarms": [
            {
                "id": f.id,
                "watchlist": f.watchlist,
                "term": f.term,
                "matched_text": f.matched_text,
                "field": f.field,
                "snippet": f.snippet,
                "score": f.score,
            }
            for f in report.false_alarms
        ],
    }


def render_report(report: EvalReport) -> str:
    """A table for people: one row per watchlist, then what was missed or wrongly flagged."""
    width = max([len("watchlist"), *(len(s.name) for s in report.scores)])
    lines = [
        f"{report.records} records",
        f"{'watchlist':<{width}}  precision  recall     f1   tp   fp   fn",
    ]
    for s in report.scores:
        lines.append(
            f"{s.name:<{width}}  {s.precision:9.3f}  {s.recall:6.3f}  {s.f1:5.3f}"
            f"  {s.tp:3d}  {s.fp:3d}  {s.fn:3d}"
        )
    if report.misses:
        lines.append("")
        lines.append("missed:")
        lines.extend(f"  {m.id}  {m.watchlist}" for m in report.misses)
    if report.false_alarms:
        lines.append("")
        lines.append("false alarms:")
        lines.extend(
            f"  {f.id}  {f.watchlist}: {f.matched_text!r} ({f.field}, {f.score:g}) in “{f.snippet}”"
            for f in report.false_alarms
        )
    return "\n".join(lines)
