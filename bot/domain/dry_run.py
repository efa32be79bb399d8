"""What a watchlist would match among stored articles, against what it matches now (pure)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from bot.domain.matching import Matcher
from bot.domain.models import Article, Match
from bot.domain.poll import match_article


@dataclass(frozen=True, slots=True)
class DryRun:
    """What a watchlist would match among stored articles, against what it matches now."""

    watchlist: str
    checked: int
    would_match: tuple[tuple[Article, Match], ...]
    newly: frozenset[str] = field(default_factory=frozenset)  # article ids not matched now
    dropped: tuple[Article, ...] = ()  # matched now, would no longer be


def dry_run(
    matcher: Matcher,
    watchlist: str,
    articles: Iterable[Article],
    currently_matching: Collection[str],
) -> DryRun:
    """Pure: run ``matcher`` (compiled for the one ``watchlist``) over ``articles``."""
    checked = 0
    hits: list[tuple[Article, Match]] = []
    dropped: list[Article] = []
    for article in articles:
        checked += 1
        found = [m for m in match_article(matcher, article) if m.watchlist == watchlist]
        if found:
            hits.append((article, found[0]))
        elif article.id in currently_matching:
            dropped.append(article)
    return DryRun(
        watchlist=watchlist,
        checked=checked,
        would_match=tuple(hits),
        newly=frozenset(a.id for a, _ in hits if a.id not in currently_matching),
        dropped=tuple(dropped),
    )
