"""A list's followers hear once a week when its weekly count is a spike; a quiet list
going from nothing to one match is no spike. A notice goes as an alert goes: not for a
muted list nor one taken in the digest only, where the list's route sends it, and held by
quiet hours until they end (then once, even across the end of a week)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import chats, digests, feedback, routes
from bot.app.poll import queue_alerts
from bot.app.service import Service
from bot.app.spikes import queue_spike_notices
from bot.domain.models import Alert
from bot.domain.routing import Destination
from tests.app.test_schedules_and_quiet import ANN, follow, sent, service
from tests.factories import make_article, make_match
from tests.fake_telegram import parse_telegram_html

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


def usual_weeks(svc: Service, now: datetime, at: str = "08:00") -> None:
    """Watching for fourteen weeks, one TRIPP article a week for the twelve before
    ``now``'s week: four this week is a spike (above 1 + the floor of 2)."""
    follow(svc, "TRIPP", at=at, joined=now - timedelta(weeks=20))
    arrive(svc, 99, now - timedelta(weeks=14))
    for week in range(1, 13):
        arrive(svc, week, now - timedelta(weeks=week))


def busy(svc: Service, at: datetime) -> None:
    for n in range(100, 104):
        arrive(svc, n, at + timedelta(minutes=n - 100))


@pytest.mark.parametrize("away", ["muted", "digest only"])
def test_no_notice_for_a_list_muted_or_taken_in_the_digest_only(tmp_path: Path, away: str) -> None:
    svc = service(tmp_path)
    usual_weeks(svc, NOW)
    if away == "muted":
        feedback.mute(svc, ANN, "TRIPP", 7, NOW - timedelta(hours=1))
    else:
        chats.set_list_mode(svc, ANN, "TRIPP", "daily", NOW - timedelta(hours=1))
    busy(svc, NOW)
    assert sent(svc, "notice") == []


def test_the_notice_goes_where_the_lists_route_sends_its_alerts(tmp_path: Path) -> None:
    svc = service(tmp_path)
    usual_weeks(svc, NOW)
    channel = -1009001
    routes.set_route(svc, ANN, "TRIPP", Destination(channel), title="News", by="t", now=NOW)
    busy(svc, NOW)
    assert sent(svc, "notice") == []
    [notice] = [m for m in svc.store.outbox.pending_for(channel) if m.kind == "notice"]
    assert "TRIPP" in notice.text and notice.origin_chat_id == ANN.chat_id


def test_quiet_hours_hold_the_notice_until_they_end_and_it_goes_once(tmp_path: Path) -> None:
    svc = service(tmp_path)
    usual_weeks(svc, NOW, at="18:00")
    digests.digest_tick(svc, NOW - timedelta(hours=3))  # so that no digest takes them
    # NOW is 14:00 in Berlin.
    chats.set_schedule(svc, ANN, "quiet 13:00-15:00", NOW - timedelta(hours=2))
    busy(svc, NOW)
    assert sent(svc, "notice") == [], "held"
    digests.digest_tick(svc, NOW + timedelta(hours=1))  # 15:00 in Berlin
    *_, alerts, notice = [m.text for m in svc.store.outbox.pending_for(ANN.chat_id)]
    # After what else the quiet hours held, under their heading.
    assert parse_telegram_html(alerts).text.startswith("🌙 Held during your quiet hours")
    assert "Story 103" in alerts
    assert "4 this week, 1 a week on average before" in notice
    arrive(svc, 104, NOW + timedelta(hours=1, minutes=5))
    digests.digest_tick(svc, NOW + timedelta(days=1, hours=1))  # tomorrow's quiet hours
    assert len(sent(svc, "notice")) == 1


def test_a_spike_held_over_the_end_of_the_week_is_noticed_for_that_week(tmp_path: Path) -> None:
    svc = service(tmp_path)
    sunday = datetime(2026, 6, 14, 21, 0, tzinfo=UTC)  # Sunday 23:00 in Berlin
    usual_weeks(svc, sunday)
    chats.set_schedule(svc, ANN, "quiet 22:00-07:00", sunday - timedelta(hours=2))
    busy(svc, sunday)
    assert sent(svc, "notice") == []
    # Monday 07:00: the digest owed since Sunday 08:00 takes what the night held.
    digests.digest_tick(svc, datetime(2026, 6, 15, 5, 0, tzinfo=UTC))
    [digest] = sent(svc, "digest")
    assert "Story 103" in digest
    [held] = sent(svc, "notice")
    assert "TRIPP</b> was busier than usual: 4 last week, 1 a week on average before" in held
    assert svc.store.outbox.by_key(f"spike:TRIPP:2026-06-08:{ANN.chat_id}") is not None
