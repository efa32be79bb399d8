"""Weekly counts per list, this week against the weeks before, and the spike rule."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.trends import (
    ReportedWeek,
    Sighting,
    is_spike,
    monday_of,
    reported_week,
    trends,
)

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


# -- the week a digest reports -----------------------------------------------------------

LONDON = ZoneInfo("Europe/London")  # BST (UTC+1) ends at 01:00 UTC on Sunday 25 October 2026
TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9, no DST


def test_a_monday_morning_daily_digest_reports_the_week_just_ended_across_dst() -> None:
    # Sunday 08:00 GMT to Monday 08:00 GMT, the day after the clocks went back.
    week = reported_week(
        datetime(2026, 10, 25, 8, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC), LONDON
    )
    assert week == ReportedWeek(
        date(2026, 10, 19), datetime(2026, 10, 25, 23, 59, 59, 999999, tzinfo=UTC), complete=True
    )


def test_a_weekly_digest_on_monday_reports_last_week_and_on_friday_this_week() -> None:
    # Monday 08:00 BST to Monday 08:00 GMT: 7 days and an hour, over the change.
    monday = reported_week(
        datetime(2026, 10, 19, 7, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC), LONDON
    )
    assert (monday.monday, monday.complete) == (date(2026, 10, 19), True)
    assert monday.as_of == datetime(2026, 10, 25, 23, 59, 59, 999999, tzinfo=UTC)
    # Friday 08:00 BST to Friday 08:00 GMT: the week of the change is not over yet.
    friday_end = datetime(2026, 10, 30, 8, 0, tzinfo=UTC)
    friday = reported_week(datetime(2026, 10, 23, 7, 0, tzinfo=UTC), friday_end, LONDON)
    assert friday == ReportedWeek(date(2026, 10, 26), friday_end, complete=False)


def test_the_middle_is_found_in_real_time_not_on_the_clock_across_dst() -> None:
    # Sunday 00:45 BST to Monday 23:45 GMT: 48 hours, though the clocks show 47.
    since = datetime(2026, 10, 25, 0, 45, tzinfo=LONDON)
    until = datetime(2026, 10, 26, 23, 45, tzinfo=LONDON)
    assert until - since == timedelta(hours=47)  # one zone: Python subtracts the clocks
    # The middle is Sunday 23:45 GMT, the old week's end; halving the clocks' 47 hours
    # would give Monday 00:15, in the new week.
    week = reported_week(since, until, LONDON)
    assert (week.monday, week.complete) == (date(2026, 10, 19), True)


def test_weeks_are_the_readers_east_of_utc() -> None:
    # Monday 08:00 in Tokyo is 23:00 UTC on Sunday: the daily digest reports the week
    # that ended in Tokyo at 15:00 UTC on Sunday.
    morning = reported_week(
        datetime(2026, 12, 5, 23, 0, tzinfo=UTC), datetime(2026, 12, 6, 23, 0, tzinfo=UTC), TOKYO
    )
    assert morning == ReportedWeek(
        date(2026, 11, 30), datetime(2026, 12, 6, 14, 59, 59, 999999, tzinfo=UTC), complete=True
    )
    # Monday 20:00 in Tokyo: the window's middle is Monday 08:00 there (still Sunday in
    # UTC), so this week, not over.
    evening_since = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    evening_until = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    evening = reported_week(evening_since, evening_until, TOKYO)
    assert evening == ReportedWeek(date(2026, 12, 7), evening_until, complete=False)
    assert reported_week(evening_since, evening_until, UTC).monday == date(2026, 11, 30)


def test_a_reported_week_counts_all_of_it_and_nothing_of_the_next() -> None:
    week = reported_week(
        datetime(2026, 12, 5, 23, 0, tzinfo=UTC), datetime(2026, 12, 6, 23, 0, tzinfo=UTC), TOKYO
    )
    seen = [
        Sighting("TRIPP", 1, datetime(2026, 11, 29, 15, 0, tzinfo=UTC), True),  # Mon 00:00 JST
        Sighting("TRIPP", 2, datetime(2026, 12, 6, 14, 59, 59, tzinfo=UTC), True),  # Sun 23:59
        Sighting("TRIPP", 3, datetime(2026, 12, 6, 15, 0, tzinfo=UTC), True),  # next Monday
        Sighting("TRIPP", 4, datetime(2026, 12, 6, 22, 0, tzinfo=UTC), True),  # next Monday
    ]
    [trend] = trends(seen, ["TRIPP"], now=week.as_of, weeks=2, tz=TOKYO)
    assert [(w.monday, w.total) for w in trend.weeks] == [
        (date(2026, 11, 23), 0),
        (date(2026, 11, 30), 2),
    ]
