"""Who gets which message: alerts and digests turned into outbox messages (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.digest import Digest
from bot.domain.models import Alert, Match, OutgoingMessage, Subscriber
from bot.domain.schedule import zone
from bot.lists.personal import display_name
from bot.messages.articles import render_alert, render_digest, render_empty_digest


def alert_messages(alert: Alert, subscribers: Sequence[Subscriber]) -> list[OutgoingMessage]:
    """One message per subscriber in instant mode, covering every watchlist they follow
    that the article matched."""
    out: list[OutgoingMessage] = []
    for sub in subscribers:
        if not sub.wants_alerts:
            continue
        followed = set(sub.watchlists)
        matches = tuple(m for m in alert.matches if m.watchlist in followed)
        if not matches:
            continue
        names = ",".join(sorted({m.watchlist for m in matches}))
        text = render_alert(
            alert.article, shown(matches), updated=alert.updated, tz=zone(sub.timezone)
        )
        # The watchlists are part of the key: an edited article that now matches another
        # list is news for that list, while a repeat of the same alert is not.
        key = f"alert:{sub.chat_id}:{alert.article.id}:{names}"
        out.append(OutgoingMessage(key, sub.chat_id, "alert", text))
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
