"""Who gets which message: alerts and digests turned into outbox messages (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.digest import Digest
from bot.domain.models import Alert, Match, OutgoingMessage, Subscriber
from bot.domain.possibly_about import ChatAboutAlert
from bot.domain.schedule import zone
from bot.lists.personal import display_name
from bot.messages.about import about_digest_items, render_about_alert, render_about_alerts
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
        whole = len(matches) == len(alert.matches)
        out.append(ChatAlert(key, alert if whole else replace(alert, matches=matches)))
    return out


def chat_alert_messages(
    subscriber: Subscriber, alerts: Sequence[ChatAlert], texts: AlertTexts | None = None
) -> list[OutgoingMessage]:
    """One chat's alerts from one poll as outbox messages: a lone alert as the alert
    it always was, under its own key; several as one combined alert (`render_alerts`),
    in as few parts as fit, each part keyed by the whole set and its number, so queueing
    the same set again is a no-op. ``texts`` shares renderings between chats."""
    if not alerts:
        return []
    words = (texts or AlertTexts())(subscriber.timezone, [a.alert for a in alerts])
    if len(alerts) == 1:
        return [OutgoingMessage(alerts[0].key, subscriber.chat_id, "alert", words[0])]
    key = combined_key(subscriber.chat_id, [a.key for a in alerts])
    return [
        OutgoingMessage(f"{key}:{i}", subscriber.chat_id, "alert", text)
        for i, text in enumerate(words, start=1)
    ]


class AlertTexts:
    """The words of alerts, each made once: they depend only on a chat's time zone and
    on what its alerts carry, so the many chats that follow the same lists in the same
    zone share one rendering (rendering is nearly all the cost of queueing an alert)."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, tuple[Alert, ...]], list[str]] = {}

    def __call__(self, timezone: str, alerts: Sequence[Alert]) -> list[str]:
        key = (timezone, tuple(alerts))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = alert_texts(zone(timezone), alerts)
        return made


def alert_texts(tz: ZoneInfo, alerts: Sequence[Alert]) -> list[str]:
    """A lone alert's message, or the parts of several combined."""
    if len(alerts) == 1:
        [one] = alerts
        return [render_alert(one.article, shown(one.matches), updated=one.updated, tz=tz)]
    return render_alerts([replace(a, matches=shown(a.matches)) for a in alerts], tz=tz)


def chat_about_messages(
    subscriber: Subscriber, alerts: Sequence[ChatAboutAlert]
) -> list[OutgoingMessage]:
    """One chat's possibly-about alerts from one poll as outbox messages, as its named
    ones are (``chat_alert_messages``): one alone under its own key, several as one
    combined alert keyed by the set."""
    if not alerts:
        return []
    tz = zone(subscriber.timezone)
    if len(alerts) == 1:
        text = render_about_alert(alerts[0].alert, tz=tz)
        return [OutgoingMessage(alerts[0].key, subscriber.chat_id, "alert", text)]
    texts = render_about_alerts([a.alert for a in alerts], tz=tz)
    key = "about-" + combined_key(subscriber.chat_id, [a.key for a in alerts])
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
    texts = AlertTexts()
    for sub in subscribers:
        if mine := alerts_for(sub, alerts):
            out.extend(chat_alert_messages(sub, mine, texts))
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
    if digest.is_empty and not digest.about:
        if empty == "skip":
            return []
        return [render_empty_digest(digest, now=now, tz=tz, stale_after=stale_after)]
    entries = tuple(replace(e, matches=shown(e.matches)) for e in digest.entries)
    return render_digest(
        replace(digest, entries=entries),
        now=now,
        tz=tz,
        stale_after=stale_after,
        about=about_digest_items(digest.about, tz=tz),
    )


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
