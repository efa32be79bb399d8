"""`caci-watch migrate`'s report: each table's rows in the SQLite store and in
PostgreSQL after the copy, side by side."""

from __future__ import annotations

from collections.abc import Sequence


def migration_report(
    source: str,
    target: str,
    version: int,
    counts: Sequence[tuple[str, int, int]],
    *,
    replaced: bool,
    seconds: float,
) -> str:
    """``counts``: (table, rows in the source, rows in the target) in copying order."""
    how = "replaced the earlier copy in" if replaced else "copied into"
    lines = [f"{source} (schema version {version}) {how} {target} in {seconds:.1f} s", ""]
    width = max(len("table"), *(len(t) for t, _, _ in counts))
    lines.append(f"{'table':<{width}}  {'SQLite':>9}  {'PostgreSQL':>10}")
    for table, ours, theirs in counts:
        mark = "" if ours == theirs else "  differs"
        lines.append(f"{table:<{width}}  {ours:>9,}  {theirs:>10,}{mark}")
    wrong = [t for t, ours, theirs in counts if ours != theirs]
    lines.append("")
    if wrong:
        lines.append(
            f"The counts differ for {', '.join(wrong)}: do not switch to PostgreSQL; "
            "run `caci-watch migrate` again, and report it if they still differ."
        )
    else:
        lines.append(
            "Every table's count agrees. If a bot ran on the SQLite store meanwhile, stop "
            "it and run this again: it copies what the bot did since. Then point [store] "
            "url at the database (removing [store] path) and start the bot."
        )
    return "\n".join(lines)
