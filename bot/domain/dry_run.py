"""What a watchlist would match among stored articles, against what it matches now (pure).

A dry run may read every stored article, a hundred thousand of them, so it is counted as
it goes (``DryRunTally``, a batch at a time) and keeps only what a reply shows: the
counts, and the first few articles that would match or would no longer match, without
their text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from bot.domain.aboutness import PossiblyAbout
from bot.domain.matching import Matcher
from bot.domain.models import Article, Match
from bot.domain.poll import match_article

# Examples kept of each kind unless asked otherwise.
DEFAULT_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Example:
    """An article that would match, as a reply shows it: without its text and HTML."""

    article: Article
    match: Match
    new: bool  # the list does not match it now


@dataclass(frozen=True, slots=True)
class DryRun:
    """What a watchlist would match among stored articles, against what it matches now."""

    watchlist: str
    checked: int
    matched: int = 0  # would match
    newly: int = 0  # of those, not matched now
    dropped: int = 0  # matched now, would no longer be
    examples: tuple[Example, ...] = ()  # the first that would match, oldest first
    dropped_examples: tuple[Article, ...] = ()  # the first that would no longer match
    # The "possibly about" tier, apart from the names: how many articles it read (those
    # not naming the list, up to its cap), how many it found, the first few found.
    about_checked: int = 0
    about_found: int = 0
    about_examples: tuple[AboutExample, ...] = ()


@dataclass(frozen=True, slots=True)
class AboutExample:
    """An article the tier finds possibly about the list, without its text."""

    article: Article
    found: PossiblyAbout


class DryRunTally:
    """A dry run counted a batch of articles at a time, keeping the first ``shown``
    examples of each kind."""

    def __init__(
        self,
        matcher: Matcher,
        watchlist: str,
        *,
        shown: int = DEFAULT_SHOWN,
        only_new: bool = False,
    ) -> None:
        """With ``only_new`` the examples kept are only articles the list does not match
        now: what a term tried on the list would add."""
        self._matcher = matcher
        self.watchlist = watchlist
        self._shown = shown
        self._only_new = only_new
        self.checked = 0
        self._matched = 0
        self._newly = 0
        self._dropped = 0
        self._examples: list[Example] = []
        self._dropped_examples: list[Article] = []
        self.about_checked = 0
        self._about_found = 0
        self._about_examples: list[AboutExample] = []

    def add(self, articles: Iterable[Article], currently_matching: Collection[str]) -> set[str]:
        """Count ``articles``; ``currently_matching`` holds (at least) those of their ids
        that the list matches now. Returns the ids of those the list would match."""
        named: set[str] = set()
        for article in articles:
            self.checked += 1
            found = next(
                (m for m in match_article(self._matcher, article) if m.watchlist == self.watchlist),
                None,
            )
            now = article.id in currently_matching
            if found is not None:
                named.add(article.id)
                self._matched += 1
                self._newly += not now
                if len(self._examples) < self._shown and not (self._only_new and now):
                    self._examples.append(Example(_without_text(article), found, new=not now))
            elif now:
                self._dropped += 1
                if len(self._dropped_examples) < self._shown:
                    self._dropped_examples.append(_without_text(article))
        return named

    def add_about(self, articles: Iterable[Article], found: Iterable[PossiblyAbout]) -> None:
        """Count what the tier found for this list among ``articles`` (those it read)."""
        by_id = {f.article_id: f for f in found if f.watchlist == self.watchlist}
        for article in articles:
            self.about_checked += 1
            hit = by_id.get(article.id)
            if hit is None:
                continue
            self._about_found += 1
            if len(self._about_examples) < self._shown:
                self._about_examples.append(AboutExample(_without_text(article), hit))

    def result(self) -> DryRun:
        return DryRun(
            watchlist=self.watchlist,
            checked=self.checked,
            matched=self._matched,
            newly=self._newly,
            dropped=self._dropped,
            examples=tuple(self._examples),
            dropped_examples=tuple(self._dropped_examples),
            about_checked=self.about_checked,
            about_found=self._about_found,
            about_examples=tuple(self._about_examples),
        )


def dry_run(
    matcher: Matcher,
    watchlist: str,
    articles: Iterable[Article],
    currently_matching: Collection[str],
    *,
    shown: int = DEFAULT_SHOWN,
) -> DryRun:
    """Pure: run ``matcher`` (compiled for the one ``watchlist``) over ``articles``."""
    tally = DryRunTally(matcher, watchlist, shown=shown)
    tally.add(articles, currently_matching)
    return tally.result()


def _without_text(article: Article) -> Article:
    return dataclasses.replace(article, html="", text="", summary="")
