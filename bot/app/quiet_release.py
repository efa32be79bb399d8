"""The alerts a subscriber's quiet hours held, sent as one message: when the hours
end (``digests.digest_tick``), or at once when the chat changes or turns off its quiet
hours (``chats.set_schedule``), which would otherwise leave them held for ever."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot.app.service import Service
from bot.domain.models import Alert, OutgoingMessage, Subscriber
from bot.domain.possibly_about import AboutAlert, AboutSeen, about_alerts_for
from bot.domain.routing import subscriber_views
from bot.messages.fanout import (
    alerts_for,
    chat_about_messages,
    chat_alert_messages,
    to_destination,
    with_held_heading,
)

log = logging.getLogger(__name__)


def queue_held_alerts(
    service: Service, sub: Subscriber, span: tuple[datetime, datetime], now: datetime
) -> int:
    """Queue what the chat's quiet hours held in ``span`` as one alert (a lone article as
    its usual alert, several combined), and the possibly-about alerts it asked for as
    another, each where the list's route sends it (as a poll's would have gone), and
    note the span sent, all together."""
    alerts = [
        Alert(entry.article, entry.matches, updated=entry.updated)
        for entry in sorted(
            service.store.articles_seen_between(*span), key=lambda e: e.first_seen_at
        )
        # A list's edit matching old articles again alerts nobody; the digest has them.
        if not entry.rematched
    ]
    about_found = _about_alerts(service.store.about.found_between(*span))
    outbox = service.store.outbox
    messages: list[OutgoingMessage] = []
    articles: list[str] = []
    alerted = about_alerted = 0
    for destination, view in subscriber_views(sub, service.store.routes.of_chat(sub.chat_id)):
        mine = alerts_for(view, alerts, now)
        if len(mine) > 1:
            # As a poll's combined alert: leave out what already went out on its own.
            mine = [a for a in mine if outbox.by_key(a.key) is None]
        about = about_alerts_for(view, about_found, now)
        if len(about) > 1:
            about = [a for a in about if outbox.by_key(a.key) is None]
        articles += [a.alert.article.id for a in mine] + [a.alert.article.id for a in about]
        alerted, about_alerted = alerted + len(mine), about_alerted + len(about)
        found = chat_alert_messages(view, mine) + chat_about_messages(view, about)
        # Under a heading saying they were held, wherever their lists are routed.
        messages += to_destination(with_held_heading(view, found), destination, sub.chat_id)
    with service.store.transaction():
        # The alerts' buttons name their articles by a short key: note which is which.
        service.store.feedback.remember_articles(articles)
        queued = outbox.enqueue(messages, now) if messages else 0
        service.store.chats.set_quiet_released(sub.chat_id, span[1])
    if articles:
        log.info("quiet_release chat=%d alerts=%d about=%d", sub.chat_id, alerted, about_alerted)
    return queued


def _about_alerts(seen: Sequence[AboutSeen]) -> list[AboutAlert]:
    """The possibly-about findings as the alerts they were (a list the article names
    now is the named alert's, not this one's)."""
    by_article: dict[str, AboutAlert] = {}
    for item in seen:
        if item.found.watchlist in item.named:
            continue
        earlier = by_article.get(item.article.id)
        found = (*earlier.found, item.found) if earlier else (item.found,)
        by_article[item.article.id] = AboutAlert(item.article, found, item.updated)
    return list(by_article.values())
