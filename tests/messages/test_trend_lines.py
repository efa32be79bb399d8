"""A list's trend line: its sparkline, scaled to its busiest week, and this week's change."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.schedule import opens_with_trends
from bot.domain.trends import ListTrend, WeekCount
from bot.messages.html import MAX_MESSAGE, utf16_len
from bot.messages.trend_lines import (
    MAX_CAPTION,
    SPARKS,
    sparkline,
    spike_notice,
    trend_block,
    trend_caption,
    trend_line,
    with_trend_block,
)


def _trend(name: str, counts: list[int]) -> ListTrend:
    start = date(2026, 10, 5)
    return ListTrend(
        name,
        tuple(WeekCount(start + timedelta(weeks=i), c, 0) for i, c in enumerate(counts)),
    )


def test_the_sparkline_scales_to_the_busiest_week() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == SPARKS
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([5, 5]) == "██"
    assert sparkline([]) == ""


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=52))
def test_one_bar_per_week_and_the_busiest_is_full(counts: list[int]) -> None:
    line = sparkline(counts)
    assert len(line) == len(counts) and set(line) <= set(SPARKS)
    if counts and max(counts) > 0:
        assert line[counts.index(max(counts))] == "█"


def test_the_line_names_the_list_and_this_week_against_the_mean_before() -> None:
    line = trend_line(_trend("TRIPP", [1, 2, 6, 3, 9]))
    assert line == "TRIPP ▂▃▆▃█ 9 this week, 3 a week on average before"
    assert trend_line(_trend("A<B", [1, 2])).startswith("A&lt;B ")


def test_a_week_that_is_over_is_called_last_week_in_the_lines() -> None:
    trend = _trend("TRIPP", [1, 2, 6, 3, 9])
    line = trend_line(trend, last_week=True)
    assert line == "TRIPP ▂▃▆▃█ 9 last week, 3 a week on average before"
    block = trend_block([trend, _trend("TITR", [0, 1])], last_week=True)
    assert block.splitlines()[1] == "TITR ▁█ 1 last week, 0 a week on average before"
    assert "this week" in trend_caption([trend], 5)  # /trend's chart ends at now's week


def test_the_block_goes_atop_the_first_part_or_in_its_own_when_that_is_full() -> None:
    assert with_trend_block(["digest"], "TRIPP ▁█") == ["TRIPP ▁█\n\ndigest"]
    full = "x" * MAX_MESSAGE
    assert with_trend_block([full, "two"], "TRIPP ▁█") == ["TRIPP ▁█", full, "two"]
    assert with_trend_block([], "TRIPP ▁█") == []


def test_trend_lines_open_weekly_digests_and_the_weeks_first_daily_one() -> None:
    monday, tuesday, friday = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 11)
    assert opens_with_trends("daily", monday) and not opens_with_trends("daily", tuesday)
    assert opens_with_trends("weekdays", monday)
    assert opens_with_trends("fri", friday) and not opens_with_trends("fri", monday)


def test_a_personal_list_is_shown_by_the_name_its_owner_gave_it() -> None:
    rogun = _trend("~42/Rogun", [0, 3])
    assert trend_line(rogun).startswith("Rogun (personal) ▁█")
    assert "<b>Rogun (personal)</b>: 3 this week" in trend_caption([rogun], 1)
    notice = spike_notice(rogun)
    assert "~42" not in notice and notice.endswith("/trend Rogun (personal)")


def test_the_caption_compares_this_week_with_every_week_charted_before_it() -> None:
    caption = trend_caption([_trend("TRIPP", [1, 3, 2, 9])], 2)
    assert caption.endswith("<b>TRIPP</b>: 9 this week, 2 a week on average before")
    assert trend_caption([_trend("TRIPP", [2, 5])], 1).endswith(
        "5 this week, 2 a week on average before"
    )


def test_the_caption_says_which_zones_weeks_and_which_lists_were_left_out() -> None:
    caption = trend_caption([_trend("TRIPP", [1, 2])], 1, of=12, zone="Asia/Baku")
    assert "Weeks start on Monday in Asia/Baku." in caption
    assert "The 1 busiest of your 12 lists" in caption


@given(st.lists(st.text(min_size=1, max_size=64), min_size=1, max_size=40))
def test_the_caption_never_passes_telegrams_limit(names: list[str]) -> None:
    trends = [_trend(name, [10_000, 99_999]) for name in names]
    caption = trend_caption(trends, 1, of=len(names) + 5, zone="America/Argentina/Buenos_Aires")
    assert utf16_len(caption) <= MAX_CAPTION
    shown = caption.count(" this week, ")
    assert shown == len(names) or caption.endswith(f"… and {len(names) - shown} more")


def test_a_caption_of_lists_named_in_emoji_stays_within_telegrams_limit() -> None:
    # Telegram counts a caption in UTF-16 units: each of these letters is two of them.
    names = ["𝕋" * 39 + str(i) for i in range(8)]  # personal lists: 40 characters at most
    caption = trend_caption([_trend(n, [10_000, 99_999]) for n in names], 12)
    assert utf16_len(caption) <= MAX_CAPTION
