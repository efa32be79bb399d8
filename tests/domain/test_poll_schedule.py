"""With ``poll_interval = "1m"`` a feed is polled at every minute's pass, not every other
one: the next poll is counted from when the poll began, and a feed due a moment after a
pass starts is polled in it (pure, on literals)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.matching import compile_watchlists
from bot.domain.models import FeedState
from bot.domain.poll import DUE_SLACK, Prior, Served, after_success, decide, is_due
from tests.factories import make_article

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SERVED = Served(etag=None, last_modified=None)


def poll(state: FeedState, *, started: datetime, took: timedelta) -> FeedState:
    """One successful poll that began at ``started`` and stored its articles ``took`` later."""
    return decide(
        Prior(state, {}),
        [make_article(1)],
        compile_watchlists([]),
        started + took,
        title="Feed",
        served=SERVED,
        poll_interval=MINUTE,
        backfill_days=0,
        started=started,
    ).state


def test_the_next_poll_is_counted_from_when_the_poll_began() -> None:
    state = poll(FeedState(url="u"), started=T0, took=timedelta(seconds=3))
    assert state.next_poll_at == T0 + MINUTE
    assert state.last_success_at == T0 + timedelta(seconds=3)  # what was stored, and when
    # Without a start (a caller that knows only one time), it is counted from ``now``.
    plain = after_success(FeedState(url="u"), now=T0, served=SERVED, poll_interval=MINUTE)
    assert plain.next_poll_at == T0 + MINUTE


def test_a_feed_due_a_moment_after_a_pass_starts_is_polled_in_that_pass() -> None:
    due = FeedState(url="u", next_poll_at=T0 + timedelta(seconds=1))
    assert not is_due(due, T0)  # the rule alone: not yet
    assert is_due(due, T0, slack=DUE_SLACK)
    assert not is_due(FeedState(url="u", next_poll_at=T0 + DUE_SLACK + MINUTE), T0, slack=DUE_SLACK)


def test_a_feed_polled_every_minute_is_polled_at_every_pass_however_long_the_poll_takes() -> None:
    # The passes of a running bot: one a minute, each begun a little late, by however
    # long the event loop took to get to it; a fetch taking a few seconds each time.
    lateness = [0.004, 0.250, 0.001, 0.030, 0.002, 1.500, 0.003, 0.010, 0.001, 0.900]
    state, polled = FeedState(url="u"), 0
    for n, late in enumerate(lateness):
        started = T0 + n * MINUTE + timedelta(seconds=late)
        if is_due(state, started, slack=DUE_SLACK):
            state = poll(state, started=started, took=timedelta(seconds=2 + n % 3))
            polled += 1
    assert polled == len(lateness)
