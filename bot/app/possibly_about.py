"""After a poll stores its articles: the "possibly about" tier on the new and changed
ones, its findings stored, and instant alerts for the chats that asked for them.

This runs after the poll's transaction has committed and its named alerts are queued:
the tier takes a child process and up to seconds, and its failing (a crash, a timeout, a
bug here) must neither hold back nor lose a named alert. So it is a second step with a
transaction of its own, and nothing it raises leaves it: the articles stay stored, their
named alerts stay queued, and the step logs what went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.app.service import Service
from bot.domain.aboutness import PossiblyAbout
from bot.domain.poll import PollDecision
from bot.domain.possibly_about import AboutAlert, about_alerts, about_alerts_for, outranked
from bot.domain.routing import subscriber_views
from bot.messages.fanout import chat_about_messages, to_destination
from bot.storage.database import describe_store_fault, store_fault

log = logging.getLogger(__name__)


async def after_poll(
    service: Service,
    decision: PollDecision,
    *,
    first_poll: bool,
    clock: Callable[[], datetime],
) -> tuple[AboutAlert, ...]:
    """Run the tier on what ``decision`` stored as new or changed, when it is on
    (``[about] enabled``) and some list has `about`; store its findings and queue their
    alerts. Returns the alerts raised (for the poll's report); never raises."""
    if not service.config.about.enabled:
        return ()
    lists = [w for w in service.watchlists if w.about]
    fresh = [item for item in decision.articles if item.change != "same"]
    if not lists or not fresh:
        return ()
    named = {item.article.id: frozenset(m.watchlist for m in item.matches) for item in fresh}
    try:
        async with service.about_turn():
            found = await service.about_tier([item.article for item in fresh], lists, named)
        return _store_and_alert(service, decision, found, first_poll=first_poll, now=clock())
    except Exception as exc:
        if store_fault(exc) is not None:
            log.error("possibly_about status=not_stored error=%r", describe_store_fault(exc))
        else:
            log.exception("possibly_about status=failed articles=%d", len(fresh))
        return ()


def _store_and_alert(
    service: Service,
    decision: PollDecision,
    found: Sequence[PossiblyAbout],
    *,
    first_poll: bool,
    now: datetime,
) -> tuple[AboutAlert, ...]:
    in_force = {w.name for w in service.watchlists if w.about}
    by_article: dict[str, list[PossiblyAbout]] = {}
    for item in decision.articles:
        named = {m.watchlist for m in item.matches}
        by_article[item.article.id] = [
            f
            for f in found
            if f.article_id == item.article.id
            and f.watchlist in in_force
            and not outranked(f, named)
        ]
    store = service.store
    with store.transaction():
        before: dict[str, frozenset[str]] = {}
        stored = []
        for item in decision.articles:
            if item.change == "same":
                continue
            earlier = store.about.replace(
                item.article.id, item.article.content_hash, by_article[item.article.id], now
            )
            if earlier is not None:  # else a newer version is stored: not ours to tell
                before[item.article.id] = earlier
                stored.append(item)
        alerts = about_alerts(
            stored,
            [f for item in stored for f in by_article[item.article.id]],
            before,
            first_poll=first_poll,
            now=decision.now,
            backfill_days=service.config.feeds.backfill_days,
        )
        queue_about_alerts(service, alerts, now)
    log.info(
        "possibly_about articles=%d found=%d alerts=%d",
        len(stored),
        sum(len(by_article[i.article.id]) for i in stored),
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
    subscribers = service.store.chats.following({w for a in alerts for w in a.watchlists})
    routes = service.store.routes.of_chats([s.chat_id for s in subscribers])
    for origin, destination, sub in (
        (whole.chat_id, d, view)
        for whole in subscribers
        for d, view in subscriber_views(whole, routes)
    ):
        mine = about_alerts_for(sub, alerts, now)
        if len(mine) > 1:
            # As with named alerts: what already went out on its own stays out of a set.
            mine = [a for a in mine if outbox.by_key(a.key) is None]
        if not mine:
            continue
        try:
            messages = chat_about_messages(sub, mine)
        except Exception:
            log.exception(
                "about_alert chat=%d articles=%r status=failed",
                sub.chat_id,
                [a.alert.article.id for a in mine],
            )
            continue
        if outbox.enqueue(to_destination(messages, destination, origin), now):
            service.on_queued()
