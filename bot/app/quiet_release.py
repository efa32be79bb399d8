"""The alerts (and spike notices) a subscriber's quiet hours held, sent as one message:
when the hours end (``digests.digest_tick``), or at once when the chat changes or turns
off its quiet hours (``chats.set_schedule``), which would otherwise leave them held for
ever."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot.app.followers import not_queued_before, queue_to_chats
from bot.app.service import Service
from bot.app.spikes import held_spike_notices
from bot.domain.models import Alert, OutgoingMessage, Subscriber
from bot.domain.possibly_about import AboutAlert, AboutSeen, about_alerts_for
from bot.messages.fanout import (
    alerts_for,
    chat_about_messages,
    chat_alert_messages,
    with_held_heading,
)

log = logging.getLogger(__name__)


def queue_held_alerts(
    service: Service, sub: Subscriber, span: tuple[datetime, datetime], now: datetime
) -> int:
    """Queue what the chat's quiet hours held in ``span`` as one alert (a lone article as
    its usual alert, several combined), the possibly-about alerts it asked for as
    another, and the spike notices they held, each where the list's route sends it (as
    a poll's would have gone), and note the span sent, all together."""
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
    articles: list[str] = []
    counts = {"alerts": 0, "about": 0, "spikes": 0}

    def render(view: Subscriber) -> list[OutgoingMessage]:
        mine = not_queued_before(outbox, alerts_for(view, alerts, now))
        about = not_queued_before(outbox, about_alerts_for(view, about_found, now))
        spikes = held_spike_notices(service, view, span, now, outbox)
        articles.extend([a.alert.article.id for a in mine] + [a.alert.article.id for a in about])
        counts["alerts"] += len(mine)
        counts["about"] += len(about)
        counts["spikes"] += len(spikes)
        found = chat_alert_messages(view, mine) + chat_about_messages(view, about) + spikes
        # Under a heading saying they were held, wherever their lists are routed.
        return with_held_heading(view, found)

    with service.store.transaction():
        queued = queue_to_chats(service, [sub], render, now, what="quiet_release", isolated=False)
        # The alerts' buttons name their articles by a short key: note which is which.
        service.store.feedback.remember_articles(articles)
        service.store.chats.set_quiet_released(sub.chat_id, span[1])
    if any(counts.values()):
        log.info(
            "quiet_release chat=%d alerts=%d about=%d spikes=%d",
            sub.chat_id,
            counts["alerts"],
            counts["about"],
            counts["spikes"],
        )
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
