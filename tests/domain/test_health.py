"""The pure health core: which feed alarms admins are owed, when the watchdog may be fed,
and the status report as text and as Telegram HTML."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.health import (
    JOB_SILENCE,
    DigestActivity,
    OutboxHealth,
    StatusReport,
    SubscriberCounts,
    feed_alarms,
    feed_condition,
    problems,
    watchdog_verdict,
)
from bot.domain.models import FeedState, JobRun
from bot.messages.notices import feed_alarm_messages
from bot.messages.status import span, status_html_blocks, status_text
from tests.fake_telegram import parse_telegram_html

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
URL = "https://www.cacianalyst.org/publications/analytical-articles.feed"


def failing(since: datetime, *, told: datetime | None = None, errors: int = 3) -> FeedState:
    return FeedState(
        url=URL,
        error_count=errors,
        failing_since=since,
        down_notice_for=told,
        last_error="HTTP 503 Service Unavailable",
        last_error_at=NOW,
    )


# -- feed alarms --------------------------------------------------------------------------


def test_a_failure_shorter_than_the_threshold_is_not_mentioned() -> None:
    assert feed_alarms([failing(NOW - timedelta(minutes=59))], NOW, HOUR) == []


def test_a_failure_reaching_the_threshold_is_owed_one_down_notice() -> None:
    since = NOW - HOUR
    [alarm] = feed_alarms([failing(since)], NOW, HOUR)
    assert (alarm.kind, alarm.failing_since) == ("down", since)


def test_once_told_the_same_failure_is_not_repeated() -> None:
    since = NOW - 5 * HOUR
    assert feed_alarms([failing(since, told=since)], NOW, HOUR) == []


def test_recovery_after_a_told_failure_is_owed_one_recovered_notice() -> None:
    since = NOW - 5 * HOUR
    recovered = FeedState(url=URL, last_success_at=NOW, down_notice_for=since)
    [alarm] = feed_alarms([recovered], NOW, HOUR)
    assert (alarm.kind, alarm.failing_since) == ("recovered", since)


def test_recovery_from_an_untold_failure_is_not_mentioned() -> None:
    assert feed_alarms([FeedState(url=URL, last_success_at=NOW)], NOW, HOUR) == []


def test_a_new_long_failure_after_an_unnoticed_recovery_gets_both_notices_in_order() -> None:
    old, new = NOW - 10 * HOUR, NOW - 2 * HOUR
    alarms = feed_alarms([failing(new, told=old)], NOW, HOUR)
    assert [(a.kind, a.failing_since) for a in alarms] == [("recovered", old), ("down", new)]


def test_alarm_messages_go_to_every_admin_keyed_by_the_failure() -> None:
    since = NOW - 2 * HOUR
    [alarm] = feed_alarms([failing(since)], NOW, HOUR)
    messages = feed_alarm_messages(alarm, [1, 2], NOW)
    assert [m.chat_id for m in messages] == [1, 2]
    assert len({m.dedup_key for m in messages}) == 2
    assert all(since.isoformat() in m.dedup_key for m in messages)
    assert "503" in messages[0].text and URL in messages[0].text


@given(title=st.text(max_size=200), error=st.text(max_size=2000))
def test_alarm_messages_are_valid_telegram_html_whatever_the_feed_says(
    title: str, error: str
) -> None:
    feed = replace(failing(NOW - 2 * HOUR), title=title, last_error=error)
    for alarm in feed_alarms([feed], NOW, HOUR) + feed_alarms(
        [replace(feed, failing_since=None, down_notice_for=NOW - 2 * HOUR)], NOW, HOUR
    ):
        [message] = feed_alarm_messages(alarm, [1], NOW)
        parse_telegram_html(message.text)  # raises on anything Telegram would refuse
        assert len(message.text) < 4096


# -- the watchdog -------------------------------------------------------------------------

SILENCE = JOB_SILENCE.total_seconds()


def verdict(now: float, finished: dict[str, float], **overrides: bool) -> tuple[bool, str]:
    flags = {"database_ok": True, "scheduler_running": True, "delivery_running": True}
    flags.update(overrides)
    v = watchdog_verdict(now, started_at=0.0, finished=finished, max_silence=SILENCE, **flags)
    return v.healthy, v.reason


def test_the_watchdog_is_fed_while_every_job_finishes_in_time() -> None:
    recent = {"poll": 500.0, "digest": 510.0, "watchlists": 520.0}
    assert verdict(600.0, recent) == (True, "")


def test_a_fresh_start_is_healthy_before_any_job_has_finished() -> None:
    assert verdict(30.0, {})[0]


def test_a_job_silent_for_longer_than_allowed_withholds_the_ping() -> None:
    stuck = {"poll": 10.0, "digest": 500.0, "watchlists": 500.0}
    healthy, reason = verdict(10.0 + SILENCE + 1, stuck)
    assert not healthy and "poll" in reason


def test_a_database_that_does_not_answer_withholds_the_ping() -> None:
    healthy, reason = verdict(1.0, {}, database_ok=False)
    assert not healthy and "database" in reason


def test_a_stopped_scheduler_or_delivery_withholds_the_ping() -> None:
    assert not verdict(1.0, {}, scheduler_running=False)[0]
    assert not verdict(1.0, {}, delivery_running=False)[0]


# -- the status report --------------------------------------------------------------------


def report(**changes: object) -> StatusReport:
    base = StatusReport(
        version="9.9.9",
        now=NOW,
        feeds=[
            FeedState(
                url=URL,
                title="Analytical Articles",
                last_success_at=NOW - timedelta(minutes=10),
                next_poll_at=NOW + timedelta(minutes=5),
                newest_item_at=NOW - timedelta(days=3),
            )
        ],
        outbox=OutboxHealth(pending=0, oldest_pending_at=None, failed=0, sent_last_day=12),
        subscribers=SubscriberCounts(active=40, active_groups=3, total=42),
        digests=DigestActivity(last_day=38, latest_at=NOW - timedelta(hours=4)),
        jobs={"digest": JobRun("digest", NOW - timedelta(seconds=20), True)},
        watchlists=3,
        watchlist_errors=[],
        stale_after=timedelta(days=45),
        alert_admins_after=HOUR,
        running_within=JOB_SILENCE,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_healthy_bot_reports_all_well_with_every_figure() -> None:
    text = status_text(report())
    assert problems(report()) == []
    for expected in (
        "caci-watch 9.9.9",
        "All well.",
        "Bot: running",
        "Analytical Articles " + URL + ": OK",
        "last success: 2026-11-26 11:50 UTC (10 min ago)",
        "next poll: 2026-11-26 12:05 UTC (in 5 min)",
        "outbox backlog: 0 message(s)",
        "sent in the last 24 h: 12",
        "40 active (3 group chats), 2 inactive",
        "last digest run: 2026-11-26 11:59 UTC (20 s ago), ok",
        "digests queued in the last 24 h: 38",
        "3 loaded",
    ):
        assert expected in text


def test_a_long_failing_feed_a_stuck_outbox_and_a_silent_bot_need_attention() -> None:
    bad = report(
        feeds=[failing(NOW - 3 * HOUR)],
        outbox=OutboxHealth(pending=7, oldest_pending_at=NOW - 2 * HOUR, failed=1, sent_last_day=0),
        jobs={"digest": JobRun("digest", NOW - HOUR, False, "OperationalError: disk full")},
        watchlist_errors=["tripp.toml:3: expected '='"],
    )
    found = problems(bad)
    assert found == [
        "the bot is not running",
        f"feed {URL} is failing",
        "messages have waited to be sent for over an hour",
        "a watchlist file does not load",
    ]
    text = status_text(bad)
    assert "FAILING" in text and "3 errors in a row" in text and "HTTP 503" in text
    assert "NOT RUNNING" in text and "FAILED: OperationalError: disk full" in text
    assert "oldest queued 2026-11-26 10:00 UTC (2 h ago)" in text


def test_a_feed_failing_for_less_than_the_alarm_time_is_shown_but_not_a_problem() -> None:
    r = report(feeds=[failing(NOW - timedelta(minutes=5))])
    assert problems(r) == []
    assert "FAILING" in status_text(r)


def test_a_feed_whose_newest_article_is_too_old_is_stale() -> None:
    stale = FeedState(url=URL, last_success_at=NOW, newest_item_at=NOW - timedelta(days=60))
    assert feed_condition(stale, NOW, timedelta(days=45)) == "stale"
    assert problems(report(feeds=[stale])) == [f"feed {URL} is stale"]


@given(title=st.text(max_size=300), error=st.text(max_size=600))
def test_status_html_is_valid_telegram_html_whatever_the_feeds_say(title: str, error: str) -> None:
    feed = replace(failing(NOW - 3 * HOUR), title=title, last_error=error)
    for block in status_html_blocks(report(feeds=[feed], watchlist_errors=[error])):
        parse_telegram_html(block)


def test_spans_read_naturally() -> None:
    cases = [(40, "40 s"), (300, "5 min"), (7800, "2 h 10 min"), (7200, "2 h"), (273600, "3 d 4 h")]
    assert [span(timedelta(seconds=s)) for s, _ in cases] == [t for _, t in cases]
