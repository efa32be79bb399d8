"""Who gets which message: alerts and digests turned into outbox messages (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.digest import Digest
from bot.domain.models import Alert, Match, OutgoingMessage, Subscriber
from bot.domain.schedule import zone
from bot.lists.personal import display_name
from bot.messages.articles import render_alert, render_alerts, render_digest, render_empty_digest


@dataclass(frozen=True, slots=True)
class ChatAlert:
    """An alert as one chat is to get it: only the matches of lists the chat follows
    (internal names), and the key under which it goes into the outbox on its own."""

    key: str
    alert: Alert


def alerts_for(subscriber: Subscriber, alerts: Sequence[Alert]) -> list[ChatAlert]:
    """The alerts, in order, that a subscriber in instant mode gets: each that matched a
    list it follows, narrowed to those lists."""
    if not subscriber.wants_alerts:
        return []
    followed = set(subscriber.watchlists)
    out = []
    for alert in alerts:
        matches = tuple(m for m in alert.matches if m.watchlist in followed)
        if not matches:
            continue
        names = ",".join(sorted({m.watchlist for m in matches}))
        # The watchlists are part of the key: an edited article that now matches another
        # list is news for that list, while a repeat of the same alert is not.
        key = f"alert:{subscriber.chat_id}:{alert.article.id}:{names}"
        out.append(ChatAlert(key, replace(alert, matches=matches)))
    return out


def chat_alert_messages(
    subscriber: Subscriber, alerts: Sequence[ChatAlert]
) -> list[OutgoingMessage]:
    """One chat's alerts from one poll as outbox messages: a lone alert as the alert
    it always was, under its own key; several as one combined alert (`render_alerts`),
    in as few parts as fit, each part keyed by the whole set and its number, so queueing
    the same set again is a no-op."""
    tz = zone(subscriber.timezone)
    if len(alerts) == 1:
        [one] = alerts
        text = render_alert(
            one.alert.article, shown(one.alert.matches), updated=one.alert.updated, tz=tz
        )
        return [OutgoingMessage(one.key, subscriber.chat_id, "alert", text)]
    texts = render_alerts([replace(a.alert, matches=shown(a.alert.matches)) for a in alerts], tz=tz)
    key = combined_key(subscriber.chat_id, [a.key for a in alerts])
    return [
        OutgoingMessage(f"{key}:{i}", subscriber.chat_id, "alert", text)
        for i, text in enumerate(texts, start=1)
    ]


def combined_key(chat_id: int, keys: Sequence[str]) -> str:
    """The key of a combined alert: its chat and a digest of its alerts' own keys (the
    keys themselves, article ids included, could run to kilobytes).

    It records the set, not each alert: should one of them come back later on its own
    (an article that lost a list's match in one edit and found it again in the next),
    its own key is new, and it is queued again."""
    digest = hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()[:24]
    return f"alerts:{chat_id}:{digest}"


def alert_messages(
    alerts: Sequence[Alert], subscribers: Sequence[Subscriber]
) -> list[OutgoingMessage]:
    """Every subscriber's messages for the alerts of one poll: a chat in instant mode
    gets one message (or one combined alert, in parts when long) covering every
    watchlist it follows that each article matched."""
    out: list[OutgoingMessage] = []
    for sub in subscribers:
        if mine := alerts_for(sub, alerts):
            out.extend(chat_alert_messages(sub, mine))
    return out


def digest_texts(
    digest: Digest,
    *,
    now: datetime,
    tz: ZoneInfo,
    stale_after: timedelta,
    empty: str,
) -> list[str]:
    """The texts of a digest: several parts when long, one short line when empty (or
    none when the deployment skips empty digests)."""
    if digest.is_empty:
        if empty == "skip":
            return []
        return [render_empty_digest(digest, now=now, tz=tz, stale_after=stale_after)]
    entries = tuple(replace(e, matches=shown(e.matches)) for e in digest.entries)
    return render_digest(replace(digest, entries=entries), now=now, tz=tz, stale_after=stale_after)


def digest_messages(texts: Sequence[str], *, chat_id: int, key: str) -> list[OutgoingMessage]:
    """One chat's digest parts as outbox messages, keyed ``<key>:<part>``."""
    return [
        OutgoingMessage(f"{key}:{i}", chat_id, "digest", text)
        for i, text in enumerate(texts, start=1)
    ]


def digest_key(chat_id: int, local_date: date) -> str:
    return f"digest:{chat_id}:{local_date.isoformat()}"


def shown(matches: Sequence[Match]) -> tuple[Match, ...]:
    """The matches as a reader sees them: a personal list by the name its owner gave it.

    Done last, just before rendering: who follows what, and the dedup keys, go by the
    internal names.
    """
    return tuple(replace(m, watchlist=display_name(m.watchlist)) for m in matches)


LATEST_TITLE = "Latest matching articles"


def latest_texts(
    digest: Digest, *, now: datetime, tz: ZoneInfo, stale_after: timedelta
) -> list[str]:
    """``/latest``: the newest matches under their own heading, without the digest's
    report on the feeds."""
    entries = tuple(replace(e, matches=shown(e.matches)) for e in digest.entries)
    return render_digest(
        replace(digest, entries=entries),
        now=now,
        tz=tz,
        stale_after=stale_after,
        title=LATEST_TITLE,
        feeds=False,
    )
