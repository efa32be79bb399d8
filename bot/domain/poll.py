"""What one poll of a feed decides, as pure functions of plain data.

The poll is a decider, as in lemon24/reader: the shell (``bot.app.poll``) fetches and
parses, reads what the store knows of the parsed articles (``Prior``), and hands both
to ``decide``; the ``PollDecision`` it gets back is applied in one transaction. Nothing
here touches the network, the disk or the clock, so every rule is testable on literals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, TypeGuard

from bot.domain.matchers import ArticleMatcher, Prematched
from bot.domain.models import Alert, Article, FeedState, Match

RETRY_AFTER_CAP_SECONDS = 24 * 3600.0
DEFAULT_BACKOFF_CAP_SECONDS = 6 * 3600.0
# A feed due this little after a poll pass starts is polled in that pass. The passes run
# every minute but each starts a little late, by however long the event loop took to get
# to it; without this, a feed scheduled for a pass that happens to start a few
# milliseconds earlier than the one before it waits a whole extra minute.
DUE_SLACK = timedelta(seconds=5)

ArticleChange = Literal["new", "updated", "same"]


@dataclass(frozen=True, slots=True)
class KnownArticle:
    """What the store holds of an article a poll found again."""

    content_hash: str
    first_seen_at: datetime
    watchlists: frozenset[str]  # every list it matches now, shared or personal


@dataclass(frozen=True, slots=True)
class Prior:
    """What the store knew before the poll: the feed, and the parsed articles it holds
    (by article id; an id absent here has never been stored)."""

    state: FeedState
    known: Mapping[str, KnownArticle]


@dataclass(frozen=True, slots=True)
class Served:
    """What a successful fetch says besides the body: the validators to send next time
    and, after permanent redirects only, where the feed now lives."""

    etag: str | None
    last_modified: str | None
    permanent_url: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleDecision:
    """One parsed article's fate. ``matches`` replace the stored ones, except for an
    article that is the ``same`` as stored: it is not matched again and keeps its own."""

    article: Article
    change: ArticleChange
    first_seen_at: datetime
    matches: tuple[Match, ...] = ()
    alert: Alert | None = None


@dataclass(frozen=True, slots=True)
class PollDecision:
    """All one poll of a feed stores, in feed order, stamped ``now``. ``duplicates``
    are the ids the feed listed more than once, each ignored after its first listing."""

    now: datetime
    articles: tuple[ArticleDecision, ...]
    state: FeedState
    duplicates: tuple[str, ...] = ()

    @property
    def new(self) -> int:
        return sum(a.change == "new" for a in self.articles)

    @property
    def updated(self) -> int:
        return sum(a.change == "updated" for a in self.articles)

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(a.alert for a in self.articles if a.alert is not None)


def decide(
    prior: Prior,
    articles: Sequence[Article],
    matcher: ArticleMatcher,
    now: datetime,
    *,
    title: str,
    served: Served,
    poll_interval: timedelta,
    backfill_days: int,
    started: datetime | None = None,
) -> PollDecision:
    """Decide what a successful poll stores and which alerts it raises.

    ``now`` stamps what is stored; the next poll is due ``poll_interval`` after
    ``started``, when the poll began (``now`` without it). Counted from the end of the
    fetch instead, a feed polled every minute would come due just after the next
    minute's pass began, and be polled every other minute.

    An id listed twice in one feed is the article of its *first* listing, in document
    order; later listings are ignored (and reported in ``duplicates``). Taking each in
    turn as an edit of the one before would store the last, then on the next poll see
    the first as an edit of it, and so on: the stored article would flip on every poll,
    each flip an "(updated)" alert. The first listing is a stable choice where "the
    newest" is not (two listings may carry the same date, or none), and it is the one
    a reader of the feed sees first.
    """
    first_poll = not prior.state.initialised
    known = dict(prior.known)
    decided: list[ArticleDecision] = []
    articles, duplicates = first_listings(articles)
    for article in articles:
        before = known.get(article.id)
        if _unchanged(before, article):
            decided.append(ArticleDecision(article, "same", before.first_seen_at))
            continue
        change: ArticleChange = "new" if before is None else "updated"
        matches = tuple(match_article(matcher, article))
        previously = before.watchlists if before is not None else frozenset()
        carried = alert_matches(change, matches, previously)
        alert = None
        if carried and should_alert(
            first_poll=first_poll and change == "new",
            published=article.published,
            now=now,
            backfill_days=backfill_days,
        ):
            alert = Alert(article, carried, updated=change == "updated")
        first_seen = now if before is None else before.first_seen_at
        known[article.id] = KnownArticle(
            article.content_hash, first_seen, frozenset(m.watchlist for m in matches)
        )
        decided.append(ArticleDecision(article, change, first_seen, matches, alert))
    newest = newest_item_at(articles)
    state = replace(
        after_success(
            prior.state, now=now, served=served, poll_interval=poll_interval, started=started
        ),
        initialised=True,
        title=title or prior.state.title,
        newest_item_at=max(filter(None, (newest, prior.state.newest_item_at)), default=None),
    )
    return PollDecision(now, tuple(decided), state, duplicates)


def _unchanged(before: KnownArticle | None, article: Article) -> TypeGuard[KnownArticle]:
    """Known, with the same content: nothing to match or store again."""
    return before is not None and before.content_hash == article.content_hash


def to_match(known: Mapping[str, KnownArticle], articles: Sequence[Article]) -> list[Article]:
    """The articles ``decide`` will match: those new or changed since ``known``."""
    return [a for a in first_listings(articles)[0] if not _unchanged(known.get(a.id), a)]


def prematch(matcher: ArticleMatcher, articles: Sequence[Article]) -> Prematched:
    """``matcher`` with these articles matched already: heavy with many lists, so the
    bot does it in a worker thread, and ``decide`` then finds the answers ready."""
    answers = {}
    for article in articles:
        fields = tuple(match_fields(article))
        answers[fields, True] = matcher.match(fields, plain=True)
    return Prematched(matcher, answers)


def first_listings(articles: Sequence[Article]) -> tuple[list[Article], tuple[str, ...]]:
    """Each id's first listing in feed order, and the ids that were listed again."""
    seen: set[str] = set()
    kept: list[Article] = []
    again: dict[str, None] = {}  # ordered, each id once
    for article in articles:
        if article.id in seen:
            again[article.id] = None
        else:
            seen.add(article.id)
            kept.append(article)
    return kept, tuple(again)


def is_due(state: FeedState, now: datetime, *, slack: timedelta = timedelta(0)) -> bool:
    """Whether the feed is to be polled at ``now``: never polled, or its time has come
    (or comes within ``slack``: see ``DUE_SLACK``)."""
    return state.next_poll_at is None or state.next_poll_at <= now + slack


def should_alert(
    *, first_poll: bool, published: datetime | None, now: datetime, backfill_days: int
) -> bool:
    """Whether a newly stored article alerts.

    The first poll of a feed finds its whole back catalogue; alerting on all of it
    would flood subscribers, so only articles published within the backfill window do.
    """
    if not first_poll:
        return True
    if backfill_days <= 0 or published is None:
        return False
    return now - published <= timedelta(days=backfill_days)


def alert_matches(
    change: str, matches: Sequence[Match], previously: AbstractSet[str]
) -> tuple[Match, ...]:
    """The matches an alert should carry: all for a new article; for an edited one,
    only watchlists it did not match before (an edit is not news for the others)."""
    if change == "new":
        return tuple(matches)
    if change == "updated":
        return tuple(m for m in matches if m.watchlist not in previously)
    return ()


def match_fields(article: Article) -> list[tuple[str, str]]:
    """The parts of an article to match, each once.

    Joomla feeds carry one description that serves as both summary and body; matching
    it twice would double the work and report every match twice.
    """
    fields = [("title", article.title)]
    summary = " ".join(article.summary.split())
    if summary and summary not in " ".join(article.text.split()):
        fields.append(("summary", article.summary))
    fields.append(("body", article.text))
    return fields


def match_article(matcher: ArticleMatcher, article: Article) -> list[Match]:
    """Match an article as parsed or stored, so a poll and a later rematch agree."""
    return matcher.match(match_fields(article), plain=True)


def next_poll_delay(
    error_count: int,
    base_seconds: float,
    retry_after: float | None,
    *,
    cap_seconds: float = DEFAULT_BACKOFF_CAP_SECONDS,
    retry_after_cap_seconds: float = RETRY_AFTER_CAP_SECONDS,
) -> float:
    """Seconds until the next poll of one feed.

    No errors: ``base``. After *n* consecutive errors: ``base·2^(n-1)`` capped at
    ``cap_seconds`` (never below ``base``). A server's Retry-After wins when it asks for
    longer, up to ``retry_after_cap_seconds`` so a hostile header cannot park us forever.
    """
    delay = base_seconds
    if error_count > 0:
        # The exponent is clamped so a long outage cannot overflow float arithmetic.
        exponent = min(error_count - 1, 64)
        delay = max(base_seconds, min(base_seconds * 2.0**exponent, cap_seconds))
    if retry_after is not None and math.isfinite(retry_after):
        delay = max(delay, min(retry_after, retry_after_cap_seconds))
    return delay


def newest_item_at(articles: Iterable[Article]) -> datetime | None:
    """When the newest dated article was published, if any has a date."""
    dates = [a.published for a in articles if a.published is not None]
    return max(dates) if dates else None


def after_failure(
    state: FeedState,
    *,
    now: datetime,
    error: str,
    retry_after: float | None,
    poll_interval: timedelta,
    max_backoff: timedelta,
) -> FeedState:
    errors = state.error_count + 1
    delay = next_poll_delay(
        errors,
        poll_interval.total_seconds(),
        retry_after,
        cap_seconds=max_backoff.total_seconds(),
    )
    return replace(
        state,
        error_count=errors,
        last_attempt_at=now,
        last_error_at=now,
        last_error=error,
        next_poll_at=now + timedelta(seconds=delay),
        failing_since=state.failing_since or now,
    )


def after_success(
    state: FeedState,
    *,
    now: datetime,
    served: Served,
    poll_interval: timedelta,
    started: datetime | None = None,
) -> FeedState:
    """The feed after a successful poll that ended at ``now``; the next poll is due
    ``poll_interval`` after the poll ``started`` (see ``decide``)."""
    return replace(
        state,
        effective_url=served.permanent_url or state.effective_url,
        # A 304 repeats the validators we sent; a 200 without them must clear the old
        # ones, or we would keep asking about a version the server has forgotten.
        etag=served.etag,
        last_modified=served.last_modified,
        error_count=0,
        last_attempt_at=now,
        last_success_at=now,
        last_error=None,
        next_poll_at=(started or now) + poll_interval,
        failing_since=None,
    )
