"""Small builders for test data, so each test states only what it is about."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from bot.app.config import Config
from bot.domain.models import Article, Match

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


def rss(items: Sequence[tuple[str, str, str, datetime]]) -> bytes:
    """An RSS 2.0 section feed; each item is (guid, title, description, published)."""
    body = "".join(
        f"""<item><title>{escape(title)}</title>
        <link>https://www.cacianalyst.org/publications/analytical-articles/item/{guid}.html</link>
        <guid isPermaLink="false">{guid}</guid>
        <author>editor@cacianalyst.org (Test Author)</author>
        <category>Analytical Articles</category>
        <pubDate>{format_datetime(when)}</pubDate>
        <description>{escape(desc)}</description></item>"""
        for guid, title, desc, when in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Analytical Articles</title><link>https://www.cacianalyst.org/</link>"
        f"<description>test</description>{body}</channel></rss>"
    ).encode()


def on_store(config: Config, store_url: str) -> Config:
    """``config`` with its store at ``store_url`` (the ``store_url`` fixture's): an
    SQLite file, or a PostgreSQL database."""
    if store_url.startswith("postgresql://"):
        return replace(config, store=replace(config.store, url=store_url))
    return replace(config, store=replace(config.store, path=Path(store_url)))


def store_toml(config: Config) -> str:
    """The ``[store]`` table of a config file for ``config``'s store."""
    if config.store.url:
        return f'[store]\nurl = "{config.store.url}"\n'
    return f'[store]\npath = "{config.store.path}"\n'
