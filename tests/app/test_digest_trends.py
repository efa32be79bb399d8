"""Weekly digests, and the first daily digest of each week, open with one trend line per
list: a sparkline of its last eight weeks and the change of the week the digest reports
(the one holding the middle of its window: on a Monday, the week just ended)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import chats, digests
from bot.app.trends import read_request, trend_numbers
from bot.domain.trends import SPARK_WEEKS, reported_week, trends, window_start
from bot.messages.trend_lines import trend_line
from tests.app.test_schedules_and_quiet import ANN, follow, sent, service
from tests.factories import make_article, make_match

BERLIN = ZoneInfo("Europe/Berlin")

# Monday 15 June 2026, 09:00 in Berlin (CEST).
MONDAY_9 = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)


def _seen_weeks_ago(svc: object, first: int, count: int, weeks: int) -> None:
    store = svc.store  # type: ignore[attr-defined]
    when = MONDAY_9 - timedelta(weeks=weeks, hours=1)
    for n in range(first, first + count):
        article = make_article(n, title=f"Story {n}")
        store.upsert_article(article, when)
        store.replace_matches(article.id, [make_match("TRIPP")], when)


def _seen_at(svc: object, n: int, when: datetime) -> None:
    store = svc.store  # type: ignore[attr-defined]
    article = make_article(n, title=f"Story {n}")
    store.upsert_article(article, when)
    store.replace_matches(article.id, [make_match("TRIPP")], when)


def test_a_weekly_digest_on_monday_opens_with_last_weeks_sparkline_and_change(
    tmp_path: Path,
) -> None:
    svc = service(tmp_path)
    follow(svc, "TRIPP", joined=MONDAY_9 - timedelta(weeks=10))
    chats.set_schedule(svc, ANN, "weekly mon 9:00", MONDAY_9 - timedelta(days=8))
    _seen_weeks_ago(svc, 1, 3, weeks=2)
    _seen_weeks_ago(svc, 10, 1, weeks=1)
    _seen_weeks_ago(svc, 20, 2, weeks=0)  # Monday 08:00 local: this week, not reported
    digests.digest_tick(svc, MONDAY_9)
    [digest] = sent(svc, "digest")
    first_line = digest.splitlines()[0]
    assert first_line == "TRIPP ▁▁▁▁▁▁█▃ 1 last week, 0.4 a week on average before"
    week = reported_week(MONDAY_9 - timedelta(weeks=1), MONDAY_9, BERLIN)
    seen = svc.store.trends.sightings(["TRIPP"], window_start(week.as_of, SPARK_WEEKS, BERLIN))
    [trend] = trends(seen, ["TRIPP"], now=week.as_of, weeks=SPARK_WEEKS, tz=BERLIN)
    assert trend_line(trend, last_week=True) == first_line
    assert [w.total for w in trend.weeks] == [0, 0, 0, 0, 0, 0, 3, 1]
    assert trend.weeks[-1].monday == date(2026, 6, 8)


def test_a_weekly_digest_on_friday_reports_this_week(tmp_path: Path) -> None:
    friday_9 = MONDAY_9 + timedelta(days=4)
    svc = service(tmp_path)
    follow(svc, "TRIPP", joined=MONDAY_9 - timedelta(weeks=10))
    chats.set_schedule(svc, ANN, "weekly fri 9:00", friday_9 - timedelta(days=8))
    _seen_at(svc, 1, MONDAY_9 - timedelta(days=3))  # last week
    _seen_at(svc, 2, MONDAY_9 + timedelta(days=2))  # Wednesday
    digests.digest_tick(svc, friday_9)
    [digest] = sent(svc, "digest")
    assert digest.splitlines()[0] == "TRIPP ▁▁▁▁▁▁██ 1 this week, 0.1 a week on average before"


def test_a_daily_digest_opens_with_trends_on_monday_only_on_the_week_just_ended(
    tmp_path: Path,
) -> None:
    svc = service(tmp_path)
    follow(svc, "TRIPP", at="09:00", joined=MONDAY_9 - timedelta(days=2))
    _seen_at(svc, 1, MONDAY_9 - timedelta(hours=13))  # Sunday 20:00 local
    _seen_weeks_ago(svc, 2, 2, weeks=0)  # Monday 08:00 local: in the digest, not its week
    digests.digest_tick(svc, MONDAY_9 - timedelta(days=1))  # Sunday
    digests.digest_tick(svc, MONDAY_9)
    digests.digest_tick(svc, MONDAY_9 + timedelta(days=1))  # Tuesday
    sunday, monday, tuesday = sent(svc, "digest")
    assert "this week" not in sunday + tuesday and "last week" not in sunday + tuesday
    assert monday.startswith("TRIPP ")
    assert monday.splitlines()[0] == "TRIPP ▁▁▁▁▁▁▁█ 1 last week, 0 a week on average before"
    assert "Story 2" in monday  # the digest itself still holds Monday morning's articles


def test_a_week_ends_on_sunday_at_midnight_in_the_chats_zone(tmp_path: Path) -> None:
    svc = service(tmp_path)
    follow(svc, "TRIPP", joined=MONDAY_9 - timedelta(weeks=10))
    chats.set_schedule(svc, ANN, "weekly mon 9:00", MONDAY_9 - timedelta(days=8))
    # Both Sunday in UTC; in Berlin the first is Sunday 23:30, last week, and the
    # second Monday 00:30, this week.
    _seen_at(svc, 1, datetime(2026, 6, 14, 21, 30, tzinfo=UTC))
    _seen_at(svc, 2, datetime(2026, 6, 14, 22, 30, tzinfo=UTC))
    digests.digest_tick(svc, MONDAY_9)
    [digest] = sent(svc, "digest")
    assert digest.splitlines()[0].endswith(" 1 last week, 0 a week on average before")
    sub = svc.store.chats.get(ANN.chat_id)
    assert sub is not None
    asked = read_request(svc, sub, "TRIPP 2", MONDAY_9)
    [trend] = trend_numbers(svc, asked, MONDAY_9)
    assert [w.total for w in trend.weeks] == [0, 0, 1, 1]  # /trend: up to this week
    assert trend.weeks[-1].monday == date(2026, 6, 15)
