"""Matching stored articles again when watchlists change, for real or as a dry run
(the pure part of which is ``bot.domain.dry_run``)."""

from __future__ import annotations

__all__ = ["DryRun", "RematchReport", "dry_run", "dry_run_stored", "rematch_recent"]

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.dry_run import DryRun, dry_run
from bot.domain.matching import compile_watchlists
from bot.domain.models import Watchlist
from bot.domain.poll import match_article
from bot.storage import Store


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
            matches = match_article(matcher, article)
            after = {m.watchlist for m in matches}
            added = after - before
            newly.extend((article.id, name) for name in sorted(added))
            gone.extend((article.id, name) for name in sorted(before - after))
            store.replace_matches(article.id, matches, now, rematched=added, only=names)
    return RematchReport(len(articles), tuple(newly), tuple(gone))
