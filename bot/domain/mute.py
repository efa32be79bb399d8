"""Muting a followed list for a while: no alerts and no digest items for it until the
mute runs out, which it does by itself (pure: ``now`` is a parameter)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.models import Subscriber

# What the "mute for a week" button under an alert does.
BUTTON_MUTE_DAYS = 7
# The longest mute /mute accepts.
MAX_MUTE_DAYS = 365


def is_muted(until: datetime | None, now: datetime) -> bool:
    """Whether a subscription muted ``until`` (None: never muted) is muted at ``now``."""
    return until is not None and now < until


def mute_end(now: datetime, days: int) -> datetime:
    """When a mute of ``days`` days started at ``now`` ends; ValueError for a length
    /mute does not take."""
    if not 1 <= days <= MAX_MUTE_DAYS:
        raise ValueError(f"a list can be muted for 1 to {MAX_MUTE_DAYS} days, not {days}")
    return now + timedelta(days=days)


def muted_lists(subscriber: Subscriber, now: datetime) -> dict[str, datetime]:
    """The chat's lists muted at ``now``, with when each mute ends."""
    return {name: until for name, until in subscriber.muted if is_muted(until, now)}


def heard_lists(subscriber: Subscriber, now: datetime) -> tuple[str, ...]:
    """The lists the chat follows and has not muted at ``now``: what its alerts and
    digests are made of."""
    muted = muted_lists(subscriber, now)
    return tuple(w for w in subscriber.watchlists if w not in muted)
