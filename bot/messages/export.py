"""A window's matches as a file: CSV, JSON or JSON Lines, one record per article and
list, with the terms it names and, in words, why it matched.

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return before
one) as a formula: feed text in a CSV is data, so such a cell gets a leading apostrophe
(OWASP's advice), which spreadsheets show as text and do not run.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from bot.domain.search import MatchedArticle
from bot.messages.explanations import why_matched

ExportFormat = Literal["csv", "json", "jsonl"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "json", "jsonl")

COLUMNS = (
    "published",
    "first_seen",
    "title",
    "url",
    "author",
    "section",
    "watchlist",
    "term",
    "why",
    "snippet",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it and never runs it."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_record(row: MatchedArticle) -> dict[str, Any]:
    """One article and list: the terms it names (in the order found), why, and the
    first match's snippet."""
    terms = list(dict.fromkeys(m.term for m in row.matches))
    first = row.matches[0] if row.matches else None
    return {
        "published": row.published.isoformat() if row.published else "",
        "first_seen": row.first_seen_at.isoformat(),
        "title": row.title,
        "url": row.link,
        "author": row.author,
        "section": row.section,
        "watchlist": row.watchlist,
        "term": "; ".join(terms),
        "why": "; ".join(dict.fromkeys(why_matched(m) for m in row.matches)),
        "snippet": first.snippet if first else "",
    }


def export_lines(rows: Iterable[MatchedArticle], fmt: ExportFormat) -> Iterator[str]:
    """The file, a piece at a time (a record each), so a large export is never whole
    in memory."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in rows:
            record = export_record(row)
            writer.writerow([neutral_cell(str(record[c])) for c in COLUMNS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
    elif fmt == "jsonl":
        for row in rows:
            yield json.dumps(export_record(row), ensure_ascii=False) + "\n"
    else:
        yield "["
        for n, row in enumerate(rows):
            yield ("," if n else "") + "\n  " + json.dumps(export_record(row), ensure_ascii=False)
        yield "\n]\n"


def export_csv_bytes(rows: Iterable[MatchedArticle]) -> bytes:
    """The CSV as one file to send, in UTF-8 with a byte-order mark, which spreadsheets
    need to read it as UTF-8 rather than their locale's code page."""
    return ("\ufeff" + "".join(export_lines(rows, "csv"))).encode("utf-8")
