"""The "possibly about" tier in the running bot: what it owes, and reading it.

Nothing the tier should read is lost. A poll that stores an article's new or changed text
marks it owed in the same transaction (``owe``); an edit of a list's `about` marks the
recent articles owed for that list (``owe_edited_lists``); the mark goes in the
transaction that stores the tier's findings. After each poll has committed, and at
start-up (the first poll), ``catch_up`` reads what is owed a batch at a time, the polls'
marks first and then the oldest, in a child process (``Service.about_tier``) while the
event loop goes on. A crash, a child that fails or times out, leaves the marks for the
next time; a tier that keeps failing is tried again after a growing pause
(``domain/possibly_about.TierBackoff``), logged once per episode.

The tier runs after the poll's transaction has committed and its named alerts are
queued: its failing must neither hold back nor lose a named alert. Nothing it raises
leaves ``catch_up``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.app.followers import not_queued_before, queue_to_followers
from bot.app.service import Service
from bot.app.spikes import queue_spike_notices
from bot.domain.aboutness import PossiblyAbout
from bot.domain.models import OutgoingMessage, Subscriber, Watchlist
from bot.domain.poll import PollDecision, should_alert
from bot.domain.possibly_about import (
    AboutAlert,
    Owed,
    OwedChange,
    TierBackoff,
    about_alerts,
    about_alerts_for,
    backoff_wait,
    outranked,
)
from bot.lists.registry import about_fingerprint
from bot.messages.fanout import chat_about_messages
from bot.storage.database import describe_store_fault, store_fault

log = logging.getLogger(__name__)

# Marks read by one child: its model loads once for them (half a second), and each
# article costs milliseconds more, with a timeout to match.
BATCH = 50


# A failing tier reads smaller batches each time, down to one article: a text it cannot
# read (one that crashes or hangs the child) is then found, and read alone from then on,
# after the others, with a pause of its own (``AboutStore.failed_alone``).
def batch_size(backoff: TierBackoff) -> int:
    return max(1, BATCH >> backoff.failures)


# Batches read in one turn; what is left waits for the next poll, so that a long
# reading (after an edit of `about`) never holds a poll's turn for long.
BATCHES_PER_TURN = 20


def tier_lists(service: Service) -> list[Watchlist]:
    """The lists the tier reads for: none when it is off (``[about] enabled``)."""
    if not service.config.about.enabled:
        return []
    return [w for w in service.watchlists if w.about]


def owe(service: Service, decision: PollDecision, *, first_poll: bool) -> None:
    """Inside a poll's transaction: mark the texts it stored as new or changed as owed a
    reading, with whether the poll's own rule lets them alert (a feed's first poll: only
    within the backfill). The tier off, or no list with `about`: nothing is owed."""
    if not tier_lists(service):
        return
    backfill = service.config.feeds.backfill_days
    owed: list[tuple[str, str, OwedChange, bool]] = []
    for item in decision.articles:
        if item.change == "same":
            continue
        change: OwedChange = item.change
        alerts = should_alert(
            first_poll=first_poll and change == "new",
            published=item.article.published,
            now=decision.now,
            backfill_days=backfill,
        )
        owed.append((item.article.id, item.article.content_hash, change, alerts))
    if owed:
        service.store.about.owe(owed, decision.now)


def owe_edited_lists(service: Service, now: datetime) -> list[str]:
    """Mark the articles of the re-match window (``[watchlists] rematch_days``) as owed a
    reading by each list whose `about`, `not_about` or thresholds changed since the tier
    last read with it (a new list with `about` among them); a list that lost its `about`
    loses its findings. Light: the reading is ``catch_up``'s. Returns the lists marked."""
    if not service.config.about.enabled:
        return []
    store = service.store
    current = {w.name: about_fingerprint(w) for w in service.watchlists if w.about}
    known = store.about.versions()
    if current == known:
        return []
    in_force = {w.name for w in service.watchlists}
    edited = sorted(name for name, fp in current.items() if known.get(name) != fp)
    since = now - timedelta(days=service.config.watchlists.rematch_days)
    with store.transaction():
        for name in sorted(set(known) - set(current)):
            if name in in_force:  # its `about` taken away; a list gone keeps its past
                store.about.forget_list(name)
        for name in edited:
            marked = store.about.owe_list(name, since, now)
            log.info("possibly_about watchlist=%r status=owed_reading articles=%d", name, marked)
        store.about.save_versions(current, now)
    return edited


async def after_poll(
    service: Service,
    decision: PollDecision,
    *,
    first_poll: bool,
    clock: Callable[[], datetime],
) -> tuple[AboutAlert, ...]:
    """After a feed's poll has committed (its new and changed texts marked by ``owe``):
    read what is owed. Returns the alerts raised; never raises."""
    return await catch_up(service, clock)


async def catch_up(
    service: Service, clock: Callable[[], datetime], *, batches: int = BATCHES_PER_TURN
) -> tuple[AboutAlert, ...]:
    """Read what the tier owes, up to ``batches`` batches, unless it is failing and its
    pause has not run out; store the findings and queue their alerts. Returns the alerts
    raised; never raises."""
    if not service.config.about.enabled:
        return ()
    raised: list[AboutAlert] = []
    read: set[tuple[str, str | None]] = set()
    try:
        async with service.about_turn():
            for _ in range(batches):
                lists = tier_lists(service)
                store = service.store
                if not store.about.owes():
                    break
                if not service.about_backoff.may_try(clock()):
                    break
                store.about.drop_owed({w.name for w in lists})
                owed = store.about.owed(batch_size(service.about_backoff), clock())
                turn = {(o.article.id, o.watchlist) for o in owed}
                if not turn or turn <= read:
                    break  # nothing left, or marks that reading does not clear: not again
                read |= turn
                found = await _read(service, owed, lists, clock)
                if found is None:
                    break
                raised.extend(_store_and_alert(service, owed, found, now=clock()))
    except Exception as exc:
        if store_fault(exc) is not None:
            log.error("possibly_about status=not_stored error=%r", describe_store_fault(exc))
        else:
            log.exception("possibly_about status=failed")
    return tuple(raised)


async def _read(
    service: Service,
    owed: Sequence[Owed],
    lists: Sequence[Watchlist],
    clock: Callable[[], datetime],
) -> list[PossiblyAbout] | None:
    """The tier's findings for a batch, or None when it failed (then it pauses)."""
    articles = list({o.article.id: o.article for o in owed}.values())
    named = {o.article.id: o.named for o in owed}
    wanted = {o.watchlist for o in owed}
    asked = lists if None in wanted else [w for w in lists if w.name in wanted]
    try:
        found = await service.about_tier(articles, asked, named)
    except Exception as exc:
        now = clock()
        if len(articles) == 1:
            failures = service.store.about.failed_alone(
                articles[0].id, lambda n: now + backoff_wait(n)
            )
            if failures > 1:
                # A text the tier failed on alone before: its own pause, not the tier's,
                # which reads the other texts as usual meanwhile. Said once a text.
                log.log(
                    logging.WARNING if failures == 2 else logging.DEBUG,
                    "possibly_about article=%r status=failed_alone failures=%d error=%s"
                    " (read alone after the others from now on)",
                    articles[0].id,
                    failures,
                    exc,
                )
                return None
        backoff = service.about_backoff.failed(now)
        service.about_backoff = backoff
        if backoff.failures == 1:
            log.error(
                "possibly_about status=failing articles=%d error=%s retry_at=%s"
                " (kept for later; logged once until it recovers)",
                len(articles),
                exc,
                backoff.retry_at.isoformat() if backoff.retry_at else "-",
            )
        return None
    if service.about_backoff.failures:
        log.info("possibly_about status=recovered failures=%d", service.about_backoff.failures)
        service.about_backoff = TierBackoff()
    return found


def _store_and_alert(
    service: Service, owed: Sequence[Owed], found: Sequence[PossiblyAbout], *, now: datetime
) -> tuple[AboutAlert, ...]:
    in_force = {w.name for w in tier_lists(service)}
    by_article: dict[str, list[PossiblyAbout]] = {}
    for f in found:
        by_article.setdefault(f.article_id, []).append(f)
    store = service.store
    with store.transaction():
        before: dict[str, frozenset[str]] = {}
        polled: list[Owed] = []
        newly = 0
        for o in owed:
            mine = [
                f
                for f in by_article.get(o.article.id, ())
                if f.watchlist in in_force and not outranked(f, o.named)
            ]
            if o.watchlist is None:
                earlier = store.about.replace(o.article.id, o.article.content_hash, mine, now)
                if earlier is not None:  # else a newer text is owed: not ours to tell
                    store.about.settle(o.article.id, o.article.content_hash)
                    before[o.article.id] = earlier
                    polled.append(o)
                continue
            one = next((f for f in mine if f.watchlist == o.watchlist), None)
            if store.about.replace_one(o.article.id, o.article.content_hash, o.watchlist, one, now):
                newly += 1
        alerts = about_alerts(
            polled,
            [f for f in found if f.watchlist in in_force],
            before,
            now=now,
            backfill_days=service.config.feeds.backfill_days,
        )
        queue_about_alerts(service, alerts, now)
        # Findings count in a list's week as named matches do: they may make it a spike.
        queue_spike_notices(service, {f.watchlist for f in found if f.watchlist in in_force}, now)
    log.info(
        "possibly_about articles=%d found=%d newly_after_edit=%d alerts=%d",
        len(owed),
        len(found),
        newly,
        len(alerts),
    )
    return alerts


def queue_about_alerts(service: Service, alerts: Sequence[AboutAlert], now: datetime) -> None:
    """Each chat that asked for a list's possibly-about alerts gets this poll's as one
    message (several combined, as named alerts are), through the outbox."""
    if not alerts:
        return
    outbox = service.store.outbox
    # The alerts' buttons name their articles by a short key: note which is which.
    service.store.feedback.remember_articles(a.article.id for a in alerts)

    def render(sub: Subscriber) -> list[OutgoingMessage]:
        mine = not_queued_before(outbox, about_alerts_for(sub, alerts, now))
        return chat_about_messages(sub, mine)

    lists = {w for a in alerts for w in a.watchlists}
    queue_to_followers(service, lists, render, now, what="about_alert")
