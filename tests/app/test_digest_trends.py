"""Weekly digests, and the first daily digest of each week, open with one trend line per
list: a sparkline of its last eight weeks and this week's change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.app import chats, digests
from bot.app.trends import read_request, trend_numbers
from bot.domain.trends import SPARK_WEEKS, trends, window_start
from bot.messages.trend_lines import trend_line
from tests.app.test_schedules_and_quiet import ANN, follow, sent, service
from tests.factories import make_article, make_match

# Monday 15 June 2026, 09:00 in Berlin (CEST).
MONDAY_9 = datetime(2026, 6, 15, 7, 0, tzinfo=UTC)


def _seen_weeks_ago(svc: object, first: int, count: int, weeks: int) -> None:
    store = svc.store  # type: ignore[attr-defined]
    when = MONDAY_9 - timedelta(weeks=weeks, hours=1)
    for n in range(first, first + count):
        article = make_article(n, title=f"Story {n}")
        store.upsert_article(article, when)
        store.replace_matches(article.id, [make_match("TRIPP")], when)


def test_a_weekly_digest_opens_with_the_lists_sparkline_and_change(tmp_path: Path) -> None:
    svc = service(tmp_path)
    follow(svc, "TRIPP", joined=MONDAY_9 - timedelta(weeks=10))
    chats.set_schedule(svc, ANN, "weekly mon 9:00", MONDAY_9 - timedelta(days=8))
    _seen_weeks_ago(svc, 1, 3, weeks=2)
    _seen_weeks_ago(svc, 10, 1, weeks=1)
    _seen_weeks_ago(svc, 20, 2, weeks=0)  # Monday 08:00 local: this week
    digests.digest_tick(svc, MONDAY_9)
    [digest] = sent(svc, "digest")
    first_line = digest.splitlines()[0]
    assert first_line == "TRIPP ▁▁▁▁▁█▃▆ 2 this week, 0.6 a week on average before"
    seen = svc.store.trends.sightings(["TRIPP"], window_start(MONDAY_9, SPARK_WEEKS, UTC))
    [trend] = trends(seen, ["TRIPP"], now=MONDAY_9, weeks=SPARK_WEEKS, tz=UTC)
    assert trend_line(trend) == first_line
    assert [w.total for w in trend.weeks] == [0, 0, 0, 0, 0, 3, 1, 2]


def test_a_daily_digest_opens_with_trends_on_monday_only(tmp_path: Path) -> None:
    svc = service(tmp_path)
    follow(svc, "TRIPP", at="09:00", joined=MONDAY_9 - timedelta(days=2))
    _seen_weeks_ago(svc, 1, 1, weeks=0)
    digests.digest_tick(svc, MONDAY_9 - timedelta(days=1))  # Sunday
    digests.digest_tick(svc, MONDAY_9)
    digests.digest_tick(svc, MONDAY_9 + timedelta(days=1))  # Tuesday
    sunday, monday, tuesday = sent(svc, "digest")
    assert "this week" not in sunday and "this week" not in tuesday
    assert monday.startswith("TRIPP ")
    assert "1 this week, 0 a week on average before" in monday.splitlines()[0]


def test_a_week_starts_on_monday_at_midnight_in_the_chats_zone(tmp_path: Path) -> None:
    svc = service(tmp_path)
    follow(svc, "TRIPP", joined=MONDAY_9 - timedelta(weeks=10))
    chats.set_schedule(svc, ANN, "weekly mon 9:00", MONDAY_9 - timedelta(days=8))
    # Monday 00:30 in Berlin, still Sunday in UTC: this week for the chat.
    article = make_article(1, title="Story 1")
    first_seen = datetime(2026, 6, 14, 22, 30, tzinfo=UTC)
    svc.store.upsert_article(article, first_seen)
    svc.store.replace_matches(article.id, [make_match("TRIPP")], first_seen)
    digests.digest_tick(svc, MONDAY_9)
    [digest] = sent(svc, "digest")
    assert digest.splitlines()[0].endswith(" 1 this week, 0 a week on average before")
    sub = svc.store.chats.get(ANN.chat_id)
    assert sub is not None
    asked = read_request(svc, sub, "TRIPP 2", MONDAY_9)
    [trend] = trend_numbers(svc, asked, MONDAY_9)
    assert [w.total for w in trend.weeks] == [0, 0, 0, 1]
    assert trend.weeks[-1].monday == date(2026, 6, 15)
