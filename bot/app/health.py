"""The bot's health: feed failure notices to admins, the status report, housekeeping."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot import __version__
from bot.app.lease import instances_report
from bot.app.service import Service
from bot.domain.health import (
    JOB_SILENCE,
    DigestActivity,
    OutboxHealth,
    StatusReport,
    SubscriberCounts,
    feed_alarms,
)
from bot.messages.notices import feed_alarm_messages

log = logging.getLogger(__name__)

# A delivered message's text is kept this long (for /status and debugging); its row, with
# the dedup key that prevents a second send, is kept for good.
KEEP_SENT_TEXT = timedelta(days=30)


def feed_alarm_tick(service: Service, now: datetime) -> int:
    """Tell the admins, once each, of a feed failing longer than the configured time
    and of its recovery; returns how many messages were queued."""
    cfg = service.config
    if not cfg.telegram.admins:
        # Nobody to tell: leave the failure untold, so that an admin added while
        # it lasts still hears of it (and of its end).
        return 0
    queued = 0
    states = service.store.feed_states(cfg.feeds.urls)
    for alarm in feed_alarms(states, now, cfg.feeds.alert_admins_after):
        url, since = alarm.feed.url, alarm.failing_since
        with service.store.transaction():
            messages = feed_alarm_messages(alarm, cfg.telegram.admins, now)
            queued += service.store.outbox.enqueue(messages, now)
            service.store.set_down_notice(url, since if alarm.kind == "down" else None)
        level = logging.WARNING if alarm.kind == "down" else logging.INFO
        log.log(
            level,
            "feed=%s status=admins_told_%s failing_since=%s",
            url,
            alarm.kind,
            since.isoformat(),
        )
    return queued


def status_report(service: Service, now: datetime) -> StatusReport:
    store = service.store
    outbox = store.outbox.counts()
    subscribers = store.chats.counts()
    digests, latest_digest = store.chats.digests_since(now - timedelta(days=1))
    return StatusReport(
        version=__version__,
        now=now,
        feeds=store.feed_states(service.config.feeds.urls),
        outbox=OutboxHealth(
            pending=outbox["pending"],
            oldest_pending_at=store.outbox.oldest_pending_at(),
            failed=outbox["failed"],
            sent_last_day=store.outbox.sent_since(now - timedelta(days=1)),
        ),
        subscribers=SubscriberCounts(
            active=subscribers["active"],
            active_groups=subscribers["active_groups"],
            total=subscribers["total"],
        ),
        digests=DigestActivity(last_day=digests, latest_at=latest_digest),
        jobs=store.job_runs(),
        watchlists=len(service.watchlists),
        watchlist_errors=list(service.watchlist_errors),
        stale_after=service.config.feeds.stale_after,
        alert_admins_after=service.config.feeds.alert_admins_after,
        running_within=JOB_SILENCE,
        instances=instances_report(service, now),
    )


def housekeeping(service: Service, now: datetime) -> int:
    """Drop the text of messages delivered long ago; returns how many."""
    with service.store.transaction():
        dropped = service.store.outbox.drop_old_texts(now - KEEP_SENT_TEXT)
    if dropped:
        log.info("outbox status=old_texts_dropped count=%d", dropped)
    return dropped
