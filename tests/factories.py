"""Small builders for test data, so each test states only what it is about."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from bot.models import Article, Match

T0 = datetime(2025, 8, 20, 18, 51, tzinfo=UTC)


def make_article(
    n: int = 1,
    *,
    title: str | None = None,
    text: str = "Plain body text.",
    published: datetime | None = T0,
    feed_url: str = "https://feed.example/section.feed",
) -> Article:
    title = title if title is not None else f"Article number {n}"
    return Article(
        id=f"guid:https://example.org/item/{n}",
        feed_url=feed_url,
        link=f"https://example.org/item/{n}",
        title=title,
        author="A. Writer",
        section="Analytical Articles",
        published=published,
        summary=text[:80],
        html=f"<p>{text}</p>",
        text=text,
        content_hash=hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
    )


def make_match(watchlist: str = "TRIPP", *, term: str = "TRIPP", score: float = 100.0) -> Match:
    snippet = f"the new {term} route"
    start = snippet.index(term)
    return Match(
        watchlist=watchlist,
        term=term,
        matched_text=term,
        score=score,
        field="body",
        snippet=snippet,
        mark_start=start,
        mark_end=start + len(term),
    )
