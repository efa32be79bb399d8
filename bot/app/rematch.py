"""Matching stored articles again when watchlists change, for real or as a dry run
(the pure part of which is ``bot.domain.dry_run``).

Both may read every stored article, so both are ``Steps`` (``bot.app.steps``): the
reading and matching, a batch of articles at a time through a reader of the store's
own (``Store.reader``), are heavy pieces, which the running bot does in a worker thread;
a re-match writes each batch's changes itself, on the store's connection.
"""

from __future__ import annotations

__all__ = [
    "DryRun",
    "Progress",
    "RematchReport",
    "dry_run",
    "dry_run_steps",
    "dry_run_stored",
    "rematch_recent",
    "rematch_steps",
]

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.app.steps import Steps, heavy, inline
from bot.domain.dry_run import DEFAULT_SHOWN, DryRun, DryRunTally, dry_run
from bot.domain.matching import Matcher, compile_watchlists
from bot.domain.models import Article, Match, Watchlist
from bot.domain.poll import match_article
from bot.semantic.about_child import possibly_about_in_child_here
from bot.storage import Store
from bot.storage.reader import ArticleReader

# (articles done, articles in all): called as a dry run goes, from where it runs.
Progress = Callable[[int, int], None]
# A dry run reads the "possibly about" tier for at most this many articles (the newest
# first seen are not favoured: the first read): the tier costs milliseconds an article
# and a child process a batch, where the names cost microseconds.
ABOUT_DRY_RUN_ARTICLES = 2_000
# How far back a dry run may look, as for `[watchlists] rematch_days`: far enough for any
# store, and short of the dates that overflow.
MAX_DRY_RUN_DAYS = 100_000


def dry_run_steps(
    store: Store,
    watchlist: Watchlist,
    *,
    days: int,
    now: datetime,
    shown: int = DEFAULT_SHOWN,
    progress: Progress | None = None,
    compiled: Callable[[], Matcher] | None = None,
    about: bool = False,
    only_new: bool = False,
) -> Steps[DryRun]:
    """The list as given (the file on disk now) against what the store says it matched,
    over the articles first seen in the last ``days`` days; ``shown`` examples of each
    kind are kept. ``compiled`` gives the list's matcher where one is kept compiled (a
    personal list's, ``Service.compiled``); otherwise the list is compiled for the run.
    With ``about`` (and `about` sentences in the list) the "possibly about" tier reads
    the articles the list does not name too, up to ABOUT_DRY_RUN_ARTICLES. With
    ``only_new`` the examples are only of articles it does not match now."""
    since = now - timedelta(days=days)
    compile_it = compiled or partial(compile_watchlists, [watchlist])
    reader = store.reader()
    try:
        matcher, total = yield from heavy(partial(_start_dry_run, reader, compile_it, since))
        tally = DryRunTally(matcher, watchlist.name, shown=shown, only_new=only_new)
        batches = reader.first_seen_since(since)
        if progress is not None:
            progress(0, total)
        about = about and bool(watchlist.about)
        while (
            batch := (yield from heavy(partial(_dry_run_batch, reader, batches, tally)))
        ) is not None:
            articles, named = batch
            if about and tally.about_checked < ABOUT_DRY_RUN_ARTICLES:
                unnamed = [a for a in articles if a.id not in named]
                unnamed = unnamed[: ABOUT_DRY_RUN_ARTICLES - tally.about_checked]
                found = yield from heavy(
                    partial(possibly_about_in_child_here, unnamed, [watchlist], {})
                )
                tally.add_about(unnamed, found)
            if progress is not None:
                progress(tally.checked, total)
        return tally.result()
    finally:
        reader.close()


def dry_run_stored(
    store: Store,
    watchlist: Watchlist,
    *,
    days: int,
    now: datetime,
    shown: int = DEFAULT_SHOWN,
    progress: Progress | None = None,
) -> DryRun:
    """``dry_run_steps``, run here and now."""
    return inline(
        dry_run_steps(store, watchlist, days=days, now=now, shown=shown, progress=progress)
    )


def _start_dry_run(
    reader: ArticleReader, compiled: Callable[[], Matcher], since: datetime
) -> tuple[Matcher, int]:
    return compiled(), reader.count_first_seen_since(since)


def _dry_run_batch(
    reader: ArticleReader, batches: Iterator[list[Article]], tally: DryRunTally
) -> tuple[list[Article], set[str]] | None:
    """One more batch counted, with the ids the list would name in it; None when there
    was none left."""
    batch = next(batches, None)
    if batch is None:
        return None
    return batch, tally.add(batch, reader.matching_ids(tally.watchlist, [a.id for a in batch]))


@dataclass(frozen=True, slots=True)
class RematchReport:
    checked: int
    newly_matched: tuple[tuple[str, str], ...]  # (article id, watchlist)
    no_longer_matched: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Changed:
    """An article whose matches with the re-matched lists differ from those stored."""

    article_id: str
    content_hash: str  # as it was matched: if the stored one differs now, it is left be
    matches: tuple[Match, ...]
    added: frozenset[str]
    removed: frozenset[str]


def rematch_steps(
    store: Store,
    watchlists: Collection[Watchlist],
    *,
    now: datetime,
    days: int,
    compiled: Callable[[], Matcher] | None = None,
) -> Steps[RematchReport]:
    """Match the articles first seen in the last ``days`` days against ``watchlists``
    (the ones that changed) and store the result. ``compiled`` gives their matcher
    where one is kept compiled (as for ``dry_run_steps``).

    Newly matching articles are marked so that they join each subscriber's next digest,
    flagged as such; they never raise instant alerts, which would flood people with old
    articles after every edit. Each batch's changes are written in a transaction of
    their own; an article that changed since it was read is left to the poll that
    changed it, which matched it with these lists already.
    """
    names = frozenset(w.name for w in watchlists)
    matcher = yield from heavy(compiled or partial(compile_watchlists, list(watchlists)))
    checked = 0
    newly: list[tuple[str, str]] = []
    gone: list[tuple[str, str]] = []
    reader = store.reader()
    try:
        batches = reader.first_seen_since(now - timedelta(days=days))
        while True:
            found = yield from heavy(partial(_rematch_batch, reader, batches, matcher, names))
            if found is None:
                break
            count, changed = found
            checked += count
            with store.transaction():
                known = store.known_articles(c.article_id for c in changed)
                for c in changed:
                    stored = known.get(c.article_id)
                    if stored is None or stored.content_hash != c.content_hash:
                        continue
                    newly.extend((c.article_id, name) for name in sorted(c.added))
                    gone.extend((c.article_id, name) for name in sorted(c.removed))
                    store.replace_matches(
                        c.article_id, c.matches, now, rematched=c.added, only=names
                    )
    finally:
        reader.close()
    return RematchReport(checked, tuple(newly), tuple(gone))


def rematch_recent(
    store: Store,
    watchlists: Collection[Watchlist],
    *,
    now: datetime,
    days: int,
) -> RematchReport:
    """``rematch_steps``, run here and now."""
    return inline(rematch_steps(store, watchlists, now=now, days=days))


def _rematch_batch(
    reader: ArticleReader,
    batches: Iterator[list[Article]],
    matcher: Matcher,
    names: frozenset[str],
) -> tuple[int, list[_Changed]] | None:
    """The next batch matched again: how many articles, and those whose matches differ
    from the stored ones; None when there was none left."""
    batch = next(batches, None)
    if batch is None:
        return None
    stored = reader.matches_of([a.id for a in batch], names)
    changed: list[_Changed] = []
    for article in batch:
        matches = tuple(m for m in match_article(matcher, article) if m.watchlist in names)
        before = tuple(stored.get(article.id, ()))
        if matches == before:
            continue
        was = {m.watchlist for m in before}
        now = {m.watchlist for m in matches}
        changed.append(
            _Changed(
                article.id,
                article.content_hash,
                matches,
                frozenset(now - was),
                frozenset(was - now),
            )
        )
    return len(batch), changed
