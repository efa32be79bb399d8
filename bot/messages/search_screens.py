"""Search results and their wording: in Telegram HTML with page buttons, on a terminal,
and as JSON; /search's and /export's usage and refusals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from bot.domain.search import SearchHit, SearchPage, Snippet
from bot.messages.dates import date_label
from bot.messages.html import bold, escape, link, one_line
from bot.messages.screens import Keyboard, quote_input, unknown_watchlist

SEARCH_USAGE = (
    "Use /search WORDS [LIST] [since DATE], for example /search Zangezur corridor"
    " or /search pipeline TRIPP since 2026-01-01."
)
EXPORT_USAGE = "Use /export LIST [DAYS], for example /export TRIPP 30."


def export_usage(most_days: int) -> str:
    return f"{EXPORT_USAGE} DAYS is 1 to {most_days}."


SEARCH_EXPIRED = "This search has expired: send it again."
# callback data: "search:<serial>:<offset>"
SEARCH_PAGE_PREFIX = "search:"


def marked(snippet: Snippet, mark: tuple[str, str], *, html: bool) -> str:
    """The snippet with its found words between ``mark``'s two strings, escaped for
    Telegram when ``html``."""
    out: list[str] = []
    at = 0
    text = snippet.text
    for start, end in snippet.marks:
        plain, found = text[at:start], text[start:end]
        out.append(escape(plain) if html else plain)
        out.append(mark[0] + (escape(found) if html else found) + mark[1])
        at = end
    out.append(escape(text[at:]) if html else text[at:])
    return one_line("".join(out))


def _found_line(page: SearchPage, label: str | None) -> str:
    words = " ".join(page.words)
    where = f" in {bold(label)}" if label else ""
    first, last = page.offset + 1, page.offset + len(page.hits)
    return (
        f"{page.total} article{'s' if page.total != 1 else ''} with {quote_input(words)}{where}"
        + (f" ({first}–{last})" if page.total > len(page.hits) else "")
        + ":"
        + ("" if page.ranked_all else f"\n{ranked_note(page.ranked)}")
    )


def ranked_note(ranked: int) -> str:
    return f"Best first among the newest {ranked:,}; older ones follow, newest first."


def search_page_text(page: SearchPage, *, label: str | None, tz: tzinfo) -> str:
    """A page of results in Telegram HTML: title as a link, date, and the snippet."""
    if not page.hits:
        return search_none(page.words, label)
    items = [_found_line(page, label)]
    for n, hit in enumerate(page.hits, start=page.offset + 1):
        when = date_label(hit.published or hit.first_seen_at, tz)
        items.append(
            f"{n}. {link(hit.title, hit.link)} · {escape(when)}\n"
            + marked(hit.snippet, ("<b>", "</b>"), html=True)
        )
    return "\n\n".join(items)


def search_none(words: Sequence[str], label: str | None) -> str:
    where = f" in {bold(label)}" if label else ""
    return f"No stored article holds {quote_input(' '.join(words))}{where}."


def search_buttons(serial: int, page: SearchPage, size: int) -> Keyboard:
    """◀ and ▶ for the pages before and after this one, when there are any."""
    row: list[tuple[str, str]] = []
    if page.offset > 0:
        row.append(("◀ Back", f"search:{serial}:{max(0, page.offset - size)}"))
    if page.offset + len(page.hits) < page.total:
        row.append(("More ▶", f"search:{serial}:{page.offset + len(page.hits)}"))
    return [row] if row else []


def search_refused(reason: str, *, detail: str, query: str, candidates: Sequence[str]) -> str:
    if reason == "bad-date":
        return f"{escape(detail)} {SEARCH_USAGE}"
    if reason == "unknown-list":
        return unknown_watchlist(query, candidates, then="")
    return SEARCH_USAGE


def _last_days(days: int) -> str:
    return "the last day" if days == 1 else f"the last {days} days"


def export_none(label: str, days: int) -> str:
    return f"Nothing matched <b>{escape(label)}</b> in {_last_days(days)}."


def export_caption(label: str, days: int, count: int) -> str:
    return f"{bold(label)}: {count} match{'es' if count != 1 else ''} in {_last_days(days)}."


def export_file_name(label: str, days: int) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in label).strip("-")
    return f"caci-watch-{safe or 'list'}-{days}d.csv"


# -- the terminal and JSON ---------------------------------------------------------------


def search_console(page: SearchPage, *, label: str | None) -> str:
    if not page.hits:
        return search_none(page.words, label).replace("<b>", "").replace("</b>", "")
    lines = [
        f"{page.total} found" + (f", {len(page.hits)} shown" if page.total > len(page.hits) else "")
    ]
    for n, hit in enumerate(page.hits, start=1):
        lines.append(
            f"{n:>3}. {one_line(hit.title)} ({date_label(hit.published or hit.first_seen_at)})"
        )
        lines.append(f"     {hit.link}")
        lines.append(f"     {marked(hit.snippet, ('[', ']'), html=False)}")
    return "\n".join(lines)


def hit_json(hit: SearchHit) -> dict[str, Any]:
    """A result as JSON: the snippet, and each found word's span in it."""
    return {
        "id": hit.article_id,
        "title": hit.title,
        "url": hit.link,
        "author": hit.author,
        "section": hit.section,
        "published": hit.published.isoformat() if hit.published else None,
        "first_seen": hit.first_seen_at.isoformat(),
        "snippet": hit.snippet.text,
        "marks": [list(span) for span in hit.snippet.marks],
    }
