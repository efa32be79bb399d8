"""One poll of the feeds: fetch → parse → store → match → alerts.

The decisions (is this new? should it alert? when is the next poll?) are small pure
functions; ``poll_feed`` is the thin shell that performs the I/O around them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

import httpx

from bot.app.config import FeedsConfig
from bot.domain.matching import Matcher
from bot.domain.models import Alert, Article, FeedState, Match
from bot.feeds.fetch import FetchResult, fetch_feed, newest_item_at, next_poll_delay, parse_feed
from bot.storage import Store
from bot.storage.database import describe_store_fault, store_fault

log = logging.getLogger(__name__)

PollStatus = Literal["ok", "not_modified", "error", "not_due"]


@dataclass(frozen=True, slots=True)
class FeedPollReport:
    url: str
    status: PollStatus
    new: int = 0
    updated: int = 0
    error: str | None = None
    alerts: tuple[Alert, ...] = field(default_factory=tuple)


# -- pure decisions ----------------------------------------------------------------


def is_due(state: FeedState, now: datetime) -> bool:
    return state.next_poll_at is None or state.next_poll_at <= now


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


def alert_matches(change: str, matches: Sequence[Match], previously: set[str]) -> tuple[Match, ...]:
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


def after_failure(
    state: FeedState, *, now: datetime, error: str, retry_after: float | None, cfg: FeedsConfig
) -> FeedState:
    errors = state.error_count + 1
    delay = next_poll_delay(
        errors,
        cfg.poll_interval.total_seconds(),
        retry_after,
        cap_seconds=cfg.max_backoff.total_seconds(),
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
    state: FeedState, *, now: datetime, fetched: FetchResult, cfg: FeedsConfig
) -> FeedState:
    return replace(
        state,
        effective_url=fetched.permanent_url or state.effective_url,
        # A 304 repeats the validators we sent; a 200 without them must clear the old
        # ones, or we would keep asking about a version the server has forgotten.
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        error_count=0,
        last_attempt_at=now,
        last_success_at=now,
        last_error=None,
        next_poll_at=now + cfg.poll_interval,
        failing_since=None,
    )


# -- the I/O shell -----------------------------------------------------------------


async def poll_feed(
    client: httpx.AsyncClient,
    store: Store,
    matcher: Matcher,
    url: str,
    cfg: FeedsConfig,
    now: datetime,
    *,
    force: bool = False,
    on_alert: Callable[[Alert, datetime], None] | None = None,
    clock: Callable[[], datetime] | None = None,
    matcher_of: Callable[[], Matcher] | None = None,
) -> FeedPollReport:
    """Fetch one feed if due, store what is new or changed, match it, and report alerts.

    ``on_alert`` runs inside the transaction that stores the article, so an alert is
    queued exactly when its article is stored: a crash loses neither or both.

    The fetch awaits, and meanwhile the bot goes on: a digest may be made, a watchlist
    edited. So when ``clock`` and ``matcher_of`` are given, the articles are stamped
    with the time and matched with the lists in force when they are stored, not when
    the poll began: a digest made during the fetch then cannot end after an article's
    stamp without having seen it, and a list added meanwhile is not missed.
    """
    state = store.feed_state(url)
    if not force and not is_due(state, now):
        return FeedPollReport(url, "not_due")
    fetched = await fetch_feed(
        client,
        state.effective_url or url,
        etag=state.etag,
        last_modified=state.last_modified,
        max_bytes=cfg.max_bytes,
        timeout=cfg.timeout.total_seconds(),
    )
    if fetched.status == "error":
        return _fail(store, state, now, fetched.error or "fetch failed", fetched.retry_after, cfg)
    if fetched.status == "not_modified":
        store.save_feed_state(after_success(state, now=now, fetched=fetched, cfg=cfg))
        log.info("feed=%s status=not_modified", url)
        return FeedPollReport(url, "not_modified")

    # feedparser is CPU-bound (milliseconds per item): keep the event loop responsive.
    parsed = await asyncio.to_thread(
        parse_feed, fetched.body, url, content_type=fetched.content_type
    )
    if parsed.error is not None:
        return _fail(store, state, now, parsed.error, None, cfg)
    if parsed.warning:
        log.warning("feed=%s warning=%r", url, parsed.warning)

    new = updated = 0
    alerts: list[Alert] = []
    first_poll = not state.initialised
    if clock is not None:
        now = clock()
    if matcher_of is not None:
        matcher = matcher_of()
    with store.transaction():
        for article in parsed.articles:
            outcome = store.upsert_article(article, now)
            if outcome.change == "same":
                continue
            # Read before the matches are replaced; only an edited article has any.
            previously = (
                store.matched_watchlists(article.id) if outcome.change == "updated" else set()
            )
            new += outcome.change == "new"
            updated += outcome.change == "updated"
            matches = matcher.match(match_fields(article))
            store.replace_matches(article.id, matches, now)
            carried = alert_matches(outcome.change, matches, previously)
            if carried and should_alert(
                first_poll=first_poll and outcome.change == "new",
                published=article.published,
                now=now,
                backfill_days=cfg.backfill_days,
            ):
                alert = Alert(article, carried, updated=outcome.change == "updated")
                alerts.append(alert)
                if on_alert is not None:
                    on_alert(alert, now)
        newest = newest_item_at(parsed.articles)
        success = after_success(state, now=now, fetched=fetched, cfg=cfg)
        store.save_feed_state(
            replace(
                success,
                initialised=True,
                title=parsed.title or state.title,
                newest_item_at=max(filter(None, (newest, state.newest_item_at)), default=None),
            )
        )
    log.info(
        "feed=%s status=ok items=%d new=%d updated=%d alerts=%d",
        url,
        len(parsed.articles),
        new,
        updated,
        len(alerts),
    )
    return FeedPollReport(url, "ok", new=new, updated=updated, alerts=tuple(alerts))


def _fail(
    store: Store,
    state: FeedState,
    now: datetime,
    error: str,
    retry_after: float | None,
    cfg: FeedsConfig,
) -> FeedPollReport:
    failed = after_failure(state, now=now, error=error, retry_after=retry_after, cfg=cfg)
    store.save_feed_state(failed)
    log.warning(
        "feed=%s status=error error=%r errors=%d next_poll=%s",
        state.url,
        error,
        failed.error_count,
        failed.next_poll_at.isoformat() if failed.next_poll_at else "-",
    )
    return FeedPollReport(state.url, "error", error=error)


async def poll_feeds(
    client: httpx.AsyncClient,
    store: Store,
    matcher: Matcher,
    cfg: FeedsConfig,
    now: datetime,
    *,
    force: bool = False,
    on_alert: Callable[[Alert, datetime], None] | None = None,
    clock: Callable[[], datetime] | None = None,
    matcher_of: Callable[[], Matcher] | None = None,
) -> list[FeedPollReport]:
    """Poll every configured feed concurrently; one feed's failure never stops the others."""

    async def guarded(url: str) -> FeedPollReport:
        try:
            return await poll_feed(
                client,
                store,
                matcher,
                url,
                cfg,
                now,
                force=force,
                on_alert=on_alert,
                clock=clock,
                matcher_of=matcher_of,
            )
        except Exception as exc:  # a bug in one feed's handling must not stop the rest
            if store_fault(exc) is not None:
                # Nothing was committed, the feed's validators included: the next poll
                # fetches the same articles again.
                reason = describe_store_fault(exc)
                log.error("feed=%s status=not_stored error=%r", url, reason)
                return FeedPollReport(url, "error", error=f"cannot store: {reason}")
            log.exception("feed=%s status=crashed", url)
            return FeedPollReport(url, "error", error=f"internal error: {exc!r}")

    return list(await asyncio.gather(*(guarded(url) for url in cfg.urls)))


def make_http_client(cfg: FeedsConfig) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers={"User-Agent": cfg.user_agent},
        timeout=httpx.Timeout(cfg.timeout.total_seconds()),
        follow_redirects=False,
    )
