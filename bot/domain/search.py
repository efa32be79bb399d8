"""Full-text search as plain data: the words a query is made of, and a found article
with its snippet's marked spans.

Whatever a person types is taken as words, never as the index's query language: a quote,
an asterisk, NEAR, a leading minus are words or nothing (``search_words``), and the store
quotes each word as a literal.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bot.domain.models import Match

# The snippet's marks as the store returns them: characters no article's text holds
# (the text is normalised, and C0 controls are dropped from it), turned into bold, or
# brackets, by whoever shows them.
MARK_OPEN = "\x02"
MARK_CLOSE = "\x03"

# More words than this are no longer a search but a paste; the rest are dropped.
MAX_WORDS = 12


def search_words(query: str) -> tuple[str, ...]:
    """The words of ``query`` worth searching for: each piece between spaces holding a
    letter or a digit, in order, once each; a piece of punctuation alone, and control
    characters, are dropped."""
    # A control character (NUL above all) ends FTS5's reading of a quoted word early.
    query = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in query)
    seen: dict[str, str] = {}
    for piece in query.split():
        if any(ch.isalnum() for ch in piece):
            seen.setdefault(piece.casefold(), piece)
    return tuple(list(seen.values())[:MAX_WORDS])


@dataclass(frozen=True, slots=True)
class Snippet:
    """A passage of an article, and the spans in it that are the words searched for."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()


def read_marked(marked: str) -> Snippet:
    """The snippet a text with ``MARK_OPEN``/``MARK_CLOSE`` around its found words is."""
    out: list[str] = []
    marks: list[tuple[int, int]] = []
    size = 0
    start: int | None = None
    for ch in marked:
        if ch == MARK_OPEN:
            start = size
        elif ch == MARK_CLOSE:
            if start is not None and size > start:
                marks.append((start, size))
            start = None
        else:
            out.append(ch)
            size += 1
    return Snippet("".join(out), tuple(marks))


@dataclass(frozen=True, slots=True)
class SearchHit:
    article_id: str
    title: str
    link: str
    author: str
    section: str
    published: datetime | None
    first_seen_at: datetime
    snippet: Snippet


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of what a search found, best first; ``total`` is every article found,
    of which the newest ``ranked`` are ranked (the rest follow, newest first)."""

    words: tuple[str, ...]
    hits: tuple[SearchHit, ...]
    total: int
    offset: int
    ranked: int = 0

    @property
    def ranked_all(self) -> bool:
        return self.ranked >= self.total


@dataclass(frozen=True, slots=True)
class MatchedArticle:
    """An article and the matches one list found in it, for export and feeds."""

    article_id: str
    title: str
    link: str
    author: str
    section: str
    published: datetime | None
    first_seen_at: datetime
    updated_at: datetime | None
    watchlist: str
    matches: tuple[Match, ...]
