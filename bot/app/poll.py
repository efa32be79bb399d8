"""One poll of the feeds: fetch → parse → decide → apply, and the alerts it queues.

The shell around the pure decider in ``bot.domain.poll``: it fetches (``bot.feeds.fetch``),
parses in a thread (``bot.feeds.parse``), reads what the store knows, lets ``decide`` say
what to store and which alerts to raise, and applies that in one transaction, in which
``queue_alert`` puts each alert into the outbox for the chats that follow its lists.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import httpx

from bot.app.config import FeedsConfig
from bot.app.service import Service
from bot.domain.matching import Matcher
from bot.domain.models import Alert, FeedState
from bot.domain.poll import (
    DUE_SLACK,
    PollDecision,
    Prior,
    Served,
    after_failure,
    after_success,
    decide,
    is_due,
)
from bot.feeds.fetch import fetch_feed, make_http_client
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.messages.fanout import alert_messages
from bot.storage import Store
from bot.storage.database import describe_store_fault, store_fault

log = logging.getLogger(__name__)

PollStatus = Literal["ok", "not_modified", "error", "not_due"]
OnAlert = Callable[[Alert, datetime], None]


@dataclass(frozen=True, slots=True)
class FeedPollReport:
    url: str
    status: PollStatus
    new: int = 0
    updated: int = 0
    error: str | None = None
    alerts: tuple[Alert, ...] = field(default_factory=tuple)


async def poll_once(
    service: Service,
    now: datetime,
    *,
    force: bool = False,
    clock: Callable[[], datetime] | None = None,
    client: httpx.AsyncClient | None = None,
) -> list[FeedPollReport]:
    """Poll the feeds that are due at ``now``; with ``clock`` (the running bot), what is
    found is stamped with the time it is stored (see ``poll_feeds``).

    ``client`` is the running bot's, kept from poll to poll (``make_feed_client``);
    without one (a command polling once) a client lives for this poll only.
    """
    if client is None:
        async with make_feed_client(service.config.feeds) as own:
            return await poll_once(service, now, force=force, clock=clock, client=own)
    return await poll_feeds(
        client,
        service.store,
        service.config.feeds,
        now,
        force=force,
        on_alert=lambda alert, at: queue_alert(service, alert, at),
        clock=clock,
        matcher_of=lambda: service.matcher,
        warm=service.warm_matcher,
    )


def make_feed_client(feeds: FeedsConfig) -> httpx.AsyncClient:
    """The HTTP client feeds are fetched with. Building one costs tens of milliseconds
    (its TLS context reads the CA bundle), far more than a poll answered 304."""
    return make_http_client(feeds.user_agent, feeds.timeout)


def queue_alert(service: Service, alert: Alert, now: datetime) -> None:
    """Queue the alert for every instant subscriber following one of its watchlists."""
    for sub in service.store.chats.following(alert.watchlists):
        # This runs inside the poll's transaction. One chat's message failing to
        # render must not undo storing the article, or the feed would fail on every
        # poll from now on; a storage error, though, fails the poll, to be retried whole.
        try:
            messages = alert_messages(alert, [sub])
        except Exception:
            log.exception("alert chat=%d article=%r status=failed", sub.chat_id, alert.article.id)
            continue
        if service.store.outbox.enqueue(messages, now):
            # Inside the poll's transaction this only sets an event: the drain runs
            # once the poll awaits again, by which time the alert is committed. A slow
            # second feed then no longer holds back the first feed's alerts.
            service.on_queued()


async def poll_feeds(
    client: httpx.AsyncClient,
    store: Store,
    cfg: FeedsConfig,
    now: datetime,
    *,
    matcher_of: Callable[[], Matcher],
    force: bool = False,
    on_alert: OnAlert | None = None,
    clock: Callable[[], datetime] | None = None,
    warm: Callable[[], Awaitable[None]] | None = None,
) -> list[FeedPollReport]:
    """Poll every configured feed that is due at ``now`` (all with ``force``),
    concurrently; one feed's failure never stops the others.

    ``on_alert`` runs inside the transaction that stores the article, so an alert is
    queued exactly when its article is stored: a crash loses neither or both.

    The fetch awaits, and meanwhile the bot goes on: a digest may be made, a watchlist
    edited. So what a feed brings is stamped with ``clock()`` and matched with
    ``matcher_of()`` as read when it is stored, not when the poll began: a digest made
    during the fetch then cannot end after an article's stamp without having seen it,
    and a list added meanwhile is not missed. Without ``clock``, ``now`` is the stamp.

    ``warm``, awaited last before an article is decided, has ``matcher_of()`` compiled
    for the lists in force by then, off the event loop (``Service.warm_matcher``).
    """
    run = _PollRun(
        client,
        store,
        cfg,
        now,
        force=force,
        on_alert=on_alert or _no_alert,
        clock=clock or (lambda: now),
        matcher_of=matcher_of,
        warm=warm or _nothing_to_warm,
    )
    return list(await asyncio.gather(*(run.guarded(url) for url in cfg.urls)))


def _no_alert(alert: Alert, now: datetime) -> None:
    pass


async def _nothing_to_warm() -> None:
    pass


@dataclass(frozen=True, slots=True)
class _PollRun:
    """What every feed's poll in one pass shares."""

    client: httpx.AsyncClient
    store: Store
    cfg: FeedsConfig
    started: datetime
    force: bool
    on_alert: OnAlert
    clock: Callable[[], datetime]
    matcher_of: Callable[[], Matcher]
    warm: Callable[[], Awaitable[None]]

    async def guarded(self, url: str) -> FeedPollReport:
        try:
            return await self.poll(url)
        except Exception as exc:  # a bug in one feed's handling must not stop the rest
            if store_fault(exc) is not None:
                # Nothing was committed, the feed's validators included: the next poll
                # fetches the same articles again.
                reason = describe_store_fault(exc)
                log.error("feed=%s status=not_stored error=%r", url, reason)
                return FeedPollReport(url, "error", error=f"cannot store: {reason}")
            log.exception("feed=%s status=crashed", url)
            return FeedPollReport(url, "error", error=f"internal error: {exc!r}")

    async def poll(self, url: str) -> FeedPollReport:
        state = self.store.feed_state(url)
        if not self.force and not is_due(state, self.started, slack=DUE_SLACK):
            return FeedPollReport(url, "not_due")
        fetched = await fetch_feed(
            self.client,
            state.effective_url or url,
            etag=state.etag,
            last_modified=state.last_modified,
            max_bytes=self.cfg.max_bytes,
            timeout=self.cfg.timeout.total_seconds(),
        )
        if fetched.status == "error":
            return self._fail(state, fetched.error or "fetch failed", fetched.retry_after)
        served = Served(fetched.etag, fetched.last_modified, fetched.permanent_url)
        if fetched.status == "not_modified":
            self.store.save_feed_state(
                after_success(
                    state, now=self.started, served=served, poll_interval=self.cfg.poll_interval
                )
            )
            log.info("feed=%s status=not_modified", url)
            return FeedPollReport(url, "not_modified")

        # feedparser is CPU-bound (milliseconds per item): keep the event loop responsive.
        parsed = await asyncio.to_thread(
            parse_feed, fetched.body, url, content_type=fetched.content_type
        )
        if parsed.error is not None:
            return self._fail(state, parsed.error, None)
        if parsed.warning:
            log.warning("feed=%s warning=%r", url, parsed.warning)

        await self.warm()
        decision = self._decide_and_store(state, parsed, served)
        if decision.duplicates:
            log.warning(
                "feed=%s warning='%d id(s) listed more than once; the first listing of each "
                "is kept' ids=%r",
                url,
                len(decision.duplicates),
                list(decision.duplicates[:5]),
            )
        log.info(
            "feed=%s status=ok items=%d new=%d updated=%d alerts=%d",
            url,
            len(parsed.articles),
            decision.new,
            decision.updated,
            len(decision.alerts),
        )
        return FeedPollReport(
            url, "ok", new=decision.new, updated=decision.updated, alerts=decision.alerts
        )

    def _decide_and_store(
        self, state: FeedState, parsed: ParsedFeed, served: Served
    ) -> PollDecision:
        # Read once, after the last await: see poll_feeds.
        now = self.clock()
        matcher = self.matcher_of()
        # The read, the decision and the write share one transaction, as a poll in
        # another process (the CLI's) could otherwise store one of these articles
        # between what was read and what is written.
        with self.store.transaction():
            prior = Prior(state, self.store.known_articles(a.id for a in parsed.articles))
            decision = decide(
                prior,
                parsed.articles,
                matcher,
                now,
                title=parsed.title,
                served=served,
                poll_interval=self.cfg.poll_interval,
                backfill_days=self.cfg.backfill_days,
                started=self.started,
            )
            self.store.apply_poll(decision)
            for alert in decision.alerts:
                self.on_alert(alert, now)
        return decision

    def _fail(self, state: FeedState, error: str, retry_after: float | None) -> FeedPollReport:
        failed = after_failure(
            state,
            now=self.started,
            error=error,
            retry_after=retry_after,
            poll_interval=self.cfg.poll_interval,
            max_backoff=self.cfg.max_backoff,
        )
        self.store.save_feed_state(failed)
        log.warning(
            "feed=%s status=error error=%r errors=%d next_poll=%s",
            state.url,
            error,
            failed.error_count,
            failed.next_poll_at.isoformat() if failed.next_poll_at else "-",
        )
        return FeedPollReport(state.url, "error", error=error)
