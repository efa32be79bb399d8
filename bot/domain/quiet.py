"""Quiet hours: a span of the subscriber's local day (22:00-07:00, say) in which instant
alerts are held, to be sent as one message when it ends (pure: ``now`` is a parameter).

Nothing is kept while alerts are held: the articles are in the store, stamped when they
were first seen, so what a span held is what arrived in it. The subscriber keeps only
``released_until``, the end of the last span sent (or folded into a digest): a span is
owed from there to its end. Every instant returned is an aware UTC datetime; the span's
ends are local readings mapped as the digest's time is (``schedule.scheduled_at``), so a
daylight-saving change makes a night an hour shorter or longer, never lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.models import DigestRecord, Subscriber
from bot.domain.schedule import chat_next_digest, parse_time_of_day, scheduled_at, zone

__all__ = [
    "QUIET_HINT",
    "QuietHours",
    "chat_held_span",
    "chat_is_quiet",
    "chat_next_wake",
    "chat_release_due",
    "held_span",
    "is_quiet",
    "next_quiet_end",
    "parse_quiet_hours",
    "quiet_hours_of",
    "release_due",
]

QUIET_HINT = "Give quiet hours as HH:MM-HH:MM, for example 22:00-07:00, or off."
_SPAN = re.compile(r"\s*(?P<start>[^\s\-–—]+(?:\s*[ap]\.?m\.?)?)\s*(?:-|–|—|to)\s*(?P<end>.+?)\s*")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From ``start`` to ``end`` on the local clock; past midnight when ``end`` is the
    earlier reading (22:00-07:00)."""

    start: time
    end: time

    def stored(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet_hours(text: str) -> QuietHours | None:
    """Quiet hours as people type them ("22:00-07:00", "22-7", "10pm to 7am"); None for
    "off". Raises ValueError with a sentence for the user."""
    folded = text.strip().casefold()
    if folded in ("off", "none", "no"):
        return None
    match = _SPAN.fullmatch(folded)
    if match is None:
        raise ValueError(QUIET_HINT)
    try:
        start, end = parse_time_of_day(match["start"]), parse_time_of_day(match["end"])
    except ValueError:
        raise ValueError(QUIET_HINT) from None
    if start == end:
        raise ValueError("Quiet hours must end at another time than they start.")
    return QuietHours(start, end)


def quiet_hours_of(stored: str) -> QuietHours | None:
    """A subscriber's quiet hours as stored ("" when none; a value unreadable, as none)."""
    try:
        return parse_quiet_hours(stored) if stored else None
    except ValueError:
        return None


def _span_from(day: date, quiet: QuietHours, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The span that starts on local day ``day``: its first and first-not-quiet instants."""
    end_day = day + _ONE_DAY if quiet.end < quiet.start else day
    return scheduled_at(day, quiet.start, tz), scheduled_at(end_day, quiet.end, tz)


def _latest_span(now: datetime, quiet: QuietHours, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The latest span that has started at or before ``now`` (it may still be on)."""
    day = now.astimezone(tz).date()
    for back in range(3):
        start, end = _span_from(day - back * _ONE_DAY, quiet, tz)
        if start <= now:
            return start, end
    raise AssertionError("a span starts every local day")  # pragma: no cover


def is_quiet(now: datetime, quiet: QuietHours | None, tz: ZoneInfo) -> bool:
    """Whether instant alerts are held at ``now``."""
    if quiet is None:
        return False
    start, end = _latest_span(now, quiet, tz)
    return start <= now < end


def next_quiet_end(now: datetime, quiet: QuietHours, tz: ZoneInfo) -> datetime:
    """The first end of a span after ``now``: when held alerts are next sent."""
    day = now.astimezone(tz).date() - _ONE_DAY
    while True:
        _, end = _span_from(day, quiet, tz)
        if end > now:
            return end
        day += _ONE_DAY


def held_span(
    now: datetime, quiet: QuietHours | None, tz: ZoneInfo, released_until: datetime | None
) -> tuple[datetime, datetime] | None:
    """The alerts held and not yet sent at ``now``: [since, until), from the first span
    after ``released_until`` (from it, if it falls inside one) to the end of the latest
    span, or ``now`` while that lasts; None when nothing is held.

    After an outage over several spans this covers them all, and the hours between them
    too: what arrived then was not sent either, as nothing ran."""
    if quiet is None:
        return None
    start, end = _latest_span(now, quiet, tz)
    since = start if released_until is None else _first_held(released_until, quiet, tz)
    until = min(now, end)
    return (since, until) if since < until else None


def _first_held(released_until: datetime, quiet: QuietHours, tz: ZoneInfo) -> datetime:
    """Where holding starts again after ``released_until``: there, inside a span; else
    at the start of the next span."""
    start, end = _latest_span(released_until, quiet, tz)
    if released_until < end:
        return released_until
    day = released_until.astimezone(tz).date()
    for ahead in range(3):
        start, _ = _span_from(day + ahead * _ONE_DAY, quiet, tz)
        if start > released_until:
            return start
    raise AssertionError("a span starts every local day")  # pragma: no cover


def release_due(
    now: datetime, quiet: QuietHours | None, tz: ZoneInfo, released_until: datetime | None
) -> tuple[datetime, datetime] | None:
    """The alerts held to send at ``now`` as one message (``held_span``): once a span
    has ended; None while quiet or when nothing is held."""
    if quiet is None or is_quiet(now, quiet, tz):
        return None
    return held_span(now, quiet, tz, released_until)


# -- a chat as stored ------------------------------------------------------------------


def chat_is_quiet(sub: Subscriber, now: datetime) -> bool:
    """Whether the chat's instant alerts are held at ``now``."""
    if not sub.quiet_hours:
        return False  # most chats: asked for every alert, so kept cheap
    return is_quiet(now, quiet_hours_of(sub.quiet_hours), zone(sub.timezone))


def chat_held_span(sub: Subscriber, now: datetime) -> tuple[datetime, datetime] | None:
    """The chat's alerts held and not yet sent at ``now`` (a digest made now takes them)."""
    if not sub.wants_alerts:
        return None
    quiet = quiet_hours_of(sub.quiet_hours)
    return held_span(now, quiet, zone(sub.timezone), sub.quiet_released_until)


def chat_release_due(sub: Subscriber, now: datetime) -> tuple[datetime, datetime] | None:
    """The span of held alerts to send the chat at ``now`` as one message, or None."""
    if not sub.wants_alerts:
        return None
    quiet = quiet_hours_of(sub.quiet_hours)
    return release_due(now, quiet, zone(sub.timezone), sub.quiet_released_until)


def chat_next_wake(sub: Subscriber, last: DigestRecord | None, now: datetime) -> datetime | None:
    """When the tick must next look at the chat: its next digest, or the end of its
    quiet hours when it gets instant alerts (at or before ``now``: at once); None: never
    until the chat changes. What the store keeps for the tick's index."""
    digest = chat_next_digest(sub, last, now)
    quiet = quiet_hours_of(sub.quiet_hours)
    if quiet is None or not sub.wants_alerts:
        return digest
    tz = zone(sub.timezone)
    release = now if release_due(now, quiet, tz, sub.quiet_released_until) else None
    wake = release or next_quiet_end(now, quiet, tz)
    return wake if digest is None else min(digest, wake)
