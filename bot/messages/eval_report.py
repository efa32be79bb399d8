"""An evaluation report in words: a table for people, or JSON for scripts (pure)."""

from __future__ import annotations

from typing import Any

from bot.domain.evaluate import AboutReport, EvalReport, WatchlistScore

# The label of `caci-watch eval`'s progress bar on a terminal.
EVAL_PROGRESS = "matching labelled articles"


def report_to_json(report: EvalReport) -> dict[str, Any]:
    """The report as plain JSON data (the shape `caci-watch eval --json` prints)."""
    return {
        "watchlists": _scores_json(report.scores),
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


def _scores_json(scores: tuple[WatchlistScore, ...]) -> dict[str, Any]:
    return {
        s.name: {
            "precision": round(s.precision, 4),
            "recall": round(s.recall, 4),
            "f1": round(s.f1, 4),
            "tp": s.tp,
            "fp": s.fp,
            "fn": s.fn,
        }
        for s in scores
    }


def about_report_to_json(report: AboutReport) -> dict[str, Any]:
    """The tier's report as `caci-watch eval --about --json` prints it: `eval --json`'s
    shape, misses and false alarms as id and watchlist."""
    return {
        "watchlists": _scores_json(report.scores),
        "misses": [{"id": m.id, "watchlist": m.watchlist} for m in report.misses],
        "false_alarms": [{"id": f.id, "watchlist": f.watchlist} for f in report.false_alarms],
    }


def _table(scores: tuple[WatchlistScore, ...]) -> list[str]:
    width = max([len("watchlist"), *(len(s.name) for s in scores)])
    lines = [f"{'watchlist':<{width}}  precision  recall     f1   tp   fp   fn"]
    for s in scores:
        lines.append(
            f"{s.name:<{width}}  {s.precision:9.3f}  {s.recall:6.3f}  {s.f1:5.3f}"
            f"  {s.tp:3d}  {s.fp:3d}  {s.fn:3d}"
        )
    return lines


def render_about_report(report: AboutReport) -> str:
    """The tier's table: per list, on the records that do not name it; then the misses
    and the false alarms with the passage that was closest."""
    if not report.scores:
        return f"{report.records} records; no watchlist has `about` sentences to judge"
    scored = ", ".join(f"{name} {count}" for name, count in report.scored)
    lines = [
        f"{report.records} records; scored per list (those not naming it): {scored}",
        *_table(report.scores),
    ]
    if report.score_ranges:
        lines.append("")
        lines.append("scores, for about_close (records about the list should score above it):")
        lines.extend(
            f"  {name}: about it from {_score(low)}, not about it up to {_score(high)}"
            for name, low, high in report.score_ranges
        )
    if report.misses:
        lines.append("")
        lines.append("missed:")
        lines.extend(f"  {m.id}  {m.watchlist}" for m in report.misses)
    if report.false_alarms:
        lines.append("")
        lines.append("false alarms:")
        lines.extend(
            f"  {f.id}  {f.watchlist}: {f.strength} ({f.score:.3f}) “{f.passage}”"
            for f in report.false_alarms
        )
    return "\n".join(lines)


def _score(value: float | None) -> str:
    return "(none)" if value is None else f"{value:.3f}"


def render_report(report: EvalReport) -> str:
    """A table for people: one row per watchlist, then what was missed or wrongly flagged."""
    lines = [f"{report.records} records", *_table(report.scores)]
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
