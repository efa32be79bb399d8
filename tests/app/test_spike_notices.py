"""A list's followers hear once a week when its weekly count is a spike; a quiet list
going from nothing to one match is no spike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.poll import queue_alerts
from bot.app.service import Service
from bot.app.spikes import queue_spike_notices
from bot.domain.models import Alert
from tests.app.test_schedules_and_quiet import ANN, follow, sent, service
from tests.factories import make_article, make_match

# Wednesday 10 June 2026.
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def arrive(svc: Service, n: int, when: datetime) -> None:
    article = make_article(n, title=f"Story {n}")
    svc.store.upsert_article(article, when)
    svc.store.replace_matches(article.id, [make_match("TRIPP")], when)
    queue_alerts(svc, [Alert(article, (make_match("TRIPP"),))], when)


def test_a_spike_is_noticed_once_that_week_by_the_lists_followers(tmp_path: Path) -> None:
    svc = service(tmp_path)
    follow(svc, "TRIPP", joined=NOW - timedelta(weeks=20))
    arrive(svc, 99, NOW - timedelta(weeks=14))  # watching since before the twelve weeks
    for week in range(1, 13):  # one a week for twelve weeks: mean 1, deviation 0
        arrive(svc, week, NOW - timedelta(weeks=week))
    for n in range(100, 103):
        arrive(svc, n, NOW + timedelta(minutes=n - 100))
    assert sent(svc, "notice") == []  # 3 is not above 1 + the floor of 2
    arrive(svc, 103, NOW + timedelta(minutes=5))
    [notice] = sent(svc, "notice")
    assert "TRIPP" in notice and "4 this week, 1 a week on average before" in notice
    arrive(svc, 104, NOW + timedelta(minutes=6))
    assert queue_spike_notices(svc, ["TRIPP"], NOW + timedelta(minutes=7)) == 0
    assert len(sent(svc, "notice")) == 1
    assert ANN.chat_id in svc.store.chats.subscribers_of("TRIPP")


def test_a_quiet_list_going_from_nothing_to_one_is_not_noticed(tmp_path: Path) -> None:
    svc = service(tmp_path)
    follow(svc, "TRIPP", joined=NOW - timedelta(weeks=20))
    arrive(svc, 1, NOW - timedelta(weeks=14))
    arrive(svc, 2, NOW)
    assert sent(svc, "notice") == []


def test_a_new_stores_first_poll_is_no_spike(tmp_path: Path) -> None:
    svc = service(tmp_path)
    follow(svc, "TRIPP", joined=NOW - timedelta(days=1))
    for n in range(10):
        arrive(svc, n, NOW)
    assert sent(svc, "notice") == []
