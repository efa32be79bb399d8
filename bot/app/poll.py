"""One poll of the feeds: fetch → parse → decide → apply, and the alerts it queues.

The shell around the pure decider in ``bot.domain.poll``: it fetches (``bot.feeds.fetch``),
parses in a child process (``bot.feeds.parse_child``), reads what the store knows, lets
``decide`` say what to store and which alerts to raise, and applies that in one
transaction, in which ``queue_alerts`` puts its alerts into the outbox for the chats that
follow their lists.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

import httpx

from bot.app import possibly_about
from bot.app.config import FeedsConfig
from bot.app.followers import not_queued_before, queue_to_chats
from bot.app.service import Service
from bot.app.spikes import queue_spike_notices
from bot.domain.matchers import ArticleMatcher
from bot.domain.models import Alert, FeedState, OutgoingMessage, Subscriber
from bot.domain.poll import (
    DUE_SLACK,
    PollDecision,
    Prior,
    Served,
    after_failure,
    after_success,
    decide,
    is_due,
    prematch,
    to_match,
)
from bot.feeds.fetch import fetch_feed, make_http_client
from bot.feeds.parse import ParsedFeed
from bot.feeds.parse_child import parse_in_child
from bot.messages.fanout import AlertTexts, alerts_for, chat_alert_messages
from bot.storage import Store
from bot.storage.database import describe_store_fault, store_fault

log = logging.getLogger(__name__)

PollStatus = Literal["ok", "not_modified", "error", "not_due"]
OnAlerts = Callable[[Sequence[Alert], datetime], None]
# After a feed's poll has committed: what it decided, and whether it was the feed's first.
AfterStored = Callable[[PollDecision, bool], Awaitable[object]]
# Inside a feed's poll's transaction, after it stored what it decided: the same.
OnStored = Callable[[PollDecision, bool], None]


class FeedParser(Protocol):
    """Turns a fetched body into articles (``parse_in_child``)."""

    def __call__(
        self, body: bytes, feed_url: str, *, content_type: str | None
    ) -> Awaitable[ParsedFeed]: ...


# Lists edited during each of this many matches in a row: the last try matches on the
# loop rather than keep the articles waiting.
_PREMATCH_TRIES = 3


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
    reports = await poll_feeds(
        client,
        service.store,
        service.config.feeds,
        now,
        force=force,
        on_alerts=lambda alerts, at: queue_alerts(service, alerts, at),
        clock=clock,
        matcher_of=lambda: service.matcher,
        warm=service.warm_matcher,
        on_stored=lambda decision, first_poll: possibly_about.owe(
            service, decision, first_poll=first_poll
        ),
        after_stored=lambda decision, first_poll: possibly_about.after_poll(
            service, decision, first_poll=first_poll, clock=clock or (lambda: now)
        ),
    )
    # What the "possibly about" tier still owes from before (the bot stopped, or its
    # child failed, before reading it; a list's `about` edited): even when no feed
    # brought anything, as at start-up.
    await possibly_about.catch_up(service, clock or (lambda: now))
    return reports


def make_feed_client(feeds: FeedsConfig, *, tls: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    """The HTTP client feeds are fetched with. Building one costs tens of milliseconds
    (its TLS context reads the CA bundle), far more than a poll answered 304; the running
    bot gives it the TLS context its Telegram clients use (``tls``)."""
    return make_http_client(feeds.user_agent, feeds.timeout, tls=tls)


def queue_alerts(service: Service, alerts: Sequence[Alert], now: datetime) -> None:
    """Queue the alerts of one poll of a feed for every instant subscriber following one
    of their watchlists: one alert alone as itself, several as one combined alert
    (``chat_alert_messages``): forty matches make one message, in parts when long."""
    if not alerts:
        return
    # The alerts' buttons name their articles by a short key: note which is which.
    service.store.feedback.remember_articles(a.article.id for a in alerts)
    texts = AlertTexts()
    outbox = service.store.outbox

    def render(sub: Subscriber) -> list[OutgoingMessage]:
        mine = not_queued_before(outbox, alerts_for(sub, alerts, now))
        return chat_alert_messages(sub, mine, texts)

    lists = {w for a in alerts for w in a.watchlists}
    followers = service.store.chats.following(lists)
    queue_to_chats(service, followers, render, now, what="alert")
    queue_spike_notices(service, lists, now, followers)


async def poll_feeds(
    client: httpx.AsyncClient,
    store: Store,
    cfg: FeedsConfig,
    now: datetime,
    *,
    matcher_of: Callable[[], ArticleMatcher],
    force: bool = False,
    on_alerts: OnAlerts | None = None,
    clock: Callable[[], datetime] | None = None,
    warm: Callable[[], Awaitable[None]] | None = None,
    parse: FeedParser = parse_in_child,
    on_stored: OnStored | None = None,
    after_stored: AfterStored | None = None,
) -> list[FeedPollReport]:
    """Poll every configured feed that is due at ``now`` (all with ``force``),
    concurrently; one feed's failure never stops the others.

    ``on_alerts`` gets the alerts of each feed's poll together, inside the transaction
    that stores their articles, so an alert is queued exactly when its article is
    stored (a crash loses neither or both), and a chat's alerts from one poll can be
    combined into one message.

    The fetch awaits, and meanwhile the bot goes on: a digest may be made, a watchlist
    edited. So what a feed brings is stamped with ``clock()`` and matched with
    ``matcher_of()`` as read when it is stored, not when the poll began: a digest made
    during the fetch then cannot end after an article's stamp without having seen it,
    and a list added meanwhile is not missed. Without ``clock``, ``now`` is the stamp.

    ``warm``, awaited last before an article is decided, has ``matcher_of()`` compiled
    for the lists in force by then, off the event loop (``Service.warm_matcher``).
    ``parse`` reads a changed feed's body (a child process each, ``parse_in_child``).
    ``on_stored`` is called inside the transaction that stores a feed's poll (what the
    "possibly about" tier will owe is marked with it), ``after_stored`` awaited once it
    has committed (the tier, which must not hold up what was stored and queued).
    """
    run = _PollRun(
        client,
        store,
        cfg,
        now,
        force=force,
        on_alerts=on_alerts or _no_alerts,
        clock=clock or (lambda: now),
        matcher_of=matcher_of,
        warm=warm or _nothing_to_warm,
        parse=parse,
        on_stored=on_stored or _nothing_stored,
        after_stored=after_stored or _nothing_after,
    )
    return list(await asyncio.gather(*(run.guarded(url) for url in cfg.urls)))


def _no_alerts(alerts: Sequence[Alert], now: datetime) -> None:
    pass


async def _nothing_to_warm() -> None:
    pass


def _nothing_stored(decision: PollDecision, first_poll: bool) -> None:
    pass


async def _nothing_after(decision: PollDecision, first_poll: bool) -> None:
    pass


@dataclass(frozen=True, slots=True)
class _PollRun:
    """What every feed's poll in one pass shares."""

    client: httpx.AsyncClient
    store: Store
    cfg: FeedsConfig
    started: datetime
    force: bool
    on_alerts: OnAlerts
    clock: Callable[[], datetime]
    matcher_of: Callable[[], ArticleMatcher]
    warm: Callable[[], Awaitable[None]]
    parse: FeedParser
    on_stored: OnStored
    after_stored: AfterStored

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

        # In a child process: the bot never loads feedparser, and the event loop only
        # waits; a feed that crashes or hangs the parser fails alone.
        parsed = await self.parse(fetched.body, url, content_type=fetched.content_type)
        if parsed.error is not None:
            return self._fail(state, parsed.error, None)
        if parsed.warning:
            log.warning("feed=%s warning=%r", url, parsed.warning)

        await self.warm()
        matcher = await self._matched_off_loop(parsed)
        decision = self._decide_and_store(state, parsed, served, matcher)
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
        await self.after_stored(decision, not state.initialised)
        return FeedPollReport(
            url, "ok", new=decision.new, updated=decision.updated, alerts=decision.alerts
        )

    async def _matched_off_loop(self, parsed: ParsedFeed) -> ArticleMatcher:
        """The matcher in force, with the new and changed articles matched already, in
        a worker thread: every personal list is matched on its own, which with many
        users takes some milliseconds an article. Lists changed meanwhile: again, with
        them (and after a few tries, ``decide`` matches on the loop)."""
        for _ in range(_PREMATCH_TRIES):
            matcher = self.matcher_of()
            known = self.store.known_articles(a.id for a in parsed.articles)
            fresh = to_match(known, parsed.articles)
            if not fresh:
                return matcher
            answered = await asyncio.to_thread(prematch, matcher, fresh)
            await self.warm()
            if self.matcher_of() is matcher:
                return answered
        return self.matcher_of()

    def _decide_and_store(
        self, state: FeedState, parsed: ParsedFeed, served: Served, matcher: ArticleMatcher
    ) -> PollDecision:
        # Read once, after the last await: see poll_feeds.
        now = self.clock()
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
            self.on_stored(decision, not state.initialised)
            if decision.alerts:
                self.on_alerts(decision.alerts, now)
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
