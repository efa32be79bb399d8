"""Questions asked before an action that cannot be undone with one tap (/stop, deleting a
personal list or, for an admin, a shared one), answered with a button: how long an
answer counts (pure).

The button carries when it was asked, in minutes since the epoch in base 36 (a few
bytes of Telegram's 64 of callback data). A "Yes" tapped later than ``ANSWER_WITHIN``
does nothing: the chat may have changed its mind, and its subscriptions, since.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

ANSWER_WITHIN = timedelta(minutes=15)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def asked_at(now: datetime) -> str:
    """What a question's buttons carry of when it was asked."""
    minutes = int((now - _EPOCH) // timedelta(minutes=1))
    text = ""
    while True:
        minutes, digit = divmod(minutes, 36)
        text = _DIGITS[digit] + text
        if minutes == 0:
            return text


def still_open(stamp: str, now: datetime) -> bool:
    """Whether an answer tapped at ``now`` to a question stamped ``stamp`` counts: asked
    at most ``ANSWER_WITHIN`` ago (and not in the future, which no real button says)."""
    if not stamp or len(stamp) > 12 or any(c not in _DIGITS for c in stamp):
        return False
    try:
        asked = _EPOCH + timedelta(minutes=int(stamp, 36))
    except OverflowError:
        # A forged button (a client may send any callback data): no real question was
        # asked that far from 1970.
        return False
    return asked - timedelta(minutes=1) <= now and now - asked <= ANSWER_WITHIN
