"""Digests: the scheduled one for every subscriber, and those asked for on demand; and
the alerts held in a subscriber's quiet hours, sent as one message when they end.

What is due is decided by ``bot.domain.schedule`` from stored state and ``now``; what a
digest holds by ``bot.domain.digest``; its words by ``bot.messages``. This module reads
the store, calls them, and queues the messages.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from bot.app.chats import list_meant
from bot.app.followers import queue_to_chats
from bot.app.quiet_release import queue_held_alerts
from bot.app.service import Service
from bot.app.spikes import held_spike_notices
from bot.app.trend_counts import counted_sightings
from bot.domain.digest import Digest, build_digest
from bot.domain.models import (
    DigestEntry,
    DigestRecord,
    FeedState,
    OutgoingMessage,
    Subscriber,
)
from bot.domain.mute import alert_lists, digest_about_lists, digest_lists, heard_lists
from bot.domain.possibly_about import AboutSeen
from bot.domain.quiet import chat_held_span, chat_next_wake, chat_release_due
from bot.domain.routing import Destination, Route, subscriber_views
from bot.domain.schedule import (
    DueDigest,
    chat_digest_due,
    local_day_window,
    opens_with_trends,
    parse_day,
    zone,
)
from bot.domain.trends import (
    SPARK_WEEKS,
    ListTrend,
    ReportedWeek,
    reported_week,
    trends,
    window_start,
)
from bot.messages.fanout import (
    digest_key,
    digest_messages,
    digest_texts,
    routed_digest_key,
    to_destination,
)
from bot.messages.trend_lines import trend_block, with_trend_block
from bot.storage.chats import DigestCandidate
from bot.storage.database import store_fault

log = logging.getLogger(__name__)


def digest_tick(service: Service, now: datetime) -> int:
    """Queue every digest that is due at ``now``; returns how many messages were queued.

    What is due is decided from the store (the last digest of each chat) and ``now``
    alone, so a tick that runs late, twice, or after downtime does the right thing. Only
    the chats whose stored next digest has come are read (through an index: a minute
    with nothing due reads nothing), and each is checked by the rule itself
    (``chat_digest_due``); then when its next digest is due is stored again.
    """
    # The store keeps whole seconds; so does the window, or the next digest's window
    # would start a fraction of a second before this one ends.
    now = now.replace(microsecond=0)
    candidates = service.store.chats.digest_candidates(now)
    if not candidates:
        return 0
    cache = _TickCache(feeds=service.store.feed_states(service.config.feeds.urls))
    for route in service.store.routes.of_chats([c.subscriber.chat_id for c in candidates]):
        cache.routes.setdefault(route.chat_id, []).append(route)
    queued = 0
    upcoming: list[tuple[DigestCandidate, datetime | None]] = []
    for candidate in candidates:
        sub = candidate.subscriber
        # One chat's failure (a bug, a bad row) must not hold back everyone's digest; it
        # keeps its time in the past, so the next tick tries it again.
        try:
            last = candidate.last
            # None: not due after all (the chat changed, or the clock went back).
            due = chat_digest_due(sub, last, now)
            if due is not None:
                made, last = _queue_digest(service, sub, due, now, cache)
                queued += made
                if chat_held_span(sub, now) is not None:
                    # The digest took the held alerts.
                    sub = replace(sub, quiet_released_until=now)
            release = chat_release_due(sub, now)
            if release is not None:
                queued += queue_held_alerts(service, sub, release, now)
                sub = replace(sub, quiet_released_until=release[1])
            upcoming.append((candidate, chat_next_wake(sub, last, now)))
        except Exception as exc:
            if store_fault(exc) is not None:
                # Every other chat would wait busy_timeout and fail the same way.
                raise
            log.exception("digest chat=%d status=failed", sub.chat_id)
    # All in one transaction: one commit per chat would cost more than the rest of the
    # tick. A crash before it leaves these times in the past, and the next tick finds
    # each digest made already and stores the time then.
    with service.store.transaction():
        for candidate, at in upcoming:
            service.store.chats.set_next_digest(
                candidate.subscriber.chat_id, at, found=candidate.next_digest_at
            )
    return queued


def _about_seen(service: Service, since: datetime, until: datetime) -> list[AboutSeen]:
    """What the "possibly about" tier found in ``[since, until)``, for the lists it runs
    on now: nothing once ``[about] enabled = false``, nor for a list whose `about` was
    taken out (their verdicts stay stored, but turning the tier off turns them off too)."""
    if not service.config.about.enabled:
        return []
    running = {w.name for w in service.watchlists if w.about}
    if not running:
        return []
    found = service.store.about.found_between(since, until)
    return [s for s in found if s.found.watchlist in running]


def digest_between(
    service: Service, since: datetime, until: datetime, watchlists: Sequence[str] | None = None
) -> Digest:
    """The digest of what was first seen (or changed) in ``[since, until)``, for a reader
    following ``watchlists`` (all lists when None)."""
    return build_digest(
        service.store.articles_seen_between(since, until),
        since=since,
        until=until,
        feeds=service.store.feed_states(service.config.feeds.urls),
        watchlists=watchlists,
        shared=[w.name for w in service.watchlists],
        about=_about_seen(service, since, until),
    )


def _queue_digest(
    service: Service, sub: Subscriber, due: DueDigest, now: datetime, cache: _TickCache
) -> tuple[int, DigestRecord | None]:
    """Queue the chat's ``due`` digest; returns the messages queued and the chat's last
    digest now.

    A chat whose lists are routed gets a digest at each destination (``subscriber_views``):
    its own of the lists that stay, and one in each topic or channel of the lists routed
    there, all at the chat's schedule and under the day's one record.
    """
    queued = 0
    window = (due.since, due.until)
    if window not in cache.seen:
        # Subscribers at the same time share a window: read the articles once.
        cache.seen[window] = service.store.articles_seen_between(*window)
        cache.about[window] = _about_seen(service, *window)
    # The held alerts are the chat's, whichever destination their lists go to.
    held = chat_held_span(sub, now)
    parts: list[tuple[bool, list[OutgoingMessage]]] = []
    articles = 0
    for destination, view in subscriber_views(sub, cache.routes.get(sub.chat_id, ())):
        own = destination == Destination(sub.chat_id)
        # A muted list is left out of the digest while the mute lasts; a list whose
        # articles came as alerts, too, when the chat asked (but not what its quiet hours
        # held).
        heard = digest_lists(view, now)
        # What the chat's quiet hours held for the lists there goes in this digest too.
        taken = heard + (alert_lists(view, now) if held is not None else ())
        if not own and not taken:
            continue  # nothing routed there goes in a digest (alerts only, or muted)
        channel = destination.is_elsewhere(sub.chat_id)
        count, texts = _digest_texts(service, view, due, heard, held, now, cache, channel)
        articles += count
        if heard and opens_with_trends(view.digest_days, due.local_date):
            week = reported_week(due.since, due.until, zone(view.timezone))
            lines = _trends(service, heard, week, view.timezone, cache)
            texts = with_trend_block(texts, trend_block(lines, last_week=week.complete))
        if service.config.site.public_base_url:
            texts = _with_archive_line(texts, service, heard, window, cache)
        if own:
            key = digest_key(sub.chat_id, due.local_date)
        else:
            key = routed_digest_key(destination, due.local_date, sorted(set(taken)))
        messages = digest_messages(texts, chat_id=view.chat_id, key=key)
        parts.append((own, to_destination(messages, destination, sub.chat_id)))
    record = DigestRecord(
        chat_id=sub.chat_id,
        local_date=due.local_date,
        since=due.since,
        until=due.until,
        articles=articles,
        parts=sum(len(m) for _, m in parts),
        created_at=now,
    )
    # The day's record and its messages land together: a crash between them can
    # neither lose the digest nor make it twice.
    chats, outbox = service.store.chats, service.store.outbox
    with service.store.transaction():
        if chats.record_digest(record):
            for own, messages in parts:
                # Another chat routing the same lists there made the day's digest
                # already: its parts are not to be mixed with these.
                if messages and (own or outbox.by_key(messages[0].dedup_key) is None):
                    queued += outbox.enqueue(messages, now)
            last: DigestRecord | None = record
            if held is not None:
                chats.set_quiet_released(sub.chat_id, now)
                queued += _queue_held_spikes(service, sub, held, now)
        else:  # made meanwhile (by another process's tick)
            last = chats.last_digest(sub.chat_id)
    log.info(
        "digest chat=%d date=%s articles=%d parts=%d destinations=%d",
        sub.chat_id,
        due.local_date,
        articles,
        record.parts,
        len(parts),
    )
    return queued, last


def _queue_held_spikes(
    service: Service, sub: Subscriber, held: tuple[datetime, datetime], now: datetime
) -> int:
    """The spike notices the quiet hours held, with the digest that took their alerts."""
    outbox = service.store.outbox

    def render(view: Subscriber) -> list[OutgoingMessage]:
        return held_spike_notices(service, view, held, now, outbox)

    return queue_to_chats(service, [sub], render, now, what="spike")


def _digest_texts(
    service: Service,
    view: Subscriber,
    due: DueDigest,
    heard: tuple[str, ...],
    held: tuple[datetime, datetime] | None,
    now: datetime,
    cache: _TickCache,
    channel: bool,
) -> tuple[int, list[str]]:
    """A digest's article count and texts for the chat as one destination hears it;
    most chats share their window, lists and zone: each digest is built and rendered
    once a tick."""
    window = (due.since, due.until)
    alerted = alert_lists(view, now)
    about_lists = digest_about_lists(view, now, held=held is not None)
    shape = (window, heard, alerted, held, about_lists, view.timezone, view.is_group, channel)
    if shape not in cache.rendered:
        digest = build_digest(
            cache.seen[window],
            since=due.since,
            until=due.until,
            feeds=cache.feeds,
            watchlists=heard,
            shared=[w.name for w in service.watchlists],
            about=cache.about[window],
            alerted=alerted,
            held=held,
            about_lists=about_lists,
        )
        digest = replace(digest, for_group=view.is_group, for_channel=channel)
        texts = digest_texts(
            digest,
            now=now,
            tz=zone(view.timezone),
            stale_after=service.stale_after,
            empty=service.config.digest.empty,
        )
        cache.rendered[shape] = (len(digest.entries), texts)
    return cache.rendered[shape]


def _trends(
    service: Service,
    lists: tuple[str, ...],
    week: ReportedWeek,
    timezone: str,
    cache: _TickCache,
) -> list[ListTrend]:
    """The lists' last weeks up to the one the digest reports, weeks of the chat's zone
    (as /trend counts them), read once a tick."""
    key = (lists, week.as_of, timezone)
    if key not in cache.trends:
        tz = zone(timezone)
        seen = counted_sightings(service, lists, window_start(week.as_of, SPARK_WEEKS, tz))
        cache.trends[key] = trends(seen, lists, now=week.as_of, weeks=SPARK_WEEKS, tz=tz)
    return cache.trends[key]


def _with_archive_line(
    texts: list[str],
    service: Service,
    heard: Sequence[str],
    window: tuple[datetime, datetime],
    cache: _TickCache,
) -> list[str]:
    """The digest ending with a link to each archive day holding its shared lists'
    articles (the archive's days are in the deployment's digest zone, as ``app.site``
    writes them)."""
    # Imported here: a bot whose archive is not published loads none of it.
    from bot.messages.archive_links import archive_line, with_archive_line

    shared = {w.name for w in service.watchlists} & set(heard)
    tz = zone(service.config.digest.timezone)
    days = {
        e.first_seen_at.astimezone(tz).date()
        for e in cache.seen[window]
        if window[0] <= e.first_seen_at < window[1]
        and any(m.watchlist in shared for m in e.matches)
    }
    days |= {
        s.first_seen_at.astimezone(tz).date()
        for s in cache.about[window]
        if s.found.watchlist in shared
    }
    line = archive_line(service.config.site.public_base_url, sorted(days))
    return with_archive_line(texts, line)


def day_digest(service: Service, sub: Subscriber, day: date, now: datetime) -> Digest:
    """One local day's digest for the chat, as far as that day has gone (``/digest``)."""
    tz = zone(sub.timezone)
    since, until = local_day_window(day, tz)
    digest = digest_between(service, since, min(until, _through(now)), heard_lists(sub, now))
    return replace(digest, day=day, for_group=sub.is_group)


def parse_digest_day(sub: Subscriber, text: str, now: datetime) -> date:
    """The day ``/digest [today|yesterday|YYYY-MM-DD]`` means in the chat's zone;
    ValueError with a sentence for the user when it means none."""
    return parse_day(text, now=now, tz=zone(sub.timezone))


LATEST_DEFAULT, LATEST_MAX = 5, 20
# /latest looks this far back for matching articles.
LATEST_WINDOW = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class Latest:
    """The newest matching articles, or why there are none to show.

    ``unknown`` holds what was typed for a list when it named none (``candidates`` are
    the names it came close to); ``capped`` says more were asked for than are shown.
    """

    digest: Digest | None
    count: int = 0
    capped: bool = False
    watchlist: str | None = None
    unknown: str | None = None
    candidates: tuple[str, ...] = ()


class LatestRefused(ValueError):
    """A count /latest cannot show (0, negative); it shows 1 to `most`."""

    def __init__(self, count: int, most: int = LATEST_MAX) -> None:
        self.count = count
        self.most = most
        super().__init__(f"count {count} not in 1..{most}")


def latest(
    service: Service, sub: Subscriber, *, query: str, count: int | None, now: datetime
) -> Latest:
    """The ``count`` newest articles matching the chat's lists, or only the list
    ``query`` names (any shared list, or one of the chat's own)."""
    if count is not None and count < 1:
        raise LatestRefused(count)
    wanted = LATEST_DEFAULT if count is None else count
    shown = min(wanted, LATEST_MAX)
    names: tuple[str, ...]
    label = None
    if query:
        meant = list_meant(service, sub, query, now, leaving=True)
        if not meant.target:
            return Latest(None, unknown=query, candidates=meant.candidates)
        names, label = (meant.target,), meant.shown
    else:
        names = sub.watchlists or tuple(w.name for w in service.watchlists)
    digest = digest_between(service, now - LATEST_WINDOW, _through(now), names)
    trimmed = replace(
        digest,
        entries=digest.entries[:shown],
        unmatched_count=0,
        other_lists_count=0,
        for_group=sub.is_group,
        # /latest shows articles that name a list; the digest, those possibly about one.
        about=(),
    )
    return Latest(trimmed, count=shown, capped=wanted > LATEST_MAX, watchlist=label)


def _through(now: datetime) -> datetime:
    """The end of a window that includes ``now``: the store keeps whole seconds, and an
    article stored this second is news to someone asking this second."""
    return now.replace(microsecond=0) + timedelta(seconds=1)


@dataclass
class _TickCache:
    """What one digest tick reads and renders once for every chat that shares it."""

    feeds: list[FeedState]
    routes: dict[int, list[Route]] = field(default_factory=dict)
    seen: dict[tuple[datetime, datetime], list[DigestEntry]] = field(default_factory=dict)
    about: dict[tuple[datetime, datetime], list[AboutSeen]] = field(default_factory=dict)
    trends: dict[tuple[tuple[str, ...], datetime, str], list[ListTrend]] = field(
        default_factory=dict
    )
    rendered: dict[
        tuple[
            tuple[datetime, datetime],
            tuple[str, ...],
            tuple[str, ...],
            tuple[datetime, datetime] | None,
            tuple[str, ...],
            str,
            bool,
            bool,
        ],
        tuple[int, list[str]],
    ] = field(default_factory=dict)
