"""Weekly counts per list, this week against the weeks before, and the spike rule."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.trends import Sighting, is_spike, monday_of, trends

# A Wednesday; its ISO week starts on Monday 2026-12-07.
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)


def _seen(watchlist: str, article: int, days_ago: float, *, named: bool = True) -> Sighting:
    return Sighting(watchlist, article, NOW - timedelta(days=days_ago), named)


def test_weeks_are_iso_weeks_from_monday() -> None:
    assert monday_of(datetime(2026, 12, 13, 23, 59, tzinfo=UTC)) == date(2026, 12, 7)
    assert monday_of(datetime(2026, 12, 7, 0, 0, tzinfo=UTC)) == date(2026, 12, 7)
    assert monday_of(date(2026, 12, 6)) == date(2026, 11, 30)


def test_counts_per_week_oldest_first_with_empty_weeks_as_zero() -> None:
    seen = [
        _seen("TRIPP", 1, 0),  # this week
        _seen("TRIPP", 2, 2),  # Monday, this week
        _seen("TRIPP", 3, 3),  # Sunday, last week
        _seen("TRIPP", 4, 20),  # three weeks back: outside a 3-week window
        _seen("OTHER", 5, 0),
    ]
    [trend] = trends(seen, ["TRIPP"], now=NOW, weeks=3, tz=UTC)
    assert [w.monday for w in trend.weeks] == [
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 12, 7),
    ]
    assert [w.total for w in trend.weeks] == [0, 1, 2]
    assert trend.this_week == 2
    assert trend.last_week == 1
    assert trend.previous_mean == 0.5


def test_named_and_possibly_about_are_counted_apart_and_named_wins() -> None:
    seen = [
        _seen("TRIPP", 1, 0, named=True),
        _seen("TRIPP", 1, 0, named=False),  # the same article, also possibly about
        _seen("TRIPP", 2, 0, named=False),
        _seen("TRIPP", 3, 0, named=True),
        _seen("TRIPP", 3, 0, named=True),  # two matches of one article count once
    ]
    [trend] = trends(seen, ["TRIPP"], now=NOW, weeks=1, tz=UTC)
    assert (trend.weeks[-1].named, trend.weeks[-1].possibly) == (2, 1)


def test_every_list_asked_for_is_there_in_order_even_without_matches() -> None:
    result = trends([_seen("B", 1, 0)], ["A", "B"], now=NOW, weeks=2, tz=UTC)
    assert [t.watchlist for t in result] == ["A", "B"]
    assert [w.total for w in result[0].weeks] == [0, 0]
    assert result[0].previous_mean == 0.0


def test_a_quiet_list_going_from_nothing_to_one_is_not_a_spike() -> None:
    assert not is_spike([0] * 12, 1)
    assert not is_spike([0] * 12, 2)
    assert is_spike([0] * 12, 3)


def test_a_spike_is_above_mean_plus_two_standard_deviations() -> None:
    before = [2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4]  # mean 3, deviation 1
    assert not is_spike(before, 5)  # 3 + max(2, 2) = 5: not above
    assert is_spike(before, 6)
    noisy = [0, 10] * 6  # mean 5, deviation 5: the bar is 15
    assert not is_spike(noisy, 15)
    assert is_spike(noisy, 16)


def test_the_spike_looks_back_twelve_weeks_only() -> None:
    # Busy long ago, quiet for the last twelve weeks, then 4 this week.
    seen = [_seen("T", n, 7 * 14 + n % 7) for n in range(40)]
    seen += [_seen("T", 100 + n, 0) for n in range(4)]
    [trend] = trends(seen, ["T"], now=NOW, weeks=20, tz=UTC)
    assert trend.spike


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=12))
def test_never_a_spike_at_or_below_the_floor_over_the_mean(before: list[int]) -> None:
    mean = statistics.fmean(before)
    assert not is_spike(before, int(mean + 2))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B"]),
            st.integers(min_value=0, max_value=30),
            st.floats(min_value=0, max_value=200),
            st.booleans(),
        ),
        max_size=60,
    ),
    st.integers(min_value=1, max_value=30),
)
def test_counts_are_the_distinct_articles_in_the_window(
    rows: list[tuple[str, int, float, bool]], weeks: int
) -> None:
    seen = [_seen(w, a, d, named=n) for w, a, d, n in rows]
    start = monday_of(NOW) - timedelta(weeks=weeks - 1)
    for trend in trends(seen, ["A", "B"], now=NOW, weeks=weeks, tz=UTC):
        assert len(trend.weeks) == weeks
        expected = {
            (s.article, monday_of(s.first_seen))
            for s in seen
            if s.watchlist == trend.watchlist and monday_of(s.first_seen) >= start
        }
        assert sum(w.total for w in trend.weeks) == len(expected)
