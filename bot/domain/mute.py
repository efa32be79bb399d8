"""Muting a followed list for a while: no alerts and no digest items for it until the
mute runs out, which it does by itself; and which of the lists heard come as alerts and
which in the digest, by each list's mode (pure: ``now`` is a parameter)."""

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


def alert_lists(subscriber: Subscriber, now: datetime) -> tuple[str, ...]:
    """The heard lists whose articles come as instant alerts (each list's own mode, else
    the chat's)."""
    if not subscriber.active:
        return ()
    heard = heard_lists(subscriber, now)
    return tuple(w for w in heard if subscriber.mode_of(w) in ("instant", "both"))


def digest_lists(subscriber: Subscriber, now: datetime) -> tuple[str, ...]:
    """The heard lists whose articles the scheduled digest holds: those in "daily", and
    those in "both" unless the chat asked the digest to leave out what it was alerted to
    (then what was held in quiet hours is added by the digest itself)."""
    heard = heard_lists(subscriber, now)
    wanted = ("daily",) if subscriber.digest_skips_alerted else ("daily", "both")
    return tuple(w for w in heard if subscriber.mode_of(w) in wanted)


def digest_about_lists(subscriber: Subscriber, now: datetime, *, held: bool) -> tuple[str, ...]:
    """The heard lists whose "possibly about" findings the scheduled digest holds: the
    digest's lists, and a list whose named matches come as alerts but whose findings
    the chat does not take as alerts (off unless asked: they come nowhere else). With
    alerts ``held`` in quiet hours the digest takes those too (some may repeat)."""
    digest = digest_lists(subscriber, now)
    return digest + tuple(
        w
        for w in alert_lists(subscriber, now)
        if w not in digest and (held or w not in subscriber.about_alerts)
    )
