"""Matching stored articles again when watchlists change, for real or as a dry run."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.app.poll import match_fields
from bot.domain.matching import Matcher, compile_watchlists
from bot.domain.models import Article, Match, Watchlist
from bot.storage import Store


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
        found = [m for m in matcher.match(match_fields(article)) if m.watchlist == watchlist]
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


def dry_run_stored(store: Store, watchlist: Watchlist, *, days: int, now: datetime) -> DryRun:
    """The list as given (the file on disk now) against what the store says it matched."""
    return dry_run(
        compile_watchlists([watchlist]),
        watchlist.name,
        store.articles_first_seen_since(now - timedelta(days=days)),
        store.article_ids_matching(watchlist.name),
    )


@dataclass(frozen=True, slots=True)
class RematchReport:
    checked: int
    newly_matched: tuple[tuple[str, str], ...]  # (article id, watchlist)
    no_longer_matched: tuple[tuple[str, str], ...]


def rematch_recent(
    store: Store,
    watchlists: Collection[Watchlist],
    *,
    now: datetime,
    days: int,
) -> RematchReport:
    """Match the articles first seen in the last ``days`` days against ``watchlists``
    (the ones that changed) and store the result.

    Newly matching articles are marked so that they join each subscriber's next digest,
    flagged as such; they never raise instant alerts, which would flood people with old
    articles after every edit.
    """
    names = {w.name for w in watchlists}
    matcher = compile_watchlists(list(watchlists))
    newly: list[tuple[str, str]] = []
    gone: list[tuple[str, str]] = []
    articles = list(store.articles_first_seen_since(now - timedelta(days=days)))
    with store.transaction():
        for article in articles:
            before = store.matched_watchlists(article.id) & names
            matches = matcher.match(match_fields(article))
            after = {m.watchlist for m in matches}
            added = after - before
            newly.extend((article.id, name) for name in sorted(added))
            gone.extend((article.id, name) for name in sorted(before - after))
            store.replace_matches(article.id, matches, now, rematched=added, only=names)
    return RematchReport(len(articles), tuple(newly), tuple(gone))
