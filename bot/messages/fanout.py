"""Who gets which message: alerts and digests turned into outbox messages (pure)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.digest import Digest
from bot.domain.models import Alert, Article, Match, OutgoingMessage, Subscriber
from bot.domain.mute import alert_lists
from bot.domain.possibly_about import ChatAboutAlert
from bot.domain.quiet import chat_is_quiet, quiet_hours_of
from bot.domain.routing import Destination, buttons_allowed
from bot.domain.schedule import zone
from bot.lists.personal import display_name
from bot.messages.about import about_digest_items, render_about_alert, render_about_alerts
from bot.messages.alert_keyboard import alert_keyboard, encode
from bot.messages.articles import render_alert, render_alerts, render_digest, render_empty_digest
from bot.messages.html import ITEM_SEP, MAX_MESSAGE, utf16_len


@dataclass(frozen=True, slots=True)
class ChatAlert:
    """An alert as one chat is to get it: only the matches of lists the chat follows
    (internal names), and the key under which it goes into the outbox on its own."""

    key: str
    alert: Alert


def alerts_for(
    subscriber: Subscriber, alerts: Sequence[Alert], now: datetime | None = None
) -> list[ChatAlert]:
    """The alerts, in order, that a subscriber in instant mode gets: each that matched a
    list it follows (and has not muted at ``now``) in a mode with alerts, narrowed to
    those lists; none in the chat's quiet hours."""
    if not subscriber.wants_alerts:
        return []
    if now is not None and chat_is_quiet(subscriber, now):
        # Held: the articles are stored, and go out as one message when quiet hours end.
        return []
    if now is None:
        followed = {
            w for w in subscriber.watchlists if subscriber.mode_of(w) in ("instant", "both")
        }
    else:
        followed = set(alert_lists(subscriber, now))
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
    texts = texts or AlertTexts()
    words = texts(subscriber.timezone, [a.alert for a in alerts])
    keyboards = texts.buttons(subscriber.timezone, [a.alert for a in alerts])
    if len(alerts) == 1:
        [one] = alerts
        return [
            OutgoingMessage(one.key, subscriber.chat_id, "alert", words[0], "HTML", keyboards[0])
        ]
    key = combined_key(subscriber.chat_id, [a.key for a in alerts])
    return [
        OutgoingMessage(f"{key}:{i}", subscriber.chat_id, "alert", text, "HTML", buttons)
        for i, (text, buttons) in enumerate(zip(words, keyboards, strict=True), start=1)
    ]


def to_destination(
    messages: Sequence[OutgoingMessage], destination: Destination, subscriber_chat: int
) -> list[OutgoingMessage]:
    """A subscriber's messages sent where its route says: another chat (a channel), which
    remembers the subscriber to fall back to, or a topic of its own group."""
    if destination == Destination(subscriber_chat):
        return list(messages)
    elsewhere = destination.is_elsewhere(subscriber_chat)
    keep_buttons = buttons_allowed(destination, subscriber_chat)
    return [
        replace(
            m,
            chat_id=destination.chat_id,
            thread_id=destination.thread_id,
            origin_chat_id=subscriber_chat if elsewhere else None,
            reply_markup=m.reply_markup if keep_buttons else "",
        )
        for m in messages
    ]


def _pairs(alerts: Sequence[Alert]) -> list[tuple[Article, str]]:
    return [(a.article, w) for a in alerts for w in a.watchlists]


def _part_keyboards(
    parts: Sequence[str], items: Sequence[Sequence[tuple[Article, str]]]
) -> list[str]:
    """Each part of a combined alert with the buttons of the items it holds (each item's
    (article, list) pairs): item ``n`` is in the part where "n. " next starts a block
    (items are blocks apart, ``ITEM_SEP``; no line inside an item follows a blank line,
    while a lead may well start "n. "), parts and items both being in order; an item
    not found goes with the last part."""
    held: list[list[int]] = [[] for _ in parts]
    part = 0
    for n in range(1, len(items) + 1):
        at = next(
            (
                k
                for k in range(part, len(parts))
                if parts[k].startswith(f"{n}. ") or f"{ITEM_SEP}{n}. " in parts[k]
            ),
            None,
        )
        if at is None:
            held[-1].append(n)
            continue
        part = at
        held[at].append(n)
    out = []
    for numbers in held:
        if not numbers:
            out.append("")
            continue
        pairs = [pair for n in numbers for pair in items[n - 1]]
        # Numbered as in the text; the items of one part are consecutive.
        out.append(encode(alert_keyboard(pairs, first_number=numbers[0])))
    return out


class AlertTexts:
    """The words of alerts, each made once: they depend only on a chat's time zone and
    on what its alerts carry, so the many chats that follow the same lists in the same
    zone share one rendering (rendering is nearly all the cost of queueing an alert)."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, tuple[Alert, ...]], list[str]] = {}
        self._buttons: dict[tuple[str, tuple[Alert, ...]], list[str]] = {}

    def buttons(self, timezone: str, alerts: Sequence[Alert]) -> list[str]:
        """Each message's buttons (``alert_keyboard``, as the outbox keeps them), made
        once for the same alerts in the same zone, like their words."""
        key = (timezone, tuple(alerts))
        made = self._buttons.get(key)
        if made is None:
            words = self(timezone, alerts)
            if len(alerts) == 1:
                made = [encode(alert_keyboard(_pairs(alerts)))]
            else:
                made = _part_keyboards(words, [_pairs([a]) for a in alerts])
            self._buttons[key] = made
        return made

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
    # The same 👍 / 👎 / mute buttons as a named alert's, for the lists it may be about.
    items = [[(a.alert.article, f.watchlist) for f in a.alert.found] for a in alerts]
    if len(alerts) == 1:
        text = render_about_alert(alerts[0].alert, tz=tz)
        buttons = encode(alert_keyboard(items[0]))
        return [OutgoingMessage(alerts[0].key, subscriber.chat_id, "alert", text, "HTML", buttons)]
    texts = render_about_alerts([a.alert for a in alerts], tz=tz)
    keyboards = _part_keyboards(texts, items)
    key = "about-" + combined_key(subscriber.chat_id, [a.key for a in alerts])
    return [
        OutgoingMessage(f"{key}:{i}", subscriber.chat_id, "alert", text, "HTML", buttons)
        for i, (text, buttons) in enumerate(zip(texts, keyboards, strict=True), start=1)
    ]


def held_heading(subscriber: Subscriber) -> str:
    """The line over what quiet hours held, sent when they end."""
    whose = "this group's" if subscriber.is_group else "your"
    quiet = quiet_hours_of(subscriber.quiet_hours)
    hours = f" ({quiet.start:%H:%M}–{quiet.end:%H:%M})" if quiet else ""
    return f"🌙 Held during {whose} quiet hours{hours}:"


def with_held_heading(
    subscriber: Subscriber, messages: Sequence[OutgoingMessage]
) -> list[OutgoingMessage]:
    """The messages quiet hours held, the first under ``held_heading``; should that not
    fit in it (a part already near Telegram's limit), the heading comes on its own first,
    keyed by the message it heads."""
    if not messages:
        return []
    first, *rest = messages
    heading = held_heading(subscriber)
    text = f"{heading}\n\n{first.text}"
    if utf16_len(text) <= MAX_MESSAGE:
        return [replace(first, text=text), *rest]
    alone = replace(first, dedup_key=f"held:{first.dedup_key}", text=heading, reply_markup="")
    return [alone, *messages]


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


def routed_digest_key(destination: Destination, local_date: date, lists: Sequence[str]) -> str:
    """The key of the digest a route sends to a topic or channel: named by the target,
    not the subscriber, and by the lists it holds, so that several chats routing the same
    lists to one channel on the same day put one digest there (as an alert is keyed by
    its channel); another chat routing other lists there adds its own."""
    names = hashlib.sha256("\n".join(sorted(lists)).encode("utf-8")).hexdigest()[:16]
    thread = "" if destination.thread_id is None else destination.thread_id
    return f"digest:{destination.chat_id}:{thread}:{local_date.isoformat()}:{names}"


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
